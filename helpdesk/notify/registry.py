"""The SMS kinds the desk sends: each one's text, its parameters and the carrier rules.

Mainland carriers deliver only pre-approved templates: a registered signature, a template
code and parameters. So a message is "kind K with parameters P", never free text. Each kind
here has the text the organizer submits for approval (its zh-CN translation is the template
body, `${name}` where this text says `%(name)s`), used for the `log` adapter, the outbox
copy staff read and providers that take plain text; the provider's template code for each
kind comes from the environment (`HELPDESK_SMS_TEMPLATE_CODES`, see notify/settings.py).

Parameters are checked against the carriers' rules before a message is queued: every
parameter is named by the template, at most `max_length` characters (35 on Aliyun and
Tencent for a non-code variable), no link unless the template declares that parameter a
link, no ID number, and no phone number but those the desk allows (the hotline and its
caller IDs). A capability that sends a new kind registers it with `register()` at import.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from babel.support import NullTranslations

from helpdesk.i18n import catalogue, locale_of
from helpdesk.i18n import lazy_gettext as _l
from helpdesk.notify.text import UnsafeSms, check_text, has_id_number

#: A carrier's limit for one variable that is not a verification code (Aliyun, Tencent).
CARRIER_PARAM_LENGTH = 35
#: A variable the approved template declares a link (链接 variable): the desk's address.
LINK_LENGTH = 60
#: The longest message a carrier accepts, signature included (both bill it as long SMS).
CARRIER_TEXT_LENGTH = 500
_LINK = re.compile(r"(?i)(?:https?://|www\.|[a-z0-9-]+\.(?:cn|com|net|org|top|xyz)\b)")


class SmsKind(enum.StrEnum):
    """The messages the desk sends today (a module may register more)."""

    UNREACHABLE = "unreachable"
    TICKET_REPLY = "ticket_reply"
    UPLOAD_FOLLOWUP = "upload_followup"


@dataclass(frozen=True)
class Param:
    """One template variable and what a carrier lets it hold."""

    name: str
    max_length: int = CARRIER_PARAM_LENGTH
    #: Only digits (a count); carriers check "数字" variables.
    digits: bool = False
    #: May hold a link: the approved template must declare it (a link in a variable is
    #: refused otherwise).
    link: bool = False


@dataclass(frozen=True)
class Template:
    kind: str
    #: English source, marked N_(); its zh-CN translation is the approved template body.
    text: str
    params: tuple[Param, ...]
    #: What staff read in the outbox.
    label: object


_REGISTRY: dict[str, Template] = {}


def register(template: Template) -> Template:
    """Add a kind (idempotent for the same template); refuse a second, different one."""
    known = _REGISTRY.get(template.kind)
    if known is not None and known != template:
        raise ValueError(f"SMS kind {template.kind!r} is registered already")
    _REGISTRY[template.kind] = template
    return template


def kinds() -> list[str]:
    """Every registered kind, in registration order."""
    return list(_REGISTRY)


def get(kind: str) -> Template:
    """The template of kind; UnsafeSms if nobody registered it."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnsafeSms(f"unknown SMS kind {kind!r}") from None


def check_params(
    kind: str, params: Mapping[str, object], *, allowed_numbers: list[str]
) -> dict[str, str]:
    """The parameters as strings, or UnsafeSms naming the carrier rule they break."""
    template = get(kind)
    expected = {p.name for p in template.params}
    if set(params) != expected:
        raise UnsafeSms(f"{kind} takes {sorted(expected)}, got {sorted(params)}")
    checked: dict[str, str] = {}
    for param in template.params:
        value = str(params[param.name]).strip()
        if not value or len(value) > param.max_length:
            raise UnsafeSms(f"{kind}.{param.name}: 1 to {param.max_length} characters")
        if param.digits and not value.isdigit():
            raise UnsafeSms(f"{kind}.{param.name}: digits only")
        if not param.link and _LINK.search(value):
            raise UnsafeSms(f"{kind}.{param.name}: no link allowed")
        if has_id_number(value):
            raise UnsafeSms(f"{kind}.{param.name}: contains an ID number")
        check_text(value, allowed_numbers=allowed_numbers)
        checked[param.name] = value
    if len(render(kind, checked)) > CARRIER_TEXT_LENGTH:
        raise UnsafeSms(f"{kind}: longer than {CARRIER_TEXT_LENGTH} characters")
    return checked


def render(kind: str, params: Mapping[str, str], *, locale: str = "zh_CN") -> str:
    """The text of kind with params, in locale (zh_CN: what the candidate receives)."""
    return _translations(locale).gettext(get(kind).text) % dict(params)


def N_(text: str) -> str:
    """Mark text for the catalogue; it is translated when rendered."""
    return text


@functools.cache
def _translations(locale: str) -> NullTranslations:
    """The desk's catalogues for locale, read directly: a message renders the same in a
    job, a request or a shell, whatever the request's language or app context (the one
    copy per process that requests translate with too)."""
    return catalogue(str(locale_of(locale)))


register(
    Template(
        SmsKind.UNREACHABLE,
        N_(
            "The exam support desk called you %(count)s times from %(numbers)s but could not "
            "reach you. Please do not call these numbers back. To get help, sign in at %(url)s "
            "and file a problem on the support platform."
        ),
        (
            Param("count", max_length=2, digits=True),
            Param("numbers"),
            Param("url", max_length=LINK_LENGTH, link=True),
        ),
        _l("Could not reach the candidate"),
    )
)
register(
    Template(
        SmsKind.TICKET_REPLY,
        N_(
            "Your ticket %(number)s on the exam support desk has a new reply. Sign in to the "
            "support platform to read it. Technical service hotline: %(hotline)s"
        ),
        (Param("number", max_length=20), Param("hotline", max_length=20)),
        _l("Reply to a ticket"),
    )
)
register(
    Template(
        SmsKind.UPLOAD_FOLLOWUP,
        N_(
            "The %(what)s of your exam have not all been uploaded. Open the client on that "
            "device and upload again (Zhikaoyun on the computer: Retry; Zhikaotong on the phone: "
            "Upload again), keeping the network stable and the device charged until it shows the "
            "upload is complete. Do not uninstall the clients or clear their data before the "
            "results are published. If retrying keeps failing, file a problem on the support "
            "platform or call the technical service hotline %(hotline)s."
        ),
        (Param("what"), Param("hotline", max_length=20)),
        _l("Upload follow-up after the exam"),
    )
)
