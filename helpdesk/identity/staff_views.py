"""Staff pages of identity: one's own account (password, two-factor sign-in, sessions) and
the admins' staff administration. Every change is in the audit log (accounts.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from helpdesk import clock, nav
from helpdesk.audit import labels as audit_labels
from helpdesk.audit import services as audit
from helpdesk.db import get_session
from helpdesk.errors import DomainError, TooManyRequests
from helpdesk.forms import PlainForm, form_errors
from helpdesk.i18n import gettext as _
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.identity import accounts, forms, services, twofactor
from helpdesk.identity.auth import (
    current_auth_session,
    current_staff,
    forget_sign_in,
    settings,
    staff_required,
    throttle,
)
from helpdesk.identity.labels import ROLE_LABELS
from helpdesk.identity.models import Role, Staff

bp = Blueprint("identity_staff", __name__)

nav.add("identity_staff.staff_list", _l("Staff accounts"), order=88, audience="admin")
nav.add("identity_staff.account", _l("My account"), order=99, audience="agent")

Page = Callable[[int], ResponseReturnValue]


def _me() -> Staff:
    staff = current_staff()
    assert staff is not None  # staff_required
    return staff


def _refused(form: Any, exc: DomainError, page: Page) -> ResponseReturnValue:
    """The page again with the error beside its field (429 says when to try again)."""
    form_errors(form, exc)
    response = make_response(page(exc.status))
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


# ------------------------------------------------------------------------ own account


def _account_page(status: int = 200, **given: Any) -> ResponseReturnValue:
    session, me, now = get_session(), _me(), clock.utcnow()
    return render_template(
        "identity/account.html",
        me=me,
        role_labels=ROLE_LABELS,
        sessions=services.staff_sessions(
            session, staff_id=me.id, now=now, idle=settings().session_idle
        ),
        current=current_auth_session(),
        settings=settings(),
        required=twofactor.required_for(me, accounts.current_policy(session)),
        codes_left=twofactor.recovery_codes_left(session, me),
        everywhere_form=given.get("everywhere_form") or forms.PasswordCheckForm(),
    ), status


@bp.get("/staff/account")
@staff_required(Role.AGENT)
def account() -> ResponseReturnValue:
    return _account_page()


def _guarded(form: Any, page: Page, act: Callable[[Staff], ResponseReturnValue]) -> Any:
    """With the form valid and the throttle counting wrong passwords and codes, act for
    the signed-in staff member and commit; else the page again with the error."""
    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    me = _me()
    try:
        with throttle().counting(me.username):
            response = act(me)
    except DomainError as exc:
        return _refused(form, exc, page)
    get_session().commit()
    return response


@bp.post("/staff/account/signout-everywhere")
@staff_required(Role.AGENT, during_setup=True)
def sign_out_everywhere() -> ResponseReturnValue:
    form = forms.PasswordCheckForm()

    def act(me: Staff) -> ResponseReturnValue:
        ended = accounts.sign_out_everywhere(
            get_session(), staff=me, password=form.password.data or "", now=clock.utcnow()
        )
        forget_sign_in()
        flash(_("Signed out everywhere: %(n)d sessions ended.", n=ended), "success")
        return redirect(url_for("identity.staff_sign_in"))

    return _guarded(form, lambda status: _account_page(status, everywhere_form=form), act)


@bp.route("/staff/account/password", methods=["GET", "POST"])
@staff_required(Role.AGENT, during_setup=True)
def change_password() -> ResponseReturnValue:
    form = forms.ChangePasswordForm()

    def page(status: int) -> ResponseReturnValue:
        template = "identity/password.html"
        return render_template(template, form=form, me=_me(), settings=settings()), status

    def act(me: Staff) -> ResponseReturnValue:
        accounts.change_password(
            get_session(),
            staff=me,
            current=form.current_password.data or "",
            new=form.new_password.data or "",
            confirm=form.confirm_password.data or "",
            now=clock.utcnow(),
            settings=settings(),
            keep_session=current_auth_session(),
        )
        flash(_("Your password is changed; your other sessions have ended."), "success")
        return redirect(url_for("identity_staff.account"))

    return _guarded(form, page, act)


def _two_factor_page(status: int = 200, **given: Any) -> ResponseReturnValue:
    session, me, key = get_session(), _me(), settings().totp_key
    context: dict[str, Any] = {}
    if not me.two_factor_enabled:
        secret = twofactor.pending_secret(session, me, key=key)
        session.commit()
        uri = twofactor.provisioning_uri(
            secret, username=me.username, issuer=settings().totp_issuer
        )
        svg = twofactor.qr_svg(uri, title=_("QR code for your authenticator app"))
        context = {"qr": Markup(svg), "secret": twofactor.grouped(secret)}  # noqa: S704 - segno's SVG of our own URI
    return render_template(
        "identity/two_factor.html",
        me=me,
        required=twofactor.required_for(me, accounts.current_policy(session)),
        codes_left=twofactor.recovery_codes_left(session, me),
        enrol_form=given.get("enrol_form") or forms.EnrolForm(),
        codes_form=given.get("codes_form") or forms.PasswordCheckForm(),
        off_form=given.get("off_form") or forms.SwitchOffForm(),
        **context,
    ), status


@bp.route("/staff/account/two-factor", methods=["GET", "POST"])
@staff_required(Role.AGENT, during_setup=True)
def two_factor() -> ResponseReturnValue:
    if _me().must_change_password:
        return redirect(url_for("identity_staff.change_password"))
    form = forms.EnrolForm()
    if _me().two_factor_enabled:
        return _two_factor_page()

    def act(me: Staff) -> ResponseReturnValue:
        codes = accounts.enrol_two_factor(
            get_session(),
            staff=me,
            password=form.password.data or "",
            code=form.code.data or "",
            now=clock.utcnow(),
            settings=settings(),
            keep_session=current_auth_session(),
        )
        return render_template("identity/recovery_codes.html", codes=codes, enrolled=True)

    return _guarded(form, lambda status: _two_factor_page(status, enrol_form=form), act)


@bp.post("/staff/account/two-factor/recovery-codes")
@staff_required(Role.AGENT)
def new_recovery_codes() -> ResponseReturnValue:
    form = forms.PasswordCheckForm()

    def act(me: Staff) -> ResponseReturnValue:
        codes = accounts.replace_recovery_codes(
            get_session(), staff=me, password=form.password.data or "", now=clock.utcnow()
        )
        return render_template("identity/recovery_codes.html", codes=codes, enrolled=False)

    return _guarded(form, lambda status: _two_factor_page(status, codes_form=form), act)


@bp.post("/staff/account/two-factor/off")
@staff_required(Role.AGENT)
def switch_off_two_factor() -> ResponseReturnValue:
    form = forms.SwitchOffForm()

    def act(me: Staff) -> ResponseReturnValue:
        accounts.switch_off_two_factor(
            get_session(),
            staff=me,
            password=form.password.data or "",
            code=form.code.data or "",
            now=clock.utcnow(),
            settings=settings(),
            keep_session=current_auth_session(),
        )
        flash(_("Two-factor sign-in is off."), "success")
        return redirect(url_for("identity_staff.account"))

    return _guarded(form, lambda status: _two_factor_page(status, off_form=form), act)


# ---------------------------------------------------------------------- administration


def _list_page(status: int = 200, **given: Any) -> ResponseReturnValue:
    session = get_session()
    policy = accounts.current_policy(session)
    return render_template(
        "identity/staff_list.html",
        rows=accounts.overview(session, now=clock.utcnow(), idle=settings().session_idle),
        role_labels=ROLE_LABELS,
        new_form=given.get("new_form") or forms.NewStaffForm(),
        policy_form=given.get("policy_form")
        or forms.PolicyForm(two_factor_for_everyone=policy.two_factor_for_everyone),
    ), status


@bp.get("/admin/staff")
@staff_required(Role.ADMIN)
def staff_list() -> ResponseReturnValue:
    return _list_page()


@bp.post("/admin/staff/new")
@staff_required(Role.ADMIN)
def create_staff() -> ResponseReturnValue:
    form = forms.NewStaffForm()
    if not form.validate_on_submit():
        return _list_page(422, new_form=form)
    session = get_session()
    try:
        staff, temporary = accounts.create_account(
            session,
            actor=_me(),
            username=form.username.data or "",
            display_name=form.display_name.data or "",
            role=Role(form.role.data),
            now=clock.utcnow(),
            settings=settings(),
        )
    except DomainError as exc:
        return _refused(form, exc, lambda status: _list_page(status, new_form=form))
    session.commit()
    return _handed_out(staff, temporary, created=True)


def _handed_out(staff: Staff, temporary: str, *, created: bool) -> ResponseReturnValue:
    return render_template(
        "identity/temporary_password.html",
        staff=staff,
        temporary=temporary,
        created=created,
        hours=settings().temporary_password_hours,
    ), (201 if created else 200)


@bp.post("/admin/staff/policy")
@staff_required(Role.ADMIN)
def policy() -> ResponseReturnValue:
    form = forms.PolicyForm()
    if not form.validate_on_submit():
        return _list_page(422, policy_form=form)
    session = get_session()
    accounts.set_policy(
        session,
        actor=_me(),
        two_factor_for_everyone=bool(form.two_factor_for_everyone.data),
        now=clock.utcnow(),
    )
    session.commit()
    flash(_("Sign-in rules saved."), "success")
    return redirect(url_for("identity_staff.staff_list"))


def _detail_page(staff: Staff, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "identity/staff_detail.html",
        staff=staff,
        role_labels=ROLE_LABELS,
        audit_labels=audit_labels,
        error=error,
        sessions=services.staff_sessions(
            session, staff_id=staff.id, now=clock.utcnow(), idle=settings().session_idle
        ),
        required=twofactor.required_for(staff, accounts.current_policy(session)),
        codes_left=twofactor.recovery_codes_left(session, staff),
        history=audit.search(session, audit.Filters(target=("staff", str(staff.id))), limit=20),
        role_form=forms.RoleForm(role=str(staff.role)),
        active_form=forms.ActiveForm(active="no" if staff.active else "yes"),
        button=PlainForm(),
    ), status


@bp.get("/admin/staff/<int:staff_id>")
@staff_required(Role.ADMIN)
def staff_detail(staff_id: int) -> ResponseReturnValue:
    return _detail_page(accounts.find_staff(get_session(), staff_id))


def _admin_action(staff_id: int, form: Any, act: Callable[[Staff], Any]) -> ResponseReturnValue:
    """Validate form, act on the staff account and commit; act returns the page to show,
    or a sentence to flash on the account's page."""
    session = get_session()
    staff = accounts.find_staff(session, staff_id)
    if not form.validate_on_submit():
        return _detail_page(staff, 422, _("Reload the page and try again."))
    try:
        done = act(staff)
    except DomainError as exc:
        session.rollback()
        return _detail_page(staff, exc.status, exc.message)
    session.commit()
    if not isinstance(done, str):
        return done
    flash(done, "success")
    return redirect(url_for("identity_staff.staff_detail", staff_id=staff_id))


@bp.post("/admin/staff/<int:staff_id>/role")
@staff_required(Role.ADMIN)
def change_role(staff_id: int) -> ResponseReturnValue:
    form = forms.RoleForm()

    def act(staff: Staff) -> str:
        role = Role(form.role.data)
        accounts.change_role(get_session(), actor=_me(), staff=staff, role=role, now=clock.utcnow())
        return _("%(name)s is now: %(role)s.", name=staff.display_name, role=ROLE_LABELS[role])

    return _admin_action(staff_id, form, act)


@bp.post("/admin/staff/<int:staff_id>/active")
@staff_required(Role.ADMIN)
def set_active(staff_id: int) -> ResponseReturnValue:
    form = forms.ActiveForm()

    def act(staff: Staff) -> str:
        active = form.active.data == "yes"
        accounts.set_active(
            get_session(), actor=_me(), staff=staff, active=active, now=clock.utcnow()
        )
        if active:
            return _("%(name)s can sign in again.", name=staff.display_name)
        return _("%(name)s is disabled; their sessions have ended.", name=staff.display_name)

    return _admin_action(staff_id, form, act)


@bp.post("/admin/staff/<int:staff_id>/password")
@staff_required(Role.ADMIN)
def reset_password(staff_id: int) -> ResponseReturnValue:
    def act(staff: Staff) -> ResponseReturnValue:
        temporary = accounts.reset_password(
            get_session(), actor=_me(), staff=staff, now=clock.utcnow(), settings=settings()
        )
        return _handed_out(staff, temporary, created=False)

    return _admin_action(staff_id, PlainForm(), act)


@bp.post("/admin/staff/<int:staff_id>/two-factor")
@staff_required(Role.ADMIN)
def reset_two_factor(staff_id: int) -> ResponseReturnValue:
    def act(staff: Staff) -> str:
        accounts.reset_two_factor(get_session(), actor=_me(), staff=staff, now=clock.utcnow())
        return _("Two-factor sign-in of %(name)s is reset.", name=staff.display_name)

    return _admin_action(staff_id, PlainForm(), act)


@bp.post("/admin/staff/<int:staff_id>/sessions")
@staff_required(Role.ADMIN)
def end_sessions(staff_id: int) -> ResponseReturnValue:
    def act(staff: Staff) -> str:
        ended = accounts.end_sessions(get_session(), actor=_me(), staff=staff, now=clock.utcnow())
        return _("%(n)d sessions of %(name)s ended.", n=ended, name=staff.display_name)

    return _admin_action(staff_id, PlainForm(), act)
