"""Read-only queries against the desk's database: what it stored for the rehearsal's exam
session, and the queue depth while the day runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bench.harness import database
from bench.rehearsal.ledger import Stored

#: What the ledger holds against the database: (kind, API path, table).
KINDS = (
    ("help_request", "/help-requests", "help_requests"),
    ("upload_event", "/upload-events", "upload_events"),
    ("ticket", "/tickets", "tickets"),
    ("diagnostic_report", "/diagnostics/reports", "device_reports"),
)


def read_only_engine(url: str) -> Engine:
    return database.engine(url, read_only=True, pool_size=2, max_overflow=0, pool_pre_ping=True)


@dataclass
class Stores:
    stored: list[Stored]
    missing_tables: list[str]
    help_rows: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]
    call_attempts: list[dict[str, Any]]
    sms: list[dict[str, Any]]


QUERIES = {
    "help_request": (
        "help_requests",
        """
        SELECT h.public_id AS server_id, h.idempotency_key AS key, c.admission_number,
               h.created_at, h.first_call_at, h.status, h.attempts, h.reason
        FROM help_requests h JOIN candidates c ON c.id = h.candidate_id
        JOIN exam_sessions e ON e.id = h.exam_session_id WHERE e.code = :code""",
    ),
    "upload_event": (
        "upload_events",
        """
        SELECT CAST(u.id AS VARCHAR) AS server_id, u.event_id AS key, c.admission_number
        FROM upload_events u JOIN candidates c ON c.id = u.candidate_id
        JOIN exam_sessions e ON e.id = u.exam_session_id WHERE e.code = :code""",
    ),
    "ticket": (
        "tickets",
        """
        SELECT t.number AS server_id, t.idempotency_key AS key, c.admission_number
        FROM tickets t JOIN candidates c ON c.id = t.candidate_id
        JOIN enrollments n ON n.candidate_id = c.id
        JOIN exam_sessions e ON e.id = n.exam_session_id WHERE e.code = :code
        AND t.idempotency_key IS NOT NULL""",
    ),
    "diagnostic_report": (
        "device_reports",
        """
        SELECT d.code AS server_id, d.idempotency_key AS key, c.admission_number
        FROM device_reports d JOIN candidates c ON c.id = d.candidate_id
        JOIN enrollments n ON n.candidate_id = c.id
        JOIN exam_sessions e ON e.id = n.exam_session_id WHERE e.code = :code""",
    ),
}


def collect(engine: Engine, code: str) -> Stores:
    """Everything stored for the exam session `code` that the ledger can be held against."""
    tables = set(inspect(engine).get_table_names())
    stores = Stores([], [], [], [], [], [])
    with engine.connect() as connection:
        for kind, (table, sql) in QUERIES.items():
            if table not in tables:
                stores.missing_tables.append(table)
                continue
            for row in connection.execute(text(sql), {"code": code}).mappings():
                if kind == "help_request" and row["reason"] is not None:
                    continue  # follow-ups the desk queued itself
                stores.stored.append(
                    Stored(kind, row["key"], row["admission_number"], str(row["server_id"]))
                )
                if kind == "help_request":
                    stores.help_rows.append(dict(row))
        if "upload_artifacts" in tables:
            stores.artifacts = [
                dict(r)
                for r in connection.execute(
                    text("""
                SELECT a.artifact, a.artifact_id, a.state, a.attempts, a.failures,
                       c.admission_number
                FROM upload_artifacts a JOIN candidates c ON c.id = a.candidate_id
                JOIN exam_sessions e ON e.id = a.exam_session_id WHERE e.code = :code"""),
                    {"code": code},
                ).mappings()
            ]
        if "call_attempts" in tables:
            stores.call_attempts = [
                dict(r)
                for r in connection.execute(
                    text("""
                SELECT h.public_id AS help_id, a.public_id, a.provider_sid, a.state,
                       a.outcome, a.started_at, a.adapter, a.to_phone, a.caller_id,
                       a.ended_at
                FROM call_attempts a JOIN help_requests h ON h.id = a.help_request_id
                JOIN exam_sessions e ON e.id = h.exam_session_id WHERE e.code = :code"""),
                    {"code": code},
                ).mappings()
            ]
        if "outbound_sms" in tables:
            columns = {c["name"] for c in inspect(engine).get_columns("outbound_sms")}
            wanted = [
                c
                for c in (
                    "id",
                    "dedupe_key",
                    "kind",
                    "status",
                    "sent_at",
                    "attempts",
                    "provider_id",
                )
                if c in columns
            ]
            stores.sms = [
                dict(r)
                for r in connection.execute(
                    text(f"SELECT {', '.join(wanted)} FROM outbound_sms")  # noqa: S608
                ).mappings()
            ]
    return stores


def queue_depth(engine: Engine, code: str) -> dict[str, int] | None:
    """Help requests of the session by status, or None when the database does not answer."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("""
                SELECT h.status, COUNT(*) FROM help_requests h
                JOIN exam_sessions e ON e.id = h.exam_session_id
                WHERE e.code = :code AND h.reason IS NULL GROUP BY h.status"""),
                {"code": code},
            ).all()
    except SQLAlchemyError:
        return None
    return {str(status): int(count) for status, count in rows}


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
