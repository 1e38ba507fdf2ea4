"""The rehearsal's verdict: figures, expectations checked, an HTML report and a summary."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from bench.harness.http import Problem, Sample
from bench.harness.stats import Summary, buckets, percentile, summarise
from bench.rehearsal import metrics
from bench.rehearsal.ledger import Comparison
from bench.rehearsal.svg import line_chart


@dataclass
class Check:
    name: str
    #: None: the fault or capability could not be exercised (said so, never passed).
    passed: bool | None
    detail: str


@dataclass
class Result:
    title: str
    started: float
    finished: float
    settings: dict[str, Any]
    endpoints: dict[str, Summary]
    statuses: dict[str, dict[str, int]]
    candidate_latency: Summary
    comparisons: list[Comparison]
    checks: list[Check]
    help_to_call: Summary
    help_to_call_notice: Summary
    outcomes: dict[str, int]
    problems: list[Problem]
    notes: list[str]
    fault_windows: list[dict[str, Any]] = field(default_factory=list)
    #: The desk's GET /metrics sampled during the day (bench/rehearsal/metrics.py).
    desk_metrics: dict[str, Any] = field(default_factory=dict)
    #: What nginx's access log says (bench/rehearsal/nginx.py).
    front: dict[str, Any] = field(default_factory=dict)
    #: The wait shown at each press against the real time to its first call (checks.py).
    promise: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.passed is not False for c in self.checks)


def endpoint_figures(samples: list[Sample]) -> tuple[dict[str, Summary], dict[str, dict[str, int]]]:
    by_endpoint: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    for sample in samples:
        by_endpoint[sample.endpoint].append(sample.seconds * 1000)
        statuses[sample.endpoint][str(sample.status)] += 1
    return (
        {k: summarise(v) for k, v in sorted(by_endpoint.items())},
        {k: dict(sorted(v.items())) for k, v in sorted(statuses.items())},
    )


def timeline(
    samples: list[Sample], start: float, end: float, width: float
) -> dict[str, list[tuple[float, float]]]:
    """Per bucket: requests per second, error rate (%), p95 latency (ms)."""
    latency = buckets(((s.at, s.seconds * 1000) for s in samples), width, start, end)
    errors = buckets(
        ((s.at, 1.0 if s.status == 0 or s.status >= 500 else 0.0) for s in samples),
        width,
        start,
        end,
    )
    rate, error_rate, p95 = [], [], []
    for index, (values, flags) in enumerate(zip(latency, errors, strict=True)):
        x = index * width
        rate.append((x, len(values) / width))
        error_rate.append((x, 100.0 * sum(flags) / len(flags) if flags else 0.0))
        p95.append((x, percentile(values, 0.95) or 0.0))
    return {"rate": rate, "errors": error_rate, "p95": p95}


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.0f}{unit}"


def summary_lines(result: Result) -> list[str]:
    lat = result.candidate_latency
    lines = [
        f"== {result.title} ==",
        f"duration {result.finished - result.started:.0f} s; settings "
        + ", ".join(f"{k}={v}" for k, v in result.settings.items() if k != "faults"),
        f"faults: {', '.join(result.settings.get('faults', [])) or 'none'}",
        f"candidate requests: {lat.count}, latency ms p50 {_fmt(lat.p50)} "
        f"p95 {_fmt(lat.p95)} p99 {_fmt(lat.p99)} max {_fmt(lat.max)}",
    ]
    for comparison in result.comparisons:
        lines.append(
            f"ledger {comparison.kind}: accepted {comparison.accepted}, stored "
            f"{comparison.stored}, lost {len(comparison.lost)}, duplicated "
            f"{len(comparison.duplicated)}, unaccounted {len(comparison.unaccounted)}"
        )
    h, n = result.help_to_call, result.help_to_call_notice
    lines.append(
        f"求助 -> first call attempt: {h.count} calls, real s p50 {_fmt(h.p50)} "
        f"p95 {_fmt(h.p95)} max {_fmt(h.max)}; notice-time min p50 "
        f"{_fmt(None if n.p50 is None else n.p50)} p95 {_fmt(n.p95)}"
    )
    if result.promise:
        lines.append(f"求助 promise, real time: {result.promise['real_line']}")
        lines.append(f"求助 promise, notice time: {result.promise['notice_line']}")
    lines.append("per endpoint (ms p50/p95/p99, statuses):")
    for name, figures in result.endpoints.items():
        lines.append(
            f"  {name:40} n={figures.count:6} {_fmt(figures.p50):>5}/"
            f"{_fmt(figures.p95):>5}/{_fmt(figures.p99):>5}  "
            f"{json.dumps(result.statuses[name])}"
        )
    if result.desk_metrics:
        lines.extend(metrics.lines(result.desk_metrics))
    if result.front:
        lines.append(f"nginx: {json.dumps(result.front)}")
    lines.append("expectations:")
    for check in result.checks:
        mark = {True: "PASS", False: "FAIL", None: "NOT EXERCISED"}[check.passed]
        lines.append(f"  [{mark}] {check.name}: {check.detail}")
    lines.append(f"verdict: {'PASS' if result.ok else 'FAIL'}")
    return lines


def _fault_row(window: dict[str, Any], started: float) -> str:
    end = "" if window["end"] is None else f"{window['end'] - started:.1f}"
    detail = {k: v for k, v in window.items() if k not in ("name", "start", "end")}
    return (
        f"<tr><td>{escape(str(window['name']))}</td><td>{window['start'] - started:.1f}"
        f"</td><td>{end}</td><td>{escape(json.dumps(detail))}</td></tr>"
    )


def write_html(path: Path, result: Result, charts: list[str]) -> None:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{f.count}</td><td>{_fmt(f.p50)}</td>"
        f"<td>{_fmt(f.p95)}</td><td>{_fmt(f.p99)}</td><td>{_fmt(f.max)}</td>"
        f"<td>{escape(json.dumps(result.statuses[name]))}</td></tr>"
        for name, f in result.endpoints.items()
    )
    ledger = "".join(
        f"<tr><td>{escape(c.kind)}</td><td>{c.accepted}</td><td>{c.stored}</td>"
        f"<td class='{'bad' if c.lost else 'good'}'>{len(c.lost)}</td>"
        f"<td class='{'bad' if c.duplicated else 'good'}'>{len(c.duplicated)}</td>"
        f"<td>{len(c.unaccounted)}</td><td>{escape('; '.join((c.lost + c.duplicated)[:5]))}"
        "</td></tr>"
        for c in result.comparisons
    )
    checks = "".join(
        f"<tr><td class='{ {True: 'good', False: 'bad', None: 'skip'}[c.passed] }'>"
        f"{ {True: 'PASS', False: 'FAIL', None: 'NOT EXERCISED'}[c.passed] }</td>"
        f"<td>{escape(c.name)}</td><td>{escape(c.detail)}</td></tr>"
        for c in result.checks
    )
    problems = "".join(
        f"<tr><td>{datetime.fromtimestamp(p.at, UTC):%H:%M:%S}</td><td>{escape(p.request)}"
        f"</td><td>{p.status}</td><td><code>{escape(p.detail)}</code></td></tr>"
        for p in result.problems[:100]
    )
    outcomes = "".join(
        f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in sorted(result.outcomes.items())
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    faults = "".join(_fault_row(w, result.started) for w in result.fault_windows)
    settings = escape(json.dumps(result.settings, ensure_ascii=False, indent=1))
    verdict = "PASS" if result.ok else "FAIL"
    scraped = "\n".join(metrics.lines(result.desk_metrics)) if result.desk_metrics else "-"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(result.title)}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1100px;color:#1f2328}}
table{{border-collapse:collapse;margin:8px 0 20px}} td,th{{border:1px solid #d0d7de;
padding:3px 8px;text-align:left;vertical-align:top}} th{{background:#f6f8fa}}
.good{{color:#1a7f37;font-weight:bold}} .bad{{color:#d1242f;font-weight:bold}}
.skip{{color:#9a6700;font-weight:bold}} .verdict{{font-size:22px}}
pre{{background:#f6f8fa;padding:8px;overflow:auto}}
</style></head><body>
<h1>{escape(result.title)}</h1>
<p class="verdict">Verdict: <span class="{"good" if result.ok else "bad"}">{verdict}</span>
— {datetime.fromtimestamp(result.started, UTC):%Y-%m-%d %H:%M:%S} UTC,
{result.finished - result.started:.0f} s</p>
<h2>Expectations</h2><table><tr><th></th><th>expectation</th><th>observed</th></tr>
{checks}</table>
<h2>Ledger against the database</h2>
<table><tr><th>kind</th><th>accepted</th><th>stored</th><th>lost</th><th>duplicated</th>
<th>unaccounted</th><th>examples</th></tr>{ledger}</table>
<h2>Charts</h2>
<p>Time axis: real seconds since login opened. Shaded bands are fault windows.</p>
{"".join(f"<figure>{c}</figure>" for c in charts)}
<h2>The desk's metrics endpoint, sampled</h2>
<pre>{escape(scraped)}</pre>
<h2>nginx</h2><pre>{escape(json.dumps(result.front, indent=1))}</pre>
<h2>Faults injected</h2>
<table><tr><th>fault</th><th>from (s after the run began)</th><th>to</th><th>detail</th></tr>
{faults}</table>
<h2>Latency per endpoint (ms)</h2>
<table><tr><th>endpoint</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th>
<th>statuses</th></tr>{rows}</table>
<h2>What the simulated people saw</h2><table>{outcomes}</table>
<h2>Problems held against the desk</h2>
<table><tr><th>time</th><th>request</th><th>status</th><th>detail</th></tr>{problems}</table>
<h2>Notes</h2><ul>{notes}</ul>
<h2>Settings</h2><pre>{settings}</pre>
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def charts_for(
    samples: list[Sample],
    depth: list[tuple[float, dict[str, int]]],
    origin: float,
    end: float,
    bands: list[tuple[float, float, str]],
    marks: list[tuple[float, str]] | None = None,
    scraped: metrics.MetricsLog | None = None,
) -> list[str]:
    """Queue depth, latency, error rate and request rate over the day (x: seconds since
    login opened); short faults shaded, point events (a worker killed) as red ticks."""
    width = max(1.0, (end - origin) / 120)
    candidate = [s for s in samples if s.audience == "candidate"]
    series = timeline(candidate, origin, end, width)
    rel = [(max(0.0, a - origin), max(0.0, b - origin), label) for a, b, label in bands]
    ticks = [(at - origin, label) for at, label in marks or []]
    statuses = sorted({k for _, d in depth for k in d})
    depth_series = [
        (status, [(t - origin, float(d.get(status, 0))) for t, d in depth if t >= origin])
        for status in statuses
    ]

    def chart(title: str, lines: list[tuple[str, list[tuple[float, float]]]], unit: str) -> str:
        return line_chart(
            title, lines, x_label="seconds since login opened", y_label=unit, bands=rel, marks=ticks
        )

    from_metrics = []
    if scraped is not None and scraped.samples:
        from_metrics.append(
            chart(
                "From GET /metrics: oldest wait and SMS backlog",
                metrics.series(scraped, origin),
                "",
            )
        )
    return [
        chart("Help queue depth (help requests by status)", depth_series, "requests"),
        *from_metrics,
        chart("Candidate request latency, p95 per bucket", [("p95 ms", series["p95"])], "ms"),
        chart(
            "Candidate error rate (5xx and connection failures)",
            [("% of attempts", series["errors"])],
            "%",
        ),
        chart("Candidate requests per second", [("req/s", series["rate"])], "req/s"),
    ]


def as_json(result: Result) -> str:
    data = asdict(result)
    data["ok"] = result.ok
    return json.dumps(data, default=str, ensure_ascii=False, indent=1)


def write_outputs(
    out: Path,
    result: Result,
    samples: list[Sample],
    depth: list[tuple[float, dict[str, int]]],
    origin: float,
    kills: list[tuple[float, str, int]],
    scraped: metrics.MetricsLog | None = None,
) -> list[str]:
    """report.html (charts included), summary.txt/.json and samples.csv; returns the
    summary's lines. Day-long faults would shade everything: their moments are ticks."""
    now = time.time()
    windows = result.fault_windows
    bands = [
        (w["start"], w["end"] or now, w["name"])
        for w in windows
        if not w["name"].startswith(("gunicorn", "redis"))
    ]
    marks = [(at, f"{server} worker {pid} killed") for at, server, pid in kills]
    marks += [(w["start"], w["name"]) for w in windows if w["name"].startswith("redis")]
    charts = charts_for(samples, depth, origin, now, bands, marks, scraped)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "samples.csv").open("w", encoding="utf-8") as handle:
        handle.write("seconds_since_login_opened,endpoint,status,ms,audience\n")
        for s in samples:
            handle.write(
                f"{s.at - origin:.3f},{s.endpoint},{s.status},{s.seconds * 1000:.1f},{s.audience}\n"
            )
    write_html(out / "report.html", result, charts)
    (out / "summary.json").write_text(as_json(result), encoding="utf-8")
    lines = summary_lines(result)
    (out / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines
