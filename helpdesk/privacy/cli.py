"""`flask privacy erase [--dry-run]`: what the retention job removes, said or done now."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from helpdesk import clock
from helpdesk.db import session_scope
from helpdesk.privacy import jobs, services
from helpdesk.privacy import settings as privacy_settings

cli = AppGroup("privacy", help="Personal data retention (PIPL).")


@cli.command("erase")
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing.")
def erase(dry_run: bool) -> None:
    """Erase the personal data of every exam session past its retention period."""
    settings = privacy_settings.current()
    now = clock.utcnow()
    with session_scope() as session:
        due = services.due_sessions(session, now=now, retention=settings.retention)
        days = settings.retention.days
        click.echo(f"retention: {days} days after results are published; {len(due)} due")
        for exam in due:
            plan = services.plan(session, exam, cutoff=now - settings.retention)
            counts = ", ".join(f"{k} {v}" for k, v in plan.counts().items())
            click.echo(f"{exam.code}: {counts}")
        orphans = services.orphan_files(
            session, upload_dir=settings.upload_dir, now=now, grace=settings.orphan_grace
        )
        click.echo(f"attachment files without a row: {len(orphans)}")
        if dry_run:
            click.echo("dry run: nothing changed")
            session.rollback()
            return
        done = jobs.erase_due(session, now)
    click.echo(f"erased: {len(due)} sessions; {done - len(due)} files removed")
