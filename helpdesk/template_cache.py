"""Compiled templates kept on disk, so that a worker does not compile them again.

Jinja turns each template into Python source and compiles it the first time a worker renders
it: about 0.6 s of CPU for the desk's templates in every new worker (and gunicorn replaces
each worker after HELPDESK_MAX_REQUESTS requests, in the middle of an exam if need be), and
about 2 MiB of memory the compiler leaves behind. With a bytecode cache the first worker to
render a template writes its code to HELPDESK_TEMPLATE_CACHE_DIR and every later worker of
that app server loads it. A template whose source changed is compiled again (the cache
stores a checksum of the source), so a deployment needs no step to clear it.

The folder is each app server's own (nothing another server must see). When it is not set
the desk uses Jinja's private folder in the system's temporary directory, made for this user
only; "off" compiles in memory as Jinja does by default. A folder that cannot be written
costs the speed, never a page: the template is compiled in memory and a warning is logged.
"""

from __future__ import annotations

import hashlib
import logging
import os

from flask import Flask
from jinja2 import Environment
from jinja2.bccache import Bucket, FileSystemBytecodeCache

log = logging.getLogger(__name__)

OFF = "off"


def compiling_options(environment: Environment) -> str:
    """What, beside a template's source, decides the code Jinja compiles it to: two apps
    whose environments differ here (an extension, autoescaping, delimiters) never share a
    compiled template, even in one folder."""
    options = (
        sorted(environment.extensions),
        getattr(environment.autoescape, "__qualname__", environment.autoescape),
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        environment.line_statement_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
    )
    return hashlib.sha1(repr(options).encode(), usedforsecurity=False).hexdigest()[:12]


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file cache that never fails a render: a write it cannot make is skipped.
    A template's entry is keyed by its name, its file and the environment's compiling
    options; Jinja adds its own version and Python's, and compares the source's checksum."""

    def __init__(self, directory: str | None) -> None:
        super().__init__(directory, pattern="helpdesk-%s.cache")
        self._warned = False

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        keyed = f"{filename}|{compiling_options(environment)}"
        return super().get_bucket(environment, name, keyed, source)

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("compiled templates cannot be kept in %s: %s", self.directory, exc)


def template_cache(folder: str) -> TemplateCache | None:
    """The cache for folder ("" for Jinja's private temporary folder, "off" for none), or
    None when the folder cannot be made (the reason is logged)."""
    if folder.strip().lower() == OFF:
        return None
    try:
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            return TemplateCache(folder)
        return TemplateCache(None)
    except (OSError, RuntimeError) as exc:
        log.warning("compiled templates are not kept on disk (%s): %s", folder or "tmp", exc)
        return None


def init_app(app: Flask) -> None:
    app.jinja_env.bytecode_cache = template_cache(str(app.config.get("TEMPLATE_CACHE_DIR", "")))
