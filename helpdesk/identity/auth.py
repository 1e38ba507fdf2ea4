"""Flask glue for sign-in: the signed-in principal, decorators, throttled sign-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session

from helpdesk import clock
from helpdesk.db import get_session
from helpdesk.errors import TooManyRequests
from helpdesk.extensions import login_manager
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import accounts, idnumber, services, twofactor
from helpdesk.identity import settings as identity_settings
from helpdesk.identity.models import AuthSession, Candidate, Role, SessionKind, Staff
from helpdesk.identity.passwords import CredentialsRefused
from helpdesk.ratelimit import FailureCounter

F = TypeVar("F", bound=Callable[..., Any])


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


def settings() -> identity_settings.Settings:
    return current_app.extensions["identity_settings"]


#: Browser-session key: the kind of the sign-in session whose token Flask-Login keeps, so
#: the lookup joins only that kind's owner (the cookie is signed: it says what sign_in wrote).
KIND_KEY = "signin_kind"
_WEB_KINDS = (SessionKind.STAFF_WEB, SessionKind.CANDIDATE_WEB)
_KIND_OF = {kind.value: (kind,) for kind in _WEB_KINDS}


@login_manager.user_loader
def _load_principal(token: str) -> Principal | None:
    row = services.resolve_session(
        get_session(),
        token=token,
        now=clock.utcnow(),
        # a cookie from before the kind was kept: either web kind, both owners joined
        kinds=_KIND_OF.get(flask_session.get(KIND_KEY, ""), _WEB_KINDS),
        staff_idle=settings().session_idle,
        # what staff_required and candidate pages ask next, in the same statement
        with_policy=True,
        with_enrollments=True,
    )
    return Principal(token, row) if row is not None else None


def current_auth_session() -> AuthSession | None:
    return getattr(current_user, "auth", None) if current_user.is_authenticated else None


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
    if staff is None:
        ttl = timedelta(minutes=int(current_app.config["TOKEN_TTL_MINUTES"]))
        token, row = services.open_session(
            session, kind=kind, now=clock.utcnow(), ttl=ttl, candidate=candidate
        )
    else:
        # A new token at every staff sign-in; the one this browser held ends.
        if current_user.is_authenticated:
            services.end_session(session, token=current_user.get_id())
        token, row = services.open_session(
            session,
            kind=kind,
            now=clock.utcnow(),
            ttl=settings().session_max,
            staff=staff,
            ip_address=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
        )
    session.commit()
    logout_user()
    login_user(Principal(token, row))
    flask_session[KIND_KEY] = kind.value


def sign_out(session: Session) -> None:
    """End the session on the server too: a copied cookie stops working."""
    if current_user.is_authenticated:
        services.end_session(session, token=current_user.get_id())
        session.commit()
    forget_sign_in()


def forget_sign_in() -> None:
    """Take the sign-in out of this browser's cookie (its token and its kind)."""
    logout_user()
    flask_session.pop(KIND_KEY, None)


def candidate_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_candidate() is None:
            return redirect(url_for("identity.sign_in", next=request.full_path))
        return view(*args, **kwargs)

    wrapper.required_role = "candidate"  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def setup_step(staff: Staff) -> str | None:
    """The page a staff member must finish before any other: a new password after a
    temporary one, then two-factor enrolment where the role or the desk requires it."""
    if staff.must_change_password:
        return "identity_staff.change_password"
    if not staff.two_factor_enabled:
        if "security_policy" not in g:
            g.security_policy = accounts.current_policy(get_session())
        if twofactor.required_for(staff, g.security_policy):
            return "identity_staff.two_factor"
    return None


def staff_required(role: Role = Role.AGENT, *, during_setup: bool = False) -> Callable[[F], F]:
    """Only staff whose role includes role; anonymous visitors go to the staff sign-in,
    and staff with a setup step left (setup_step) go there first, unless the page is
    part of that setup (during_setup)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(url_for("identity.staff_sign_in", next=request.full_path))
            if not Role(staff.role).includes(role):
                abort(403)
            step = None if during_setup else setup_step(staff)
            if step is not None:
                return redirect(url_for(step))
            return view(*args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _too_many(waits: list[int]) -> TooManyRequests:
    return TooManyRequests(
        str(
            _l(
                "Too many failed sign-in attempts. Wait %(minutes)d minutes and try again.",
                minutes=max(1, max(waits) // 60),
            )
        ),
        retry_after=max(waits),
        code="too_many_attempts",
    )


class SignInThrottle:
    """Failed sign-ins counted per identity tried (admission number, ID number) and per
    address, generously, since a whole school may share one address.

    Staff: failed passwords and second-factor codes (at sign-in and wherever a password
    is asked again) are counted per username, whether it exists or not, and per address.
    Success resets nothing, so a right password from one address never clears another
    address's failures."""

    def __init__(self, app: Flask) -> None:
        cfg = app.config
        staff = identity_settings.from_config(cfg)
        self.staff_user = FailureCounter(
            str(cfg["RATELIMIT_STORAGE_URI"]),
            limit=staff.failures_per_username,
            window_minutes=staff.failure_window_minutes,
            namespace="staff-signin-user",
        )
        self.staff_address = FailureCounter(
            str(cfg["RATELIMIT_STORAGE_URI"]),
            limit=staff.failures_per_ip,
            window_minutes=staff.failure_window_minutes,
            namespace="staff-signin-ip",
        )
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
            raise _too_many(waits)
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

    def _staff_keys(self, username: str) -> list[tuple[FailureCounter, str]]:
        return [
            (self.staff_user, "user:" + services.normalise_username(username)),
            (self.staff_address, "ip:" + (request.remote_addr or "unknown")),
        ]

    @contextmanager
    def counting(self, username: str) -> Iterator[None]:
        """Refuse with 429 while username or this address is over its failures; count a
        password or code that does not match (CredentialsRefused) against both."""
        keys = self._staff_keys(username)
        waits = [w for counter, key in keys if (w := counter.retry_after(key)) is not None]
        if waits:
            raise _too_many(waits)
        try:
            yield
        except CredentialsRefused:
            for counter, key in keys:
                counter.fail(key)
            raise

    def reset(self) -> None:
        self.identity.reset()
        self.address.reset()
        self.exam.reset()
        self.staff_user.reset()
        self.staff_address.reset()


def throttle() -> SignInThrottle:
    return current_app.extensions["signin_throttle"]


def _touch_staff_session() -> None:
    """Keep a staff session's last request for the idle timeout (before the view runs, so
    the commit carries nothing of the view's). When the request has a body, the
    transaction that looked the session up ends here too: left open, it would hold
    SQLite's write lock while the view waited for a slow body (the speed test's upload
    from a phone). A request with no body and nothing to note keeps it for the view: one
    COMMIT and one BEGIN fewer on every page."""
    if request.endpoint == "static" or "_user_id" not in flask_session:
        return
    row = current_auth_session()
    touched = row is not None and services.touch_session(row, now=clock.utcnow())
    if touched or _has_body():
        get_session().commit()


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def init_app(app: Flask) -> None:
    app.extensions["identity_settings"] = identity_settings.from_config(app.config)
    app.extensions["signin_throttle"] = SignInThrottle(app)
    login_manager.login_view = "identity.sign_in"
    login_manager.session_protection = None  # sessions are server-side rows already
    app.before_request(_touch_staff_session)
