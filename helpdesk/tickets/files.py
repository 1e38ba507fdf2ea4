"""Attachments: checked by content (magic bytes), stored under server-generated names.

The caller passes the upload directory in (the app's UPLOAD_DIR); nothing here reads
Flask's config. A file is refused when its content is not an image, PDF, ZIP or plain
text, whatever its name says, so a renamed executable never lands on disk.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from helpdesk.errors import DomainError, ValidationFailed
from helpdesk.i18n import lazy_gettext as _l

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
SUBDIR = "tickets"

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
]
_EXECUTABLES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
    b"\x00asm",
    b"dex\n",
)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')


@dataclass(frozen=True)
class StoredFile:
    """A file written to the upload directory, ready to attach to a ticket."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class IncomingFile:
    """A file a candidate sent: its claimed name and a readable stream."""

    filename: str
    stream: IO[bytes]


def sniff(head: bytes, data: bytes) -> str | None:
    """The content type the bytes really are, or None when not allowed."""
    if any(head.startswith(magic) for magic in _EXECUTABLES):
        return None
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return _text_type(data)


def _text_type(data: bytes) -> str | None:
    if not data or b"\x00" in data:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
        if controls == 0:
            return f"text/plain; charset={encoding}"
    return None


def clean_name(raw: str) -> str:
    """The original file name, safe to show and to put in a header: no path, no controls."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:120]
    return name or "file"


def store(upload_dir: str | os.PathLike[str], incoming: IncomingFile) -> StoredFile:
    """Check and write one file; raise ValidationFailed (413 when too large)."""
    name = clean_name(incoming.filename)
    data = incoming.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(
            str(
                _l(
                    "%(name)s is larger than 10 MB. Send a smaller file, for "
                    "example a cropped screenshot.",
                    name=name,
                )
            ),
            code="file_too_large",
            status=413,
            fields={"attachments": name},
        )
    if not data:
        raise ValidationFailed(
            str(_l("%(name)s is empty.", name=name)),
            code="file_empty",
            fields={"attachments": name},
        )
    content_type = sniff(data[:16], data)
    if content_type is None:
        raise ValidationFailed(
            str(
                _l(
                    "%(name)s cannot be attached: only images (PNG, JPEG, GIF, WebP), PDF, ZIP and "
                    "plain text files are accepted.",
                    name=name,
                )
            ),
            code="file_type_refused",
            fields={"attachments": name},
        )
    stored_name = f"{SUBDIR}/{secrets.token_hex(16)}"
    path = Path(upload_dir) / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return StoredFile(stored_name, name, content_type, len(data), hashlib.sha256(data).hexdigest())


def store_all(
    upload_dir: str | os.PathLike[str], files: Iterable[IncomingFile], *, already: int = 0
) -> list[StoredFile]:
    """Store every file or none: one refused file removes the ones written before it."""
    files = list(files)
    if len(files) + already > MAX_FILES:
        raise ValidationFailed(
            str(_l("Attach at most %(n)d files.", n=MAX_FILES)),
            code="too_many_files",
            fields={"attachments": str(MAX_FILES)},
        )
    stored: list[StoredFile] = []
    try:
        for incoming in files:
            stored.append(store(upload_dir, incoming))
    except DomainError:
        remove(upload_dir, stored)
        raise
    return stored


def remove(upload_dir: str | os.PathLike[str], files: Iterable[StoredFile]) -> None:
    """Delete stored files (after a refusal or a rolled-back transaction)."""
    for stored in files:
        (Path(upload_dir) / stored.stored_name).unlink(missing_ok=True)


def path_of(upload_dir: str | os.PathLike[str], stored_name: str) -> Path:
    """Where a stored file lives; stored names are ours, but never trust a path blindly."""
    base = Path(upload_dir).resolve()
    path = (base / stored_name).resolve()
    if base not in path.parents:
        raise ValueError("stored name escapes the upload directory")
    return path
