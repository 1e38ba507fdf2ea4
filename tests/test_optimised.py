"""The desk as docs/deploy.md's unit serves it: gunicorn with PYTHONOPTIMIZE=2, which leaves
docstrings and asserts out of every module (about 6.5 MiB less per worker, issue 17). Every
kind of request an exam day brings is answered as without it, and the API document the exam
clients read is the same, word for word."""

from __future__ import annotations

import pytest

from bench import worker_memory
from bench.harness import desk
from bench.harness.http import Client
from bench.harness.processes import free_port
from bench.side_by_side import ID_HASH_KEY
from helpdesk import create_app
from helpdesk.db import database
from tests.conftest import app_config

pytestmark = pytest.mark.timeout(240)


def test_the_desk_served_without_docstrings_answers_an_exam_day_and_documents_the_same_api(
    fresh_database, tmp_path
):
    url = fresh_database("optimised")
    args = worker_memory.parse_args(["--presses", "12", "--submissions", "3", "--pages", "3"])
    tokens, web = worker_memory.seed(url, args)
    port = free_port()
    env = desk.desk_environment(
        url,
        id_hash_key=ID_HASH_KEY,
        settings={
            "HELPDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "HELPDESK_UPLOAD_DIR": str(tmp_path / "uploads"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        },
    )
    assert env["PYTHONOPTIMIZE"] == "2"  # what the served processes run with

    with desk.serving(env, port=port, log=tmp_path / "desk.log") as server:
        server.wait(seconds=120)  # the first start may compile every module without docstrings
        recorder = worker_memory.warm_up(server.url, tokens, web, args)
        served = Client(server.url, timeout=30).send("GET", "/api/v1/openapi.json")

    statuses = {
        label: dict(recorder.statuses(label)) for label in {s.endpoint for s in recorder.snapshot()}
    }
    assert statuses["press"] == {201: len(tokens)}
    assert statuses["ticket form"] == {200: args.submissions, 302: args.submissions}
    assert statuses["candidate pages"] == {200: len(web) * len(worker_memory.CANDIDATE_PAGES)}
    assert set(statuses["inbox"]) == {200}
    assert set(statuses["ticket"]) == {200}
    assert recorder.problems == []

    app = create_app(app_config(url, str(tmp_path / "in-process")))
    try:
        documented = app.test_client().get("/api/v1/openapi.json").get_json()
    finally:
        database(app).engine.dispose()
    assert served.status == 200
    spec = served.json()
    # Where it is served is not the document; every path, schema and description is.
    assert spec["paths"] == documented["paths"]
    assert spec["components"] == documented["components"]
    assert "What the agent uploads" in str(spec["components"]["schemas"]["ReportIn"])
