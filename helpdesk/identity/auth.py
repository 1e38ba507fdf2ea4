"""Flask glue for sign-in: the signed-in principal, decorators, throttled sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.db import get_session
from helpdesk.errors import TooManyRequests
from helpdesk.extensions import login_manager
from helpdesk.identity import idnumber, services
from helpdesk.identity.models import AuthSession, Candidate, Role, SessionKind, Staff
from helpdesk.ratelimit import FailureCounter

F = TypeVar("F", bound=Callable[..., Any])
STAFF_SESSION_TTL = timedelta(hours=12)


@dataclass
class Principal:
    """Whoever a sign-in session belongs to; Flask-Login keeps only the token."""

    token: str
    auth: AuthSession
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.token

    @property
    def staff(self) -> Staff | None:
        return self.auth.staff

    @property
    def candidate(self) -> Candidate | None:
        return self.auth.candidate


@login_manager.user_loader
def _load_principal(token: str) -> Principal | None:
    row = services.resolve_session(
        get_session(),
        token=token,
        now=clock.utcnow(),
        kinds=(SessionKind.STAFF_WEB, SessionKind.CANDIDATE_WEB),
    )
    return Principal(token, row) if row is not None else None


def current_candidate() -> Candidate | None:
    return getattr(current_user, "candidate", None) if current_user.is_authenticated else None


def current_staff() -> Staff | None:
    return getattr(current_user, "staff", None) if current_user.is_authenticated else None


def sign_in(
    session: Session,
    *,
    kind: SessionKind,
    candidate: Candidate | None = None,
    staff: Staff | None = None,
) -> None:
    """Open a session row and put its token in the browser's session cookie."""
    ttl = (
        STAFF_SESSION_TTL
        if staff is not None
        else timedelta(minutes=int(current_app.config["TOKEN_TTL_MINUTES"]))
    )
    token, row = services.open_session(
        session, kind=kind, now=clock.utcnow(), ttl=ttl, candidate=candidate, staff=staff
    )
    session.commit()
    logout_user()
    login_user(Principal(token, row))


def sign_out(session: Session) -> None:
    """End the session on the server too: a copied cookie stops working."""
    if current_user.is_authenticated:
        services.end_session(session, token=current_user.get_id())
        session.commit()
    logout_user()


def candidate_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_candidate() is None:
            return redirect(url_for("identity.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    wrapper.required_role = "candidate"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def staff_required(role: Role = Role.AGENT) -> Callable[[F], F]:
    """Only staff whose role includes role; anonymous visitors go to the staff sign-in."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(url_for("identity.staff_sign_in", next=request.full_path))
            if not Role(staff.role).includes(role):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


class SignInThrottle:
    """Failed sign-ins counted per identity tried (admission number, ID number) and per
    address, generously, since a whole school may share one address."""

    def __init__(self, app: Flask) -> None:
        cfg = app.config
        window = int(cfg["SIGNIN_FAILURE_WINDOW_MINUTES"])
        uri = str(cfg["RATELIMIT_STORAGE_URI"])
        self.identity = FailureCounter(
            uri,
            limit=int(cfg["SIGNIN_FAILURES_PER_IDENTITY"]),
            window_minutes=window,
            namespace="signin-identity",
        )
        self.address = FailureCounter(
            uri,
            limit=int(cfg["SIGNIN_FAILURES_PER_IP"]),
            window_minutes=window,
            namespace="signin-ip",
        )
        self.exam = FailureCounter(
            uri,
            limit=int(cfg["SIGNIN_FAILURES_PER_SESSION"]),
            window_minutes=window,
            namespace="signin-exam",
        )

    def _keys(
        self, session: Session, admission_number: str, id_number: str
    ) -> list[tuple[FailureCounter, str]]:
        admission = services.normalise_admission(admission_number)[:40]
        keys = [
            (self.identity, "adm:" + admission),
            (self.address, "ip:" + (request.remote_addr or "unknown")),
        ]
        # Mass guessing against one exam's roster trips a per-session ceiling too.
        keys += [
            (self.exam, f"exam:{exam_id}")
            for exam_id in services.exam_session_ids_of(session, admission_number=admission)
        ]
        try:
            canonical = idnumber.normalise(id_number)
        except idnumber.InvalidIdNumber:
            return keys
        digest = idnumber.keyed_hash(canonical, str(current_app.config["ID_HASH_KEY"]))
        return [*keys, (self.identity, "id:" + digest)]

    def sign_in_candidate(
        self, session: Session, *, name: str, id_number: str, admission_number: str
    ) -> Candidate:
        keys = self._keys(session, admission_number, id_number)
        waits = [w for counter, key in keys if (w := counter.retry_after(key)) is not None]
        if waits:
            raise TooManyRequests(
                str(
                    _l(
                        "Too many failed sign-in attempts. Wait %(minutes)d minutes and try again.",
                        minutes=max(1, max(waits) // 60),
                    )
                ),
                retry_after=max(waits),
                code="too_many_attempts",
            )
        try:
            return services.match_candidate(
                session,
                name=name,
                id_number=id_number,
                admission_number=admission_number,
                id_hash_key=str(current_app.config["ID_HASH_KEY"]),
            )
        except services.IdentityMismatch:
            for counter, key in keys:
                counter.fail(key)
            raise

    def reset(self) -> None:
        self.identity.reset()
        self.address.reset()
        self.exam.reset()


def throttle() -> SignInThrottle:
    return current_app.extensions["signin_throttle"]


def init_app(app: Flask) -> None:
    app.extensions["signin_throttle"] = SignInThrottle(app)
    login_manager.login_view = "identity.sign_in"
    login_manager.session_protection = None  # sessions are server-side rows already
