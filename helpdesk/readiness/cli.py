"""`flask --app wsgi agent publish FILE`: put a build of the agent on the download page."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from helpdesk import clock
from helpdesk.db import session_scope
from helpdesk.errors import DomainError

cli = AppGroup("agent", help="The downloadable diagnostic agent.")


@cli.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--version",
    "version",
    default=None,
    help="Version shown to candidates (default: this checkout's diagnostics version).",
)
@click.option(
    "--platform",
    type=click.Choice(["windows", "zipapp"]),
    default=None,
    help="Default: from the file name (.exe windows, .pyz zipapp).",
)
def publish(file: Path, version: str | None, platform: str | None) -> None:
    """Copy FILE to the published builds and show it on the download page."""
    import diagnostics
    from helpdesk.readiness import builds
    from helpdesk.readiness import settings as readiness_settings

    platform = platform or builds.guess_platform(file)
    if platform is None:
        click.echo("error: cannot tell the platform from the name; give --platform", err=True)
        sys.exit(1)
    folder = readiness_settings.current().builds_dir
    try:
        with session_scope() as session:
            build, created = builds.publish_build(
                session,
                source=file,
                folder=folder,
                platform=platform,
                version=version or diagnostics.__version__,
                now=clock.utcnow(),
            )
            line = (
                f"{'published' if created else 'already published'}: {build.filename} "
                f"({build.platform}, {build.size_bytes} bytes, sha256 {build.sha256})"
            )
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(line)
