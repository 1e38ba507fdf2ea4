#!/usr/bin/env python3
"""Time the diagnostic agent against a real desk over loopback and print the figures.

    .venv/bin/python bench/readiness_agent.py [--runs 3] [--bandwidth-seconds 8]

Serves the desk (a fresh SQLite database in a temporary folder) on 127.0.0.1 in a thread,
enrols one fictitious candidate, then runs `python -m diagnostics` as a subprocess: without
the speed test, and with it. Also builds the zipapp and prints its size. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from helpdesk import clock, create_app  # noqa: E402
from helpdesk.cli import upgrade  # noqa: E402
from helpdesk.db import session_scope  # noqa: E402
from helpdesk.demo import fake_id_number  # noqa: E402
from helpdesk.identity import idnumber  # noqa: E402
from helpdesk.identity.models import Candidate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bandwidth-seconds", type=float, default=8.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-agent-"))
    url = f"sqlite:///{work}/desk.db"
    upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "ID_HASH_KEY": "bench",
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_DIR": str(work),
            "SPEEDTEST_RATE_LIMIT": "1000000 per minute",
        }
    )  # loopback moves GBs
    number = fake_id_number(random.Random())
    with session_scope(app) as session:
        session.add(
            Candidate(
                name="张三",
                id_number_hash=idnumber.keyed_hash(number, "bench"),
                id_number_masked=idnumber.mask(number),
                admission_number="ZK1",
                phone="+8613800138000",
                created_at=clock.utcnow(),
            )
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    desk = f"http://127.0.0.1:{server.server_port}"
    base = [
        sys.executable,
        "-m",
        "diagnostics",
        "--server",
        desk,
        "--name",
        "张三",
        "--id-number",
        number,
        "--admission-number",
        "ZK1",
        "--json",
        "--save-dir",
        str(work),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def timed(extra: list[str]) -> tuple[float, dict]:
        started = time.perf_counter()
        done = subprocess.run(
            base + extra, capture_output=True, text=True, env=env, cwd=str(work), timeout=120
        )
        return time.perf_counter() - started, json.loads(done.stdout)

    for label, extra in (
        ("without bandwidth", ["--no-bandwidth"]),
        (
            f"with bandwidth ({args.bandwidth_seconds:g} s)",
            ["--bandwidth-seconds", str(args.bandwidth_seconds)],
        ),
    ):
        results = [timed(extra) for _ in range(args.runs)]
        seconds = [r[0] for r in results]
        print(
            f"agent run {label}: median {statistics.median(seconds):.2f} s, "
            f"max {max(seconds):.2f} s over {args.runs} runs; "
            f"report {results[-1][1].get('report_code')} {results[-1][1]['verdict']}"
        )
        bandwidth = results[-1][1]["facts"].get("bandwidth", {})
        if "download_mbps_p10" in bandwidth:
            print(
                f"  loopback p10 download {bandwidth['download_mbps_p10']:.0f} Mbps, "
                f"upload {bandwidth['upload_mbps_p10']:.0f} Mbps"
            )
    built = subprocess.run(
        [sys.executable, str(ROOT / "diagnostics" / "build.py"), str(work / "dist")],
        capture_output=True,
        text=True,
        check=True,
    )
    size = Path(built.stdout.strip()).stat().st_size
    print(f"zipapp size: {size} bytes ({size / 1024:.1f} KiB)")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
