"""The rehearsal's people: fictitious candidates (what each types to sign in, kept only in
memory or in a roster file the operator guards) and the staff accounts the agents use."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from bench.harness.seed import fictitious_roster

ROSTER_COLUMNS = ["exam_session", "name", "id_number", "admission_number", "phone"]


@dataclass
class Person:
    """A simulated candidate: what they type to sign in."""

    name: str
    id_number: str
    admission_number: str
    phone: str


@dataclass
class Agent:
    username: str
    password: str
    role: str = "agent"


def fake_people(count: int, code: str, seed: int) -> list[Person]:
    """`count` candidates with distinct fictitious ID numbers (valid check digits)."""
    return [
        Person(r.name, r.id_number, f"R{seed % 100000:05d}{i:05d}", r.phone)
        for i, r in enumerate(fictitious_roster(count, code, seed), start=1)
    ]


def write_roster(path: Path, code: str, people: list[Person]) -> None:
    """A roster CSV for `flask roster import` (the file holds full ID numbers)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        for p in people:
            writer.writerow([code, p.name, p.id_number, p.admission_number, p.phone])


def read_people(path: Path, code: str) -> list[Person]:
    with path.open(encoding="utf-8") as handle:
        return [
            Person(r["name"], r["id_number"], r["admission_number"], r["phone"])
            for r in csv.DictReader(handle)
            if r["exam_session"] == code
        ]


def plan_agents(count: int) -> list[Agent]:
    """The agents and one supervisor, with random passwords (kept only in memory)."""
    agents = [
        Agent(f"rehearsal-agent-{n:02d}", secrets.token_urlsafe(18)) for n in range(1, count + 1)
    ]
    agents.append(Agent("rehearsal-supervisor", secrets.token_urlsafe(18), "supervisor"))
    return agents


def read_agents(path: Path) -> list[Agent]:
    """Lines 'username password' of agent accounts created for the rehearsal."""
    agents = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            user, password = line.split(None, 1)
            agents.append(Agent(user, password.strip()))
    return agents
