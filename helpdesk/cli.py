"""Operator commands: `flask --app wsgi <group> <command>` (see API.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from helpdesk import clock, devserver
from helpdesk.db import session_scope
from helpdesk.errors import DomainError

db_cli = AppGroup("db", help="Database schema.")
exams_cli = AppGroup("exams", help="Exam sessions.")
roster_cli = AppGroup("roster", help="Candidate rosters.")
jobs_cli = AppGroup("jobs", help="The scheduler.")
demo_cli = AppGroup("demo", help="Demo data.")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def _fail(exc: DomainError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for name, message in exc.fields.items():
        click.echo(f"  {name}: {message}", err=True)
    sys.exit(1)


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply every migration (up to REVISION)."""
    if str(current_app.config["DATABASE_URL"]).startswith("sqlite:///"):
        Path(str(current_app.config["DATABASE_URL"])[len("sqlite:///") :]).parent.mkdir(
            parents=True, exist_ok=True
        )
    upgrade(str(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")


@exams_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def exams_import(file: Path) -> None:
    """Create or update exam sessions from a JSON list."""
    from helpdesk.exams import services

    try:
        items = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        click.echo(f"error: {file} is not UTF-8 JSON ({exc})", err=True)
        sys.exit(1)
    try:
        with session_scope() as session:
            results = services.import_sessions(session, items)
    except DomainError as exc:
        _fail(exc)
    for code, status in results:
        click.echo(f"{code}: {status}")


@exams_cli.command("results-published")
@click.argument("code")
@click.option("--at", "at", default=None, help="ISO time with offset (default: now).")
def exams_results_published(code: str, at: str | None) -> None:
    """Record when CODE's results were published (its retention period starts then)."""
    from datetime import datetime

    from helpdesk.exams import services

    now = clock.utcnow()
    try:
        moment = datetime.fromisoformat(at) if at else now
    except ValueError:
        click.echo(f"error: {at!r} is not an ISO time such as 2023-01-20T10:00+08:00", err=True)
        sys.exit(1)
    if moment.tzinfo is None:
        click.echo("error: give the time with its offset, e.g. +08:00", err=True)
        sys.exit(1)
    try:
        with session_scope() as session:
            exam = services.get_by_code(session, code)
            services.record_results_published(session, exam=exam, at=moment, now=now)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{code}: results published at {moment.isoformat()}")


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are not.")
def roster_import(file: Path, skip_invalid: bool) -> None:
    """Import a roster CSV/XLSX; prints one line per row."""
    from helpdesk.exams import roster

    try:
        with session_scope() as session:
            rows = roster.parse_roster(file.name, file.read_bytes())
            report = roster.import_roster(
                session,
                rows,
                now=clock.utcnow(),
                id_hash_key=current_app.config["ID_HASH_KEY"],
                skip_invalid=skip_invalid,
            )
    except DomainError as exc:
        _fail(exc)
    for row in report.rows:
        problems = "; ".join(f"{k}: {v}" for k, v in row.errors.items())
        click.echo(
            f"line {row.line}: {row.status} {row.admission_number} "
            f"{row.id_number_masked} {problems}".rstrip()
        )
    summary = ", ".join(
        f"{s} {report.count(s)}" for s in ("new", "enrolled", "updated", "unchanged", "invalid")
    )
    click.echo(f"{'imported' if report.applied else 'NOT imported'}: {summary}")
    if not report.applied:
        click.echo("fix the invalid rows, or run again with --skip-invalid", err=True)
        sys.exit(1)


@jobs_cli.command("run")
@click.option("--once", "job_id", default=None, help="Run this job once and exit.")
@click.option(
    "--with-parent", "parent", type=int, default=None, hidden=True, help="Stop when PID exits."
)
def jobs_run(job_id: str | None, parent: int | None) -> None:
    """Run the scheduler (or one job once)."""
    from helpdesk import jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if parent is not None:
        devserver.stop_with_parent(parent)
    if job_id:
        try:
            job = jobs.find(job_id)
        except KeyError:
            click.echo(f"no job {job_id}; known: {', '.join(j.id for j in jobs.JOBS)}", err=True)
            sys.exit(1)
        click.echo(f"{job_id}: {jobs.run_job(app, job)}")
        return
    jobs.start_scheduler(app)


@jobs_cli.command("list")
def jobs_list() -> None:
    """List the job table."""
    from helpdesk import jobs

    for job in jobs.JOBS:
        click.echo(f"{job.id}\t{job.trigger}\t{job.trigger_args}")


@demo_cli.command("seed")
@click.option("--candidates", default=200, show_default=True)
def demo_seed(candidates: int) -> None:
    """Demo exam sessions (today is a mock-exam day), roster, staff and articles."""
    from helpdesk import demo

    with session_scope() as session:
        summary = demo.seed(
            session,
            now=clock.utcnow(),
            candidates=candidates,
            id_hash_key=current_app.config["ID_HASH_KEY"],
            timezone=str(current_app.config["TIMEZONE"]),
            instance=Path(current_app.instance_path),
        )
    for line in summary:
        click.echo(line)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--scheduler/--no-scheduler", default=True, show_default=True)
def serve(host: str, port: int, scheduler: bool) -> None:
    """Serve the whole desk on this machine (`make run`): the web server and, beside it,
    the scheduler (`flask jobs run` as a second process, started and stopped with it)."""
    from flask.cli import ScriptInfo

    info = click.get_current_context().find_object(ScriptInfo)
    app_path = (info.app_import_path if info else None) or "wsgi"
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    devserver.serve(app, app_path=app_path, host=host, port=port, scheduler=scheduler)


#: Capability modules that define a click group `cli` (e.g. `flask agent publish`).
CLI_MODULES: list[str] = [
    "helpdesk.identity.cli",
    "helpdesk.readiness.cli",
    "helpdesk.privacy.cli",
]


def init_app(app: Flask) -> None:
    import importlib

    for group in (db_cli, exams_cli, roster_cli, jobs_cli, demo_cli):
        app.cli.add_command(group)
    app.cli.add_command(serve)
    for module in CLI_MODULES:
        app.cli.add_command(importlib.import_module(module).cli)
