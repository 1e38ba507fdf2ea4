"""GET /livez and /readyz for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from helpdesk.db import database

bp = Blueprint("health", __name__)


@bp.get("/livez")
def livez() -> ResponseReturnValue:
    """The process serves; never touches the database."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The database answers."""
    try:
        # A raw pooled connection: no transaction, so a busy SQLite writer cannot stall it.
        connection = database().engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            connection.close()
    except Exception:  # noqa: BLE001 - any failure to answer means not ready
        response = jsonify({"status": "unavailable", "database": "unreachable"})
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    return jsonify({"status": "ok", "database": "ok"})
