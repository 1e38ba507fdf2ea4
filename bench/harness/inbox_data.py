"""The seed data of bench.inbox: exams around the run's date, staff, candidates and tickets
with varied Chinese subjects and two messages each (the candidate's, a technician's reply),
bulk-inserted and put in the search index as the desk puts them."""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

from bench.harness import database

ID_HASH_KEY = "bench-inbox-key"
STAFF_PASSWORD = "bench password 1"  # noqa: S105 - a fictitious bench agent
STATUSES = (
    ["new"] * 20 + ["open"] * 20 + ["waiting_candidate"] * 15 + ["resolved"] * 25 + ["closed"] * 20
)
#: What candidates write, for the text search: problems, then the details they add.
PROBLEMS = [
    "登录时提示考生不存在",
    "人脸验证一直不通过",
    "摄像头黑屏看不到画面",
    "麦克风没有声音",
    "智考云打开后闪退",
    "佐证视频上传失败",
    "交卷数据上传一直转圈",
    "更换电脑后无法登录",
    "网络断开后重新登录不了",
    "杀毒软件拦截安装",
    "提示检测到第二个屏幕",
    "智考通安装包下载很慢",
    "手机存储空间不足",
    "考试中突然停电",
    "答题页面卡住不动",
]
DETAILS = [
    "联想小新",
    "戴尔灵越",
    "华为MateBook",
    "惠普战66",
    "Windows 7",
    "Windows 10",
    "荣耀手机",
    "小米手机",
    "vivo手机",
    "家里宽带",
    "手机热点",
    "台式机",
]
#: What technicians answer (the second message of every ticket).
REPLIES = [
    "请关闭杀毒软件后重新安装智考云",
    "请重启电脑后再次登录，并确认网络稳定",
    "已为您重置人脸验证，请在光线充足处重试",
    "请检查摄像头权限是否被其他程序占用",
    "请使用手机热点重新上传佐证视频",
    "请勿关闭客户端，交卷数据会自动续传",
]
#: Text searches from broad (a fifth of the tickets) to narrow (a handful).
TEXT_QUERIES = [
    "登录",
    "人脸验证",
    "黑屏",
    "闪退",
    "佐证视频上传",
    "华为",
    "windows",
    "上传失败",
    "停电",
    "热点",
    "第二个屏幕",
    "小米手机 麦克风",
]


def _text(
    connection: Connection, rows: list[tuple[int, str, str]], now: datetime, rng: random.Random
) -> None:
    """Each ticket's two messages (the candidate's, a technician's reply), and the ticket in
    the search index as the desk puts it (subject as heading, the messages as body)."""
    from helpdesk import search
    from helpdesk.tickets.models import TicketMessage

    replies = {i: rng.choice(REPLIES) for i, _subject, _body in rows}
    messages = []
    for i, _subject, body in rows:
        messages.append(
            {
                "ticket_id": i,
                "author_kind": "candidate",
                "staff_id": None,
                "body": body,
                "internal": False,
                "created_at": now,
            }
        )
        messages.append(
            {
                "ticket_id": i,
                "author_kind": "staff",
                "staff_id": rng.randrange(1, 21),
                "body": replies[i],
                "internal": False,
                "created_at": now,
            }
        )
    connection.execute(insert(TicketMessage), messages)
    search.put_many(
        connection, "tickets", [(i, subject, f"{body}\n{replies[i]}") for i, subject, body in rows]
    )


def seed(url: str, args: argparse.Namespace, now: datetime) -> dict[str, list[str]]:
    """Bulk-insert exams, staff, candidates and tickets as they stand at `now` (the formal
    exam running); add the agent who searches; return values to search for."""
    from helpdesk.db import make_engine
    from helpdesk.demo import fake_id_number
    from helpdesk.exams.models import Enrollment, ExamSession
    from helpdesk.identity import idnumber
    from helpdesk.identity.models import Candidate, Role, Staff
    from helpdesk.identity.services import create_staff
    from helpdesk.tickets.models import Ticket
    from helpdesk.tickets.services import new_number

    rng = random.Random(args.seed)
    engine = make_engine(url, pool_size=1)
    exams = [
        ("MOCK-D1", "mock", now - timedelta(days=6, minutes=65), timedelta(hours=14)),
        ("MOCK-D2", "mock", now - timedelta(days=5, minutes=65), timedelta(hours=14)),
        ("FORMAL", "formal", now - timedelta(minutes=5), timedelta(minutes=10)),
        ("FORMAL-2", "formal", now + timedelta(days=1), timedelta(minutes=10)),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(ExamSession),
            [
                {
                    "id": i + 1,
                    "code": code,
                    "name": code,
                    "kind": kind,
                    "login_opens": starts,
                    "starts": starts,
                    "login_closes": starts + length,
                    "ends": starts + length,
                    "download_opens": None,
                    "download_closes": None,
                }
                for i, (code, kind, starts, length) in enumerate(exams)
            ],
        )
        connection.execute(
            insert(Staff),
            [
                {
                    "id": n,
                    "username": f"agent{n}",
                    "display_name": f"技术员 {n}",
                    "password_hash": "x",
                    "role": "agent",
                    "active": True,
                    "available": True,
                    "created_at": now,
                }
                for n in range(1, 21)
            ],
        )
        candidates, enrollments = [], []
        for n in range(1, args.candidates + 1):
            number = fake_id_number(rng)
            candidates.append(
                {
                    "id": n,
                    "name": rng.choice("王李张刘陈杨黄赵吴周")
                    + rng.choice("伟芳娜敏静丽强磊军洋")
                    + rng.choice(["", "明", "华", "宇"]),
                    "id_number_hash": idnumber.keyed_hash(number, ID_HASH_KEY),
                    "id_number_masked": idnumber.mask(number),
                    "admission_number": f"ZK{n:08d}",
                    "phone": f"+861{rng.choice('3578')}{rng.randrange(10**9):09d}",
                    "created_at": now,
                }
            )
            for exam_id in (1, 2, 3, 4):
                enrollments.append(
                    {"exam_session_id": exam_id, "candidate_id": n, "created_at": now}
                )
        connection.execute(insert(Candidate), candidates)
        connection.execute(insert(Enrollment), enrollments)
        tickets, numbers, text_rows = [], set(), []
        for n in range(1, args.tickets + 1):
            candidate = candidates[rng.randrange(len(candidates))]
            exam = rng.choice([1, 2, 3, None])
            created = now - timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
            status = rng.choice(STATUSES)
            active = status in ("new", "open")
            number = new_number()
            while number in numbers:
                number = new_number()
            numbers.add(number)
            problem = rng.choice(PROBLEMS)
            text_rows.append(
                (
                    n,
                    problem,
                    f"{problem}，{rng.choice(DETAILS)}，{rng.choice(PROBLEMS)}，"
                    f"错误码E{rng.randrange(10_000):04d}",
                )
            )
            tickets.append(
                {
                    "id": n,
                    "number": number,
                    "candidate_id": candidate["id"],
                    "exam_session_id": exam,
                    "category": rng.choice(
                        [
                            "login",
                            "face_verification",
                            "cannot_answer",
                            "change_computer",
                            "evidence_upload",
                            "answer_upload",
                            "install",
                            "other",
                        ]
                    ),
                    "status": status,
                    "priority": {1: 2, 2: 2, 3: rng.choice([0, 1, 3])}.get(exam or 0, 3),
                    "phone": candidate["phone"],
                    "source": "web",
                    "subject": problem,
                    "assignee_id": rng.choice([None, None, *range(1, 21)]),
                    "idempotency_key": None,
                    "merged_into_id": None,
                    "created_at": created,
                    "updated_at": created,
                    "first_response_at": None
                    if status == "new"
                    else created + timedelta(minutes=rng.randrange(1, 120)),
                    "resolved_at": created + timedelta(hours=2)
                    if status in ("resolved", "closed")
                    else None,
                    "due_at": created + timedelta(minutes=15) if active else None,
                    "sla_paused_seconds": 300 if status == "waiting_candidate" else None,
                    "breached_at": created + timedelta(minutes=15) if rng.random() < 0.1 else None,
                }
            )
            if len(tickets) == 10_000:
                connection.execute(insert(Ticket), tickets)
                _text(connection, text_rows, now, rng)
                tickets, text_rows = [], []
        if tickets:
            connection.execute(insert(Ticket), tickets)
            _text(connection, text_rows, now, rng)
        if engine.dialect.name == "postgresql":  # explicit ids do not move the sequences
            for table in ("exam_sessions", "staff", "candidates", "tickets"):
                # The table names are the literals above, never input.
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608,E501
                connection.execute(text(sql))
    with Session(engine) as session:
        for n in range(max(args.concurrency)):
            create_staff(
                session, username=f"bench{n}", password=STAFF_PASSWORD, role=Role.AGENT, now=now
            )
        session.commit()
    engine.dispose()
    # A freshly bulk-loaded table is not what a running desk has: autovacuum would have set
    # PostgreSQL's visibility map (index-only scans) and both engines' statistics by now.
    maintenance = database.engine(url, isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    maintenance.dispose()
    sample = rng.sample(candidates, 50)
    return {
        "number": rng.sample(sorted(numbers), 50),
        "admission": [c["admission_number"].lower() for c in sample],
        "name": [c["name"] for c in sample],
        "phone": [c["phone"][3:] for c in sample],
        "text": TEXT_QUERIES,
    }
