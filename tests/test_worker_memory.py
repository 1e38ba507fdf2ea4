"""A web worker does not load what only a rare request needs (issue 17: RSS per worker).

The modules below are imported by the code that uses them, on first use; a worker that
starts, signs staff in with a password and serves ordinary pages and API calls must not
carry them. The worker is a fresh Python process (this test run has imported everything).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpdesk import clock
from helpdesk.db import Database
from helpdesk.identity.models import Role
from helpdesk.identity.services import create_staff

ROOT = Path(__file__).resolve().parent.parent
#: What each lazy import saves in a worker, roughly (bench.worker_memory).
LAZY = {
    "cryptography": "two-factor seeds: about 9 MiB",
    "markdown": "saving a help article",
    "nh3": "saving a help article",
    "twilio": "Twilio's webhooks and adapters",
    "alibabacloud_tea_openapi": "the Aliyun adapters",
    "zxcvbn": "choosing a password",
    "xml.etree.ElementTree": "reading an XLSX roster",
    "alembic": "migrations",
    "apscheduler": "the scheduler process",
    "openpyxl": "reading an XLSX roster",
}
WORKER = """
import json, sys
from helpdesk import create_app
from tests.conftest import app_config

app = create_app(app_config(sys.argv[1], sys.argv[2]))
staff, candidate = app.test_client(), app.test_client()
answers = [
    staff.post("/staff/signin", data={"username": "lazy", "password": "correct horse battery"}),
    staff.get("/staff/tickets"),
    candidate.get("/signin"),
    candidate.get("/articles"),
    candidate.post("/api/v1/help-requests", json={"exam_session": "X", "category": "login"}),
    candidate.get("/livez"),
]
import babel.core
print(json.dumps({
    "statuses": [a.status_code for a in answers],
    "modules": sorted(sys.modules),
    "babel_global_data": babel.core._global_data is not None,
}))
"""


def test_a_web_worker_serving_ordinary_requests_loads_no_rarely_used_module(
    fresh_database, tmp_path
):
    url = fresh_database("lazy")
    db = Database(url, pool_size=1)
    with db.sessionmaker() as session:
        create_staff(
            session, username="lazy", password="correct horse battery", role=Role.AGENT,
            now=clock.utcnow(),
        )  # fmt: skip
        session.commit()
    db.engine.dispose()

    result = subprocess.run(
        [sys.executable, "-c", WORKER, url, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [302, 200, 200, 200, 401, 200]
    loaded = {m for m in report["modules"] if m in LAZY or m.split(".")[0] in LAZY}
    assert not loaded, {m: LAZY.get(m, LAZY.get(m.split(".")[0])) for m in loaded}
    # Babel's table of every locale's aliases and likely subtags (about 2 MiB): the desk's two
    # languages are built from their parts (helpdesk.i18n.locale_of), never resolved through it.
    assert report["babel_global_data"] is False
