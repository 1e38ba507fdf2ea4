"""Demo data for `make run`: the notice's exam sessions shifted to today, a roster of
fictitious candidates, one staff account per role, and each capability's own demo rows.

The candidates' ID numbers are generated (valid check digits, fictitious people) and
written to instance/demo-candidates.csv so a newcomer can sign in as one of them; they are
never committed anywhere.
"""

from __future__ import annotations

import csv
import importlib
import random
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.exams import roster
from helpdesk.exams import services as exams
from helpdesk.identity import idnumber
from helpdesk.identity import services as identity
from helpdesk.identity.models import Role, Staff
from helpdesk.readiness import builds
from helpdesk.readiness import settings as readiness_settings

NOTICE_MOCK_DAY = date(2023, 1, 4)
STAFF = [
    ("agent", Role.AGENT, "agent-demo-pass", "技术员 小李"),
    ("supervisor", Role.SUPERVISOR, "supervisor-demo-pass", "值班主管 王老师"),
    ("admin", Role.ADMIN, "admin-demo-pass", "管理员"),
]
#: "module:function" seeders of other capabilities, each called with (session, now).
SEEDERS: list[str] = [
    "helpdesk.uploads.guidance:seed_guidance",
    "helpdesk.knowledge.content:seed",
    "helpdesk.tickets.demo:seed",
    "helpdesk.callbacks.demo:seed",
    "helpdesk.readiness.demo:seed",
]

#: Where `make agent-windows` leaves the exe; the demo offers it when it was built.
WINDOWS_EXE = Path(__file__).resolve().parent.parent / "dist" / "helpdesk-agent.exe"

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩然子轩欣怡梓涵雨"
_REGIONS = ("510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114")


def notice_sessions(mock_day: date, zone: ZoneInfo) -> list[dict[str, str]]:
    """The notice's timetable with its first mock day moved to mock_day."""

    def at(day_offset: int, hh: int, mm: int = 0) -> str:
        moment = datetime.combine(mock_day + timedelta(days=day_offset), time(hh, mm), zone)
        return moment.isoformat()

    window = {"download_opens": at(0, 10), "download_closes": at(1, 23)}
    return [
        {
            "code": "MOCK-D1",
            "name": "在线模拟面试（第一天）",
            "kind": "mock",
            **window,
            "login_opens": at(0, 10),
            "starts": at(0, 10),
            "login_closes": at(1, 0),
            "ends": at(1, 0),
        },
        {
            "code": "MOCK-D2",
            "name": "在线模拟面试（第二天）",
            "kind": "mock",
            **window,
            "login_opens": at(1, 10),
            "starts": at(1, 10),
            "login_closes": at(2, 0),
            "ends": at(2, 0),
        },
        {
            "code": "FORMAL",
            "name": "在线正式面试",
            "kind": "formal",
            **window,
            "login_opens": at(6, 10, 10),
            "starts": at(6, 11),
            "login_closes": at(6, 11),
            "ends": at(6, 11, 10),
        },
    ]


def fake_id_number(rng: random.Random) -> str:
    """A fictitious ID number with a valid birth date and check digit."""
    born = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 3650))
    first17 = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + idnumber.check_digit(first17)


def fake_roster(count: int, codes: list[str], seed: int = 2023) -> list[roster.RosterRow]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    rows, line = [], 2
    for n in range(1, count + 1):
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        name = rng.choice(_SURNAMES) + given
        id_number = fake_id_number(rng)
        phone = f"1{rng.choice('3578')}{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"
        for code in codes:
            rows.append(roster.RosterRow(line, code, name, id_number, f"ZK2023{n:04d}", phone))
            line += 1
    return rows


def seed(
    session: Session,
    *,
    now: datetime,
    candidates: int,
    id_hash_key: str,
    timezone: str,
    instance: Path,
) -> list[str]:
    """Create or refresh the demo data; safe to run again (dates move to today)."""
    zone = ZoneInfo(timezone)
    sessions = notice_sessions(now.astimezone(zone).date(), zone)
    exams.import_sessions(session, sessions)
    rows = fake_roster(candidates, [s["code"] for s in sessions])
    report = roster.import_roster(session, rows, id_hash_key=id_hash_key, now=now)
    lines = [
        f"exam sessions: {', '.join(s['code'] for s in sessions)} (mock day 1 is today)",
        f"roster: {report.count('new')} new candidates, {report.invalid} invalid rows",
    ]
    for username, role, password, display in STAFF:
        if session.scalar(select(Staff.id).where(Staff.username == username)) is None:
            identity.create_staff(
                session,
                username=username,
                password=password,
                role=role,
                now=now,
                display_name=display,
            )
            enrol = "" if role == Role.AGENT else "; enrols two-factor sign-in at first sign-in"
            lines.append(f"staff: {username} / {password} ({role}{enrol})")
    # Before the demo reports: no report on the desk from an agent nobody could download.
    settings = readiness_settings.current()
    lines += publish_agent(session, now=now, folder=settings.builds_dir, server=settings.public_url)
    for target in SEEDERS:
        module, _, function = target.partition(":")
        result = getattr(importlib.import_module(module), function)(session, now)
        lines.append(f"{target}: {result}")
    instance.mkdir(parents=True, exist_ok=True)
    listing = instance / "demo-candidates.csv"
    with listing.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "id_number", "admission_number", "phone"])
        for row in rows[:: len(sessions)]:
            writer.writerow([row.name, row.id_number, row.admission_number, row.phone])
    lines.append(f"demo candidates' sign-in details (fictitious): {listing}")
    return lines


def publish_agent(
    session: Session, *, now: datetime, folder: Path, server: str, windows_exe: Path = WINDOWS_EXE
) -> list[str]:
    """Offer the agent on the device-check page: the zipapp (built now, reporting to this
    desk) unless this version is already published, and the exe when one was built."""
    import diagnostics
    from diagnostics.build import build as build_zipapp

    version = diagnostics.__version__
    published = {(b.platform, b.version) for b in builds.latest_builds(session)}
    lines = []
    if ("zipapp", version) not in published:
        with tempfile.TemporaryDirectory() as staging:
            zipapp = Path(build_zipapp(staging, server))
            build, _ = builds.publish_build(
                session, source=zipapp, folder=folder, platform="zipapp", version=version, now=now
            )
        lines.append(f"agent: published {build.filename} (reports to {server})")
    if windows_exe.is_file():
        build, created = builds.publish_build(
            session, source=windows_exe, folder=folder, platform="windows", version=version, now=now
        )
        lines.append(f"agent: {'published' if created else 'kept'} {build.filename}")
    else:
        lines.append("agent: no dist/helpdesk-agent.exe (`make agent-windows` builds it)")
    return lines
