"""The ceiling of a press of 求助 on this stack: the bare endpoint's Flask, SQLAlchemy Core and
psycopg, sending the desk's own two statements of a new press (the sign-in joined to the
lookup, then the INSERT that reads the desk and the place in the queue), each in autocommit
as the desk sends them, and a hand-built JSON answer. Nothing else: no ORM session or
entities, no extension hooks (sign-in manager, rate limiter, locale, CSRF, metrics, request
log, security headers), no validation beyond the JSON, no words.

    gunicorn bench.harness.ceiling:app   (HELPDESK_DATABASE_URL names the desk's database)

What the desk spends beyond this is the cost of its framework; what this spends beyond the
bare endpoint is the cost of the work itself. Only a fresh press is handled (the bench's
cohorts press once each); anything else is 409. PostgreSQL only.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from sqlalchemy.engine import Engine

from bench.harness import database
from helpdesk.callbacks import estimate, services, storing
from helpdesk.callbacks.models import HelpStatus
from helpdesk.callbacks.settings import Settings
from helpdesk.exams.models import Urgency
from helpdesk.identity import services as identity

POOL_VARIABLE = "BENCH_CEILING_POOL_SIZE"


def _press_values(row: Any, key: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The new request's columns from the lookup's row (candidate and exam session first)."""
    columns = row._mapping
    return {
        "public_id": services.new_public_id(),
        "candidate_id": columns["id"],
        "exam_session_id": columns["id_1"],
        "idempotency_key": key,
        "body_hash": hashlib.sha256(json.dumps(body).encode()).hexdigest(),
        "source": "api",
        "phone": columns["phone"],
        "category": body.get("category"),
        "note": None,
        "status": HelpStatus.WAITING,
        "priority": int(Urgency.FORMAL_IN_PROGRESS),  # the bench's exam is under way
        "due_at": now,
        "created_at": now,
        "attempts": 0,
    }


def make_app(engine: Engine) -> Flask:
    app = Flask(__name__)
    settings = Settings()
    # The desk's own statements, built as the desk builds them (once per process).
    lookup = services._lookup_statement(True)

    @app.post("/api/v1/help-requests")
    def press() -> Response:
        body = json.loads(request.get_data())
        now = datetime.now(UTC)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        key = request.headers.get("Idempotency-Key", "")
        params = identity.token_params(token, now)
        if params is None:
            return Response("{}", status=401, mimetype="application/json")
        with engine.connect() as connection:
            rows = connection.execute(
                lookup, params | {"key": key, "code": str(body.get("exam_session", ""))}
            ).all()
            if not rows or rows[0]._mapping["id_2"] is None or rows[0]._mapping["id_3"]:
                return Response("{}", status=409, mimetype="application/json")
            values = _press_values(rows[0], key, body, now)
            statement, _returned = storing._insert_with_desk(frozenset(values))
            stored = connection.execute(
                statement,
                {f"new_{name}": value for name, value in values.items()}
                | estimate.desk_params(settings, now)
                | {
                    "priority": values["priority"],
                    "created_at": now,
                    "request_id": storing._ANY_ID,
                },
            ).first()
        if stored is None:
            return Response("{}", status=409, mimetype="application/json")
        answer = {
            "id": values["public_id"],
            "status": "waiting",
            "position": int(stored[-1] or 0) + 1,
            "estimated_wait_seconds": settings.default_call_seconds,
            "caller_ids": list(settings.caller_ids),
            "message": "",
        }
        return Response(json.dumps(answer), status=201, mimetype="application/json")

    @app.get("/livez")
    def livez() -> Response:
        return Response("ok", mimetype="text/plain")

    return app


def _served() -> Flask:
    url = os.environ.get("HELPDESK_DATABASE_URL", "")
    if not url.startswith("postgresql"):  # imported by a test or a --help
        return Flask(__name__)
    pool = int(os.environ.get(POOL_VARIABLE, "4"))
    engine = database.engine(url, pool_size=pool, max_overflow=pool)
    return make_app(engine.execution_options(isolation_level="AUTOCOMMIT"))


app = _served()
