"""The versioned JSON API: one decorator declares, validates and documents each endpoint.

Request bodies and query strings are parsed by the same pydantic models that generate the
OpenAPI document at /api/v1/openapi.json, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from helpdesk import clock
from helpdesk.api.schemas import field_errors
from helpdesk.db import get_session, statements_commit_alone
from helpdesk.errors import DomainError, Unauthorized
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import services as identity_services
from helpdesk.identity.models import Candidate, SessionKind

bp = Blueprint("api", __name__, url_prefix="/api/v1")
JSON_LIMIT = 256 * 1024


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    tags: list[str]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | None]
    auth: bool
    headers: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw_response: dict[int, str] = field(default_factory=dict)
    raw_body: str | None = None
    #: Headers of the successful answers: name -> OpenAPI header object.
    response_headers: dict[str, dict[str, Any]] = field(default_factory=dict)


OPERATIONS: list[Operation] = []

#: Capability modules that attach endpoints to bp when imported.
API_MODULES = [
    "helpdesk.identity.api",
    "helpdesk.callbacks.api",
    "helpdesk.uploads.api",
    "helpdesk.readiness.api",
    "helpdesk.tickets.api",
]


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def bearer_token() -> str:
    """The token of the Authorization header (not yet checked against the sessions), or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            str(_l("Sign in first: this request needs a candidate token.")), code="token_missing"
        )
    return token.strip()


def token_invalid() -> Unauthorized:
    """The 401 of a token that is unknown, expired or revoked."""
    return Unauthorized(str(_l("Your sign-in has expired. Sign in again.")), code="token_invalid")


def bearer_candidate() -> Candidate:
    """The candidate whose API token is in the Authorization header, or 401."""
    candidate = identity_services.candidate_for_token(
        get_session(), token=bearer_token(), now=clock.utcnow(), kind=SessionKind.CANDIDATE_API
    )
    if candidate is None:
        raise token_invalid()
    return candidate


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if request.content_length is not None and request.content_length > JSON_LIMIT:
        raise DomainError(str(_l("The request is too large.")), code="too_large", status=413)
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise DomainError(
            str(_l("Send the body as application/json.")), code="unsupported_media_type", status=415
        )
    raw = request.get_data(cache=True)
    if len(raw) > JSON_LIMIT:
        raise DomainError(str(_l("The request is too large.")), code="too_large", status=413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # too deep is malformed too
        raise DomainError(
            str(_l("The body is not valid JSON.")), code="malformed_json", status=400
        ) from None
    return _validate(model, data)


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            str(_l("Some fields need correcting.")),
            code="validation_failed",
            fields=field_errors(exc),
            status=422,
        ) from None


def endpoint(
    method: str,
    path: str,
    *,
    summary: str,
    tags: list[str],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: dict[int, type[BaseModel] | None] | None = None,
    auth: bool = True,
    headers: dict[str, dict[str, Any]] | None = None,
    raw_response: dict[int, str] | None = None,
    raw_body: str | None = None,
    commit_alone: bool = False,
    signs_in: bool = False,
    response_headers: dict[str, dict[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a JSON endpoint on the API blueprint.

    The view receives `body` (a model), `query` (a model) and `candidate` as keyword
    arguments when declared, and returns (payload, status), (payload, status, headers) with
    the response_headers it declares, or a Response.
    commit_alone: each statement its own transaction (helpdesk.db.statements_commit_alone).
    signs_in: the view receives the bearer `token` instead of `candidate` and signs the
    candidate in with its own first statement (raising token_invalid() when it is not
    live); when the body is invalid the candidate is signed in here first, so a stranger
    still gets 401 and never the body's errors.
    """
    op = Operation(
        method.upper(),
        path,
        summary,
        tags,
        body,
        query,
        responses or {},
        auth,
        headers or {},
        raw_response or {},
        raw_body,
        response_headers or {},
    )
    OPERATIONS.append(op)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if commit_alone:
                statements_commit_alone(get_session())
            if auth and signs_in:
                kwargs["token"] = bearer_token()
                try:
                    if body is not None:
                        kwargs["body"] = _parse_body(body)
                except DomainError:
                    bearer_candidate()
                    raise
            elif auth:
                kwargs["candidate"] = bearer_candidate()
            if body is not None and "body" not in kwargs:
                kwargs["body"] = _parse_body(body)
            if query is not None:
                kwargs["query"] = _validate(query, request.args.to_dict())
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            if not isinstance(result, tuple):
                result = (result, 200)
            payload, status, *extra = result
            if isinstance(payload, BaseModel):
                payload = payload.model_dump(mode="json")
            response = jsonify(payload)
            response.status_code = status
            if extra:
                response.headers.update(extra[0])
            return response

        flask_path = path.replace("{", "<").replace("}", ">")
        bp.add_url_rule(flask_path, view.__name__, wrapper, methods=[op.method])
        return wrapper

    return decorate


def init_app(app: Flask) -> None:
    from helpdesk.api import openapi

    for module in API_MODULES:
        __import__(module)
    from helpdesk.extensions import csrf

    openapi.register(bp)
    csrf.exempt(bp)  # bearer tokens, not cookies, authenticate the API
    app.register_blueprint(bp)
