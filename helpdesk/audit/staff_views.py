"""The audit log page for admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from helpdesk import nav
from helpdesk.audit import services
from helpdesk.db import get_session
from helpdesk.identity.auth import staff_required
from helpdesk.identity.models import Role

bp = Blueprint("audit_staff", __name__)
PAGE_SIZE = 100

nav.add("audit_staff.entries", _l("Audit log"), order=90, audience="admin")


@bp.get("/admin/audit")
@staff_required(Role.ADMIN)
def entries() -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = services.recent(get_session(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "audit/entries.html", entries=rows, page=page, has_more=len(rows) == PAGE_SIZE
    )
