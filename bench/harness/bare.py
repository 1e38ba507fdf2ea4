"""The reference the benches measure the desk against: the most this stack (Flask, SQLAlchemy,
psycopg, PostgreSQL, gunicorn) can do per request here. POST /bare parses a JSON body and
stores it with one INSERT; nothing else (no sign-in, no translations, no templates).

    gunicorn bench.harness.bare:app   (BENCH_BARE_DATABASE_URL names the database)

`create_table(url)` makes its one table; the bench calls it before serving.
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert
from sqlalchemy.engine import Engine

from bench.harness import database

metadata = MetaData()
presses = Table(
    "bench_bare_presses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exam_session", String(40), nullable=False),
    Column("body", String(2000), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
#: Where the served app finds its database (the bench sets it; never the desk's settings).
URL_VARIABLE = "BENCH_BARE_DATABASE_URL"
POOL_VARIABLE = "BENCH_BARE_POOL_SIZE"


def create_table(url: str) -> None:
    engine = database.engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def make_app(engine: Engine) -> Flask:
    app = Flask(__name__)

    @app.post("/bare")
    def bare() -> Response:
        data = json.loads(request.get_data())
        with engine.begin() as connection:
            row = connection.execute(
                insert(presses)
                .values(exam_session=str(data.get("exam_session", ""))[:40], body=json.dumps(data))
                .returning(presses.c.id)
            ).scalar_one()
        return Response(json.dumps({"id": row}), status=201, mimetype="application/json")

    @app.get("/livez")
    def livez() -> Response:
        return Response("ok", mimetype="text/plain")

    return app


def _served() -> Flask:
    url = os.environ.get(URL_VARIABLE, "")
    if not url:  # imported by a test or a --help: an app that answers nothing useful
        return Flask(__name__)
    pool = int(os.environ.get(POOL_VARIABLE, "4"))
    return make_app(database.engine(url, pool_size=pool, max_overflow=pool))


app = _served()
