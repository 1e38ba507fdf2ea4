"""A new worker renders pages from the templates an earlier worker compiled (issue 17: the
CPU and memory of compiling them again in every worker), and a cache folder it cannot use
never costs a page."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from helpdesk import create_app
from helpdesk.db import database
from tests.conftest import app_config

PAGES = ["/signin", "/staff/signin", "/articles"]


@pytest.fixture
def worker(app: Flask, tmp_path: Path) -> Iterator[Any]:
    """A factory of apps like the one a gunicorn worker creates, on the session's database,
    with HELPDESK_TEMPLATE_CACHE_DIR set to the folder given."""
    made: list[Flask] = []

    def make(folder: str) -> Flask:
        config = app_config(app.config["DATABASE_URL"], str(tmp_path / "uploads"))
        made.append(create_app({**config, "TEMPLATE_CACHE_DIR": folder}))
        return made[-1]

    yield make
    for each in made:
        database(each).engine.dispose()


def rendered(application: Flask) -> list[str]:
    client = application.test_client()
    answers = [client.get(path) for path in PAGES]
    assert [a.status_code for a in answers] == [200] * len(PAGES)
    return [a.get_data(as_text=True) for a in answers]


def refuse_to_compile(application: Flask) -> None:
    def compile_(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"compiled a template again: {args[1:2]}")

    application.jinja_env.compile = compile_  # type: ignore[method-assign]


def test_a_second_worker_renders_the_pages_without_compiling_a_template(worker, tmp_path):
    folder = tmp_path / "templates"
    first = rendered(worker(str(folder)))
    assert len(list(folder.glob("helpdesk-*.cache"))) >= len(PAGES)
    assert os.stat(folder).st_mode & 0o777 == 0o700

    second = worker(str(folder))
    refuse_to_compile(second)

    assert [page.count("<form") for page in rendered(second)] == [
        page.count("<form") for page in first
    ]


def test_with_the_cache_off_every_worker_compiles_its_templates(worker, tmp_path):
    application = worker("off")
    assert application.jinja_env.bytecode_cache is None
    refuse_to_compile(application)

    with pytest.raises(AssertionError, match="compiled a template again"):
        application.test_client().get("/signin")


def test_a_folder_that_cannot_be_written_costs_a_warning_not_a_page(worker, tmp_path, caplog):
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    if os.access(folder, os.W_OK):  # root writes anywhere: make the folder a file instead
        folder.rmdir()
        folder.write_text("not a folder")
    caplog.set_level(logging.WARNING, logger="helpdesk.template_cache")

    rendered(worker(str(folder)))
    rendered(worker(str(folder)))

    assert "compiled templates" in caplog.text
    assert caplog.text.count("compiled templates") <= 2  # once per worker, not per template


def test_apps_that_compile_differently_never_share_a_compiled_template(worker, tmp_path):
    folder = tmp_path / "templates"
    rendered(worker(str(folder)))
    kept = len(list(folder.glob("helpdesk-*.cache")))

    other = worker(str(folder))
    other.jinja_env.trim_blocks = not other.jinja_env.trim_blocks
    other.test_client().get("/signin")

    assert len(list(folder.glob("helpdesk-*.cache"))) > kept
