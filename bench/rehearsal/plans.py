"""Who does what when: each simulated candidate's day, drawn once from a seeded RNG, in
notice minutes after login opens (see timetable)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.rehearsal.timetable import EXAM_MIN, LOGIN_WINDOW_MIN, UPLOAD_TAIL_MIN

CATEGORIES = ("login", "face_verification", "cannot_answer", "change_computer", "other")


@dataclass(frozen=True)
class ArtifactPlan:
    artifact: str  # evidence_video | answer_data
    artifact_id: str
    start: float  # notice minute the upload starts
    fails_first: bool  # the first attempt fails and is retried
    bytes_total: int


@dataclass
class CandidatePlan:
    index: int
    signin: float
    mistype_first: bool = False
    help_press: float | None = None
    #: A second press of 求助 (impatience): the desk must return the same request.
    presses_twice: bool = False
    ticket: float | None = None
    diagnostic: float | None = None
    uploads: list[ArtifactPlan] = field(default_factory=list)


@dataclass(frozen=True)
class Mix:
    help_share: float = 0.03
    #: Of the help presses, the share in the first 3 minutes after the start.
    help_early_share: float = 0.8
    ticket_share: float = 0.01
    diagnostic_share: float = 0.02
    upload_failure_share: float = 0.05
    mistype_share: float = 0.02


def _exact_share(rng: random.Random, count: int, share: float) -> set[int]:
    """Exactly round(count * share) distinct indexes (at least one when share > 0)."""
    wanted = round(count * share)
    if share > 0 and count > 0:
        wanted = max(1, wanted)
    return set(rng.sample(range(count), min(count, wanted)))


def make_plans(count: int, rng: random.Random, mix: Mix = Mix()) -> list[CandidatePlan]:
    """Sign-ins over the 50-minute login window (busier towards the start), 求助 mostly in
    the first 3 minutes after the start, uploads after submission, a few tickets."""
    helpers = _exact_share(rng, count, mix.help_share)
    ticketers = _exact_share(rng, count, mix.ticket_share)
    diagnosers = _exact_share(rng, count, mix.diagnostic_share)
    mistypers = _exact_share(rng, count, mix.mistype_share)
    plans = []
    start, submission = LOGIN_WINDOW_MIN, LOGIN_WINDOW_MIN + EXAM_MIN
    for index in range(count):
        # Most candidates log in during the second half of the waiting time.
        signin = min(LOGIN_WINDOW_MIN - 0.5, rng.betavariate(2.2, 1.6) * LOGIN_WINDOW_MIN)
        plan = CandidatePlan(index, signin, mistype_first=index in mistypers)
        if index in helpers:
            if rng.random() < mix.help_early_share:
                plan.help_press = start + rng.uniform(0, 3)
            else:
                plan.help_press = rng.uniform(min(signin + 1, start), submission - 0.5)
            plan.presses_twice = rng.random() < 0.25
        if index in ticketers:
            plan.ticket = rng.uniform(submission + 2, submission + UPLOAD_TAIL_MIN - 5)
        if index in diagnosers:
            plan.diagnostic = min(LOGIN_WINDOW_MIN - 0.2, signin + rng.uniform(0.2, 5))
        plan.uploads = [
            # 智考云 uploads the answers as soon as the exam is submitted (forced at 11:10).
            ArtifactPlan(
                "answer_data",
                f"ans-{index}",
                submission + rng.triangular(0, 3, 0.3),
                False,
                rng.randrange(200_000, 2_000_000),
            ),
            # 智考通 uploads the side-view video once the candidate stops the recording.
            ArtifactPlan(
                "evidence_video",
                f"vid-{index}",
                submission + rng.uniform(0.5, 10),
                False,
                rng.randrange(300_000_000, 900_000_000),
            ),
        ]
        plans.append(plan)
    artifacts = [(p, i) for p in plans for i in range(len(p.uploads))]
    for position in _exact_share(rng, len(artifacts), mix.upload_failure_share):
        plan, i = artifacts[position]
        item = plan.uploads[i]
        plan.uploads[i] = ArtifactPlan(
            item.artifact, item.artifact_id, item.start, True, item.bytes_total
        )
    return plans
