"""Known sharp edges: psycopg prepares no statements behind a transaction-mode pooler
(PgBouncer), an XLSX roster with XML entity declarations is refused with a message, and the
server needs no psutil (only the agent's requirements name it)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text

import config
from helpdesk.db import make_engine, postgres_connect_args
from tests.exams.test_roster import HEADER, upload

ROOT = Path(__file__).resolve().parent.parent
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def test_a_transaction_pooler_turns_prepared_statements_off():
    assert postgres_connect_args("transaction")["prepare_threshold"] is None
    assert "prepare_threshold" not in postgres_connect_args("")
    assert "prepare_threshold" not in postgres_connect_args("session")


def test_an_unknown_pooler_mode_stops_the_start():
    assert config.from_env({"HELPDESK_DATABASE_POOLER": "Transaction"})["DATABASE_POOLER"] == (
        "transaction"
    )
    with pytest.raises(config.ConfigError, match="HELPDESK_DATABASE_POOLER"):
        config.from_env({"HELPDESK_DATABASE_POOLER": "statement"})


def _prepared_after_repeats(engine) -> int:
    with engine.connect() as connection:
        for _ in range(8):
            connection.execute(text("SELECT count(*) FROM exam_sessions WHERE id > :n"), {"n": 0})
        return int(connection.scalar(text("SELECT count(*) FROM pg_prepared_statements")))


@pytest.mark.skipif(
    not os.environ.get("HELPDESK_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL only",
)
def test_behind_a_transaction_pooler_psycopg_prepares_nothing_on_postgresql(app):
    url = str(app.config["DATABASE_URL"])
    direct = make_engine(url, pool_size=1)
    pooled = make_engine(url, pool_size=1, pooler="transaction")
    try:
        assert _prepared_after_repeats(direct) > 0
        assert _prepared_after_repeats(pooled) == 0
    finally:
        direct.dispose()
        pooled.dispose()


def _workbook_with(part: str, replace) -> bytes:
    book = Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append(["FORMAL", "甲", "x", "ZK0001", "13800138001"])
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                data = replace(data.decode("utf-8")).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


def _bomb_in_sheet(xml: str) -> str:
    xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
    return BOMB + xml.replace("<t>name</t>", "<t>&lol3;</t>", 1)


def _broken_rows(xml: str) -> str:
    return xml.replace('<row r="2">', '<row r="2"><<', 1)


def _bomb_in_workbook(xml: str) -> str:
    return BOMB + re.sub(r"^<\?xml[^>]*\?>", "", xml)


@pytest.mark.parametrize(
    ("part", "replace"),
    [
        ("xl/worksheets/sheet1.xml", _bomb_in_sheet),
        ("xl/workbook.xml", _bomb_in_workbook),
        ("xl/worksheets/sheet1.xml", _broken_rows),
    ],
    ids=["entities in a sheet", "entities in the workbook", "a sheet broken after its header"],
)
def test_an_xlsx_roster_with_entity_declarations_or_broken_rows_is_refused_with_a_message(
    client, make_staff, sign_in_staff, part, replace
):
    sign_in_staff(make_staff("admin"))

    response = upload(client, _workbook_with(part, replace), filename="名单.xlsx")

    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "lollol" not in response.text


def test_the_server_requirements_leave_psutil_to_the_agent():
    server = (ROOT / "requirements.txt").read_text()
    agent = (ROOT / "diagnostics/requirements.txt").read_text()

    assert "psutil" not in server
    assert "defusedxml==" in server
    assert re.search(r"^psutil==", agent, re.MULTILINE)


def test_the_desk_starts_and_imports_every_module_without_psutil():
    script = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['psutil'] = None\n"  # import psutil now fails, as on a server without it
        "import helpdesk\n"
        "from helpdesk import create_app\n"
        "create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x', 'ID_HASH_KEY': 'y'})\n"
        "for m in pkgutil.walk_packages(helpdesk.__path__, 'helpdesk.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('ok')\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
