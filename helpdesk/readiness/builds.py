"""Published builds of the agent: copied into the published-builds folder with their
version, size and SHA-256, and listed on the candidates' download page."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import ValidationFailed
from helpdesk.readiness.models import AgentBuild

PLATFORMS = {"windows": ".exe", "zipapp": ".pyz"}
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$")


def builds_folder(upload_dir: str | Path) -> Path:
    return Path(upload_dir) / "agent-builds"


def guess_platform(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return next((p for p, ext in PLATFORMS.items() if ext == suffix), None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def publish_build(
    session: Session, *, source: Path, folder: Path, platform: str, version: str, now: datetime
) -> tuple[AgentBuild, bool]:
    """Copy a build into folder and record it; publishing the same file again is a no-op
    (returns the existing row and False)."""
    if platform not in PLATFORMS:
        raise ValidationFailed(f"platform must be one of {', '.join(PLATFORMS)}")
    if not _VERSION.match(version):
        raise ValidationFailed("version must be letters, digits and . + _ - (at most 40)")
    if not source.is_file() or source.stat().st_size == 0:
        raise ValidationFailed(f"{source} is not a non-empty file")
    sha = _sha256(source)
    stored_name = f"{platform}-{version}-{sha[:16]}{PLATFORMS[platform]}"
    existing = session.scalar(select(AgentBuild).where(AgentBuild.stored_name == stored_name))
    if existing is not None and (folder / stored_name).is_file():
        return existing, False
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{stored_name}.partial"
    shutil.copyfile(source, partial)
    os.replace(partial, folder / stored_name)  # never a half-copied file on the page
    if existing is not None:
        return existing, False
    build = AgentBuild(
        platform=platform,
        version=version,
        filename=f"helpdesk-agent-{version}{PLATFORMS[platform]}",
        stored_name=stored_name,
        size_bytes=source.stat().st_size,
        sha256=sha,
        published_at=now,
    )
    session.add(build)
    session.flush()
    return build, True


def latest_builds(session: Session) -> list[AgentBuild]:
    """The newest published build of each platform, Windows first."""
    latest = []
    for platform in PLATFORMS:
        build = session.scalar(
            select(AgentBuild)
            .where(AgentBuild.platform == platform)
            .order_by(AgentBuild.id.desc())
            .limit(1)
        )
        if build is not None:
            latest.append(build)
    return latest


def build_file(folder: Path, build: AgentBuild) -> Path | None:
    path = folder / build.stored_name
    return path if path.is_file() else None
