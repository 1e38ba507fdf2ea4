"""Time the diagnostic agent against a real desk over loopback and print the figures.

    .venv/bin/python -m bench.readiness_agent [--runs 3] [--bandwidth-seconds 8]

Serves the desk under gunicorn on a throwaway SQLite database, enrols one fictitious
candidate, then runs `python -m diagnostics` as a subprocess: without the speed test, and
with it. Also builds the zipapp and prints its size. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import database, desk, seed
from bench.harness.processes import PYTHON, ROOT
from bench.harness.stats import summarise

ID_HASH_KEY = "bench-readiness-key"


def add_candidate(url: str) -> str:
    """Migrate and store one candidate; returns the (fictitious) ID number to sign in with."""
    from helpdesk.demo import fake_id_number
    from helpdesk.identity import idnumber
    from helpdesk.identity.models import Candidate

    number = fake_id_number(random.Random())
    with seed.seeding(url) as session:
        session.add(
            Candidate(
                name="张三",
                id_number_hash=idnumber.keyed_hash(number, ID_HASH_KEY),
                id_number_masked=idnumber.mask(number),
                admission_number="ZK1",
                phone="+8613800138000",
                created_at=datetime.now(UTC),
            )
        )
    return number


def run_agent(base: list[str], extra: list[str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run(
        base + extra, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    if not done.stdout.strip():  # exit 0-2 is a verdict, 3 could not upload: both print JSON
        raise SystemExit(f"the agent failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started, json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bandwidth-seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-agent-") as folder,
        database.throwaway("sqlite", label="agent") as url,
    ):
        work = Path(folder)
        number = add_candidate(url)
        env = desk.desk_environment(
            url,
            id_hash_key=ID_HASH_KEY,
            settings={
                "HELPDESK_UPLOAD_DIR": str(work / "uploads"),
                "HELPDESK_SPEEDTEST_RATE_LIMIT": "1000000 per minute",  # loopback moves GBs
            },
        )
        with desk.serving(env, workers=2, threads=4) as server:
            base = [
                PYTHON,
                "-m",
                "diagnostics",
                "--server",
                server.url,
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
            for label, extra in (
                ("without bandwidth", ["--no-bandwidth"]),
                (
                    f"with bandwidth ({args.bandwidth_seconds:g} s)",
                    ["--bandwidth-seconds", str(args.bandwidth_seconds)],
                ),
            ):
                results = [run_agent(base, extra) for _ in range(args.runs)]
                seconds = summarise([r[0] for r in results])
                last = results[-1][1]
                print(
                    f"agent run {label}: median {seconds.p50:.2f} s, max {seconds.max:.2f} s "
                    f"over {args.runs} runs; report {last.get('report_code')} {last['verdict']}"
                )
                bandwidth = last["facts"].get("bandwidth", {})
                if "download_mbps_p10" in bandwidth:
                    print(
                        f"  loopback p10 download {bandwidth['download_mbps_p10']:.0f} Mbps, "
                        f"upload {bandwidth['upload_mbps_p10']:.0f} Mbps"
                    )
        built = subprocess.run(
            [PYTHON, str(ROOT / "diagnostics" / "build.py"), str(work / "dist")],
            capture_output=True,
            text=True,
            check=True,
        )
        size = Path(built.stdout.strip()).stat().st_size
        print(f"zipapp size: {size} bytes ({size / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
