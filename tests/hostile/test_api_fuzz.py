"""schemathesis against /api/v1/openapi.json over the Flask app (WSGI, no network).

Every documented operation is fuzzed with schema-valid and schema-invalid requests: none
may answer 5xx, and every answer must be a documented status with a body of the documented
shape. A fixed seed keeps the fast tier reproducible; --full raises the number of examples.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hostile import desk
from tests.hostile.objects import factory_key

SEED = 20230110
FAST_EXAMPLES = 12
FULL_EXAMPLES = 300
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

OPERATIONS = [(method, path) for method, path, _ in desk.api_operations()]


@pytest.fixture
def fuzz_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def bearer(world) -> dict[str, str]:
    """A real candidate token, so authenticated operations get past the door."""
    return world.api_headers("owner")


def test_every_route_under_the_api_prefix_is_documented():
    documented = {(m, p) for m, p in OPERATIONS}
    served = set()
    for route in desk.routes():
        if route.is_api and route.endpoint != "api.openapi_document":
            path = route.rule
            for argument in route.arguments:
                for converter in ("", "int:", "string:", "path:", "uuid:"):
                    path = path.replace(f"<{converter}{argument}>", "{" + argument + "}")
            served.update((m, path) for m in route.methods)

    assert served - documented == set()


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_fuzzed_requests_get_documented_answers_and_never_a_5xx(
    fuzz_schema, bearer, world, full, method, path, mode
):
    operation = fuzz_schema[path][method]
    # Valid requests name the candidate's real objects, so they reach past the lookup.
    names = [p.name for p in operation.path_parameters]
    known = {n: str(world.value_for(n, "api")) for n in names if factory_key("api", n) is not None}
    strategy = (
        operation.as_strategy(generation_mode=mode, path_parameters=known or None)
        if mode is GenerationMode.POSITIVE
        else operation.as_strategy(generation_mode=mode)
    )
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    examples = FULL_EXAMPLES if full else FAST_EXAMPLES

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not full,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=bearer, checks=checks)

    try:
        run()
    except Unsatisfiable:
        pytest.skip("the schema leaves no invalid request to build for this operation")
