"""`flask staff ...`: staff accounts for the operator (the same rules and audit log as the
admin pages; entries made here show "system" as who acted)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.db import session_scope
from helpdesk.errors import DomainError
from helpdesk.identity import accounts, services
from helpdesk.identity.models import Role, Staff
from helpdesk.identity.settings import Settings

cli = AppGroup("staff", help="Staff accounts.")
ROLES = click.Choice([r.value for r in Role])


def _settings() -> Settings:
    return current_app.extensions["identity_settings"]


def _fail(exc: DomainError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for name, message in exc.fields.items():
        if message != exc.message:
            click.echo(f"  {name}: {message}", err=True)
    sys.exit(1)


def _on(username: str, act: Callable[[Session, Staff], str]) -> None:
    """Run act(session, staff) for the account named username; print what it says."""
    try:
        with session_scope() as session:
            staff = accounts.find_by_username(session, username)
            click.echo(act(session, staff))
    except DomainError as exc:
        _fail(exc)


@cli.command("create")
@click.argument("username")
@click.option("--role", type=ROLES, required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--temporary", is_flag=True, help="Make a temporary password, changed at sign-in.")
@click.option("--name", "display_name", default=None, help="Name shown to colleagues.")
def create(
    username: str, role: str, password_stdin: bool, temporary: bool, display_name: str | None
) -> None:
    """Create a staff account."""
    if temporary:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    now = clock.utcnow()
    try:
        with session_scope() as session:
            if password is None:
                staff, handed = accounts.create_account(
                    session,
                    actor=None,
                    username=username,
                    display_name=display_name or "",
                    role=Role(role),
                    now=now,
                    settings=_settings(),
                )
                click.echo(f"created {staff.username} ({staff.role}); temporary password: {handed}")
                return
            staff = services.create_staff(
                session,
                username=username,
                password=password,
                role=Role(role),
                now=now,
                display_name=display_name,
                min_length=_settings().password_min_length,
            )
            click.echo(f"created {staff.username} ({staff.role})")
    except DomainError as exc:
        _fail(exc)


@cli.command("list")
def list_staff() -> None:
    """Every account: role, state, two-factor sign-in, last sign-in."""
    with session_scope() as session:
        rows = accounts.overview(session, now=clock.utcnow(), idle=_settings().session_idle)
        for row in rows:
            s = row.staff
            two_factor = "on" if s.two_factor_enabled else "off"
            if row.two_factor_required and not s.two_factor_enabled:
                two_factor = "required, not set up"
            last = s.last_sign_in_at.isoformat(timespec="minutes") if s.last_sign_in_at else "never"
            state = "active" if s.active else "disabled"
            click.echo(
                f"{s.username}\t{s.role}\t{state}\t2fa {two_factor}\tlast sign-in {last}"
                f"\t{row.open_sessions} sessions"
            )


@cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account: every open session ends at once."""
    _on(username, lambda session, staff: _set_active(session, staff, False))


@cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let a disabled account sign in again."""
    _on(username, lambda session, staff: _set_active(session, staff, True))


def _set_active(session: Session, staff: Staff, active: bool) -> str:
    accounts.set_active(session, actor=None, staff=staff, active=active, now=clock.utcnow())
    return f"{staff.username}: {'enabled' if active else 'disabled, sessions ended'}"


@cli.command("telephony")
@click.argument("username")
@click.option("--phone", default=None, help="The agent's phone (+86...); '' clears it.")
@click.option("--seat", default=None, help="Their contact-center seat; '' clears it.")
def telephony(username: str, phone: str | None, seat: str | None) -> None:
    """Set what the calling adapter rings first for an agent: phone and seat."""

    def act(session: Session, staff: Staff) -> str:
        accounts.set_telephony(
            session, actor=None, staff=staff, phone=phone, seat=seat, now=clock.utcnow()
        )
        return f"{staff.username}: phone {staff.phone or '-'}, seat {staff.seat or '-'}"

    _on(username, act)


@cli.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLES)
def set_role(username: str, role: str) -> None:
    """Change an account's role (the last active admin stays an admin)."""

    def act(session: Session, staff: Staff) -> str:
        accounts.change_role(session, actor=None, staff=staff, role=Role(role), now=clock.utcnow())
        return f"{staff.username}: {role}"

    _on(username, act)


@cli.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """Print a temporary password; the account's sessions end."""

    def act(session: Session, staff: Staff) -> str:
        temporary = accounts.reset_password(
            session,
            actor=None,
            staff=staff,
            now=clock.utcnow(),
            settings=_settings(),
        )
        return f"{staff.username}: temporary password {temporary}"

    _on(username, act)


@cli.command("reset-2fa")
@click.argument("username")
def reset_two_factor(username: str) -> None:
    """Forget the account's authenticator app and recovery codes; sessions end."""

    def act(session: Session, staff: Staff) -> str:
        accounts.reset_two_factor(session, actor=None, staff=staff, now=clock.utcnow())
        return f"{staff.username}: two-factor sign-in reset"

    _on(username, act)


@cli.command("end-sessions")
@click.argument("username", required=False)
@click.option("--all", "everyone", is_flag=True, help="Every staff account's sessions.")
def end_sessions(username: str | None, everyone: bool) -> None:
    """Sign a staff member (or, with --all, every staff member) out everywhere."""
    if not username and not everyone:
        click.echo("error: name a username, or pass --all", err=True)
        sys.exit(2)
    with session_scope() as session:
        names = (
            list(session.scalars(select(Staff.username).order_by(Staff.username)))
            if everyone
            else [username or ""]
        )
    for name in names:
        _on(
            name,
            lambda session, staff: (
                f"{staff.username}: "
                f"{accounts.end_sessions(session, actor=None, staff=staff, now=clock.utcnow())}"
                " sessions ended"
            ),
        )


@cli.command("require-2fa")
@click.option("--everyone/--privileged-only", default=True, help="Agents too, or not.")
def require_two_factor(everyone: bool) -> None:
    """Require two-factor sign-in of agents too (supervisors and admins always need it)."""
    with session_scope() as session:
        accounts.set_policy(
            session, actor=None, two_factor_for_everyone=everyone, now=clock.utcnow()
        )
    click.echo("two-factor sign-in: " + ("everyone" if everyone else "supervisors and admins"))
