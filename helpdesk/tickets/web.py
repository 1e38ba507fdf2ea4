"""Flask glue shared by the ticket views and the API: config, uploads, downloads, SMS text."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, request, send_file
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm

from helpdesk.errors import DomainError
from helpdesk.tickets import files, sla
from helpdesk.tickets.models import TicketAttachment


def policy() -> sla.SlaPolicy:
    return sla.policy_from_config(current_app.config)


def upload_dir() -> str:
    return str(current_app.config["UPLOAD_DIR"])


def incoming(name: str = "attachments") -> list[files.IncomingFile]:
    """The non-empty files of the request's multipart field name."""
    return [
        files.IncomingFile(f.filename or "", f.stream)
        for f in request.files.getlist(name)
        if f and f.filename
    ]


def form_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error next to the fields it names (or at the top of the form)."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [
                *list(field.errors or []),
                exc.message if name == "attachments" else message,
            ]


def download(attachment: TicketAttachment) -> Response:
    """The file as a download: never rendered by the browser, original name kept."""
    path = files.path_of(upload_dir(), attachment.stored_name)
    # At most 10 MB: read it whole so no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=attachment.content_type.split(";")[0],
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
        etag=False,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def sms_text(number: str) -> str:
    """The reply notice in Chinese whatever the agent's language; names only the hotline."""
    with force_locale("zh_CN"):
        return gettext(
            "Your ticket %(number)s on the exam support desk has a new reply. "
            "Sign in to the support platform to read it. Technical service "
            "hotline: %(hotline)s",
            number=number,
            hotline=current_app.config["HOTLINE"],
        )


def page_args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k != "page" and v}
