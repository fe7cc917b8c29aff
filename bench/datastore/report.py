"""The datastore benchmark's section of docs/benchmarks.md: every median, every ratio (ours ÷
each anchor), each goal met or missed, and how each figure was measured."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import machine
from bench.datastore import engines
from bench.datastore import questions as qs

OURS, DATASETTE, TUNED, POSTGRES = "ours", "Datasette", "Datasette tuned", "PostgreSQL"
SYSTEMS = (OURS, DATASETTE, TUNED, POSTGRES)
ANCHORS = (DATASETTE, TUNED, POSTGRES)
TIMED = (qs.Q1, qs.Q2, qs.Q2_CURSOR, qs.Q3, qs.Q4, qs.Q5)
GB = 10**9


@dataclass
class Outcome:
    """The timed answers of one system to one question: milliseconds, and a note for each
    answer that was an error, a time-out or wrong."""

    ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def answered(self) -> bool:
        return bool(self.ms) and not self.failures


@dataclass
class Results:
    """Everything one run measured."""

    command: str
    rows: int
    size: int
    plan: qs.Plan
    ours_ingest: list[Any]
    pg_ingest: list[float]
    sqlite: Any | None
    queries: dict[str, dict[str, Outcome]]
    versions: dict[str, str]
    load: list[float]
    minutes: float
    roundtrip: dict[str, Any] | str | None = None
    rounds: int = 0
    engines: list[Any] | None = None
    #: our ingest with the file copied in by the command (`kaifang ingest` without --move)
    copied_ingest: list[Any] = field(default_factory=list)
    when: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    host: str = field(default_factory=lambda: f"{machine()}, Python {platform.python_version()}")


def save(results: Results, path: Path) -> None:
    """The run's raw figures, so the section can be written again (`run.py --render-from`)."""
    data = dataclasses.asdict(results)
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1), encoding="utf-8")


def load(path: Path) -> Results:
    """A run's results as `save` wrote them."""
    from bench.datastore.measure import ChildRun
    from bench.datastore.ours import IngestRun

    data = json.loads(path.read_text(encoding="utf-8"))
    data["plan"] = qs.Plan(**data["plan"])
    data["ours_ingest"] = [IngestRun(**run) for run in data["ours_ingest"]]
    data["copied_ingest"] = [IngestRun(**run) for run in data.get("copied_ingest", [])]
    data["sqlite"] = ChildRun(**data["sqlite"]) if data["sqlite"] else None
    data["queries"] = {
        q: {name: Outcome(**o) for name, o in row.items()} for q, row in data["queries"].items()
    }
    if data["engines"]:
        data["engines"] = [
            engines.Layout(**{**lo, "path": Path(lo["path"])}) for lo in data["engines"]
        ]
    return Results(**data)


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _s(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s"


def _range(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def _cell(outcome: Outcome | None) -> str:
    if outcome is None or not outcome.ms:
        return "—"
    text = f"{_ms(outcome.median)}"
    if outcome.failures:
        reason = outcome.failures[0]
        return f"✗ {text} ({len(outcome.failures)}/{len(outcome.ms)} unanswered: {reason})"
    return text


# --- ingest --------------------------------------------------------------------------------


def queryable(results: Results) -> list[float]:
    return [run.queryable for run in results.ours_ingest]


#: the ingest's stages in their order, as the publisher sees them and in English
STAGES = {
    "store": "启动与存储原文件 / start, store the upload",
    "queued": "排队中 / stored, before the ingest starts",
    "decode": "识别编码 / detect the encoding, decode",
    "read": "读取 / read: parse into the staging table",
    "types": "识别字段类型 / infer the types",
    "privacy": "隐私检查 / privacy scan",
    "write": "写入列式文件 / write Parquet",
    "profile": "统计字段 / profile",
    "done": "完成 → first right answer of the rows API",
}


def _stage_rows(results: Results) -> list[str]:
    """Median seconds in each stage of our ingest (a stage met twice counts once, summed)."""
    spans: dict[str, list[float]] = {}
    for run in results.ours_ingest:
        marks = [("store", 0.0), *[tuple(m) for m in run.stages], ("", run.queryable)]
        seen: dict[str, float] = {}
        for (name, begin), (_next, end) in itertools.pairwise(marks):
            seen[name] = seen.get(name, 0.0) + max(min(end, run.queryable) - begin, 0.0)
        for name, seconds in seen.items():
            spans.setdefault(name, []).append(seconds)
    order = [*STAGES, *sorted(set(spans) - set(STAGES))]
    return [f"| {STAGES.get(n, n)} | {_s(spans[n])} |" for n in order if n in spans]


def ingest_section(results: Results) -> list[str]:
    ours = queryable(results)
    rss = [run.peak_bytes / GB for run in results.ours_ingest]
    lines = [
        "| system | median | runs (s) | peak RSS |",
        "| --- | ---: | ---: | ---: |",
        f"| ours: `kaifang ingest --move` until the rows API answers q1 | {_s(ours)} "
        f"| {_range(ours)} | {max(rss):.2f} GB |",
        f"| ours: until the command exits (profile and the rest) "
        f"| {_s([r.finished for r in results.ours_ingest])} "
        f"| {_range([r.finished for r in results.ours_ingest])} | |",
    ]
    if results.copied_ingest:
        copied = [r.queryable for r in results.copied_ingest]
        peak = max(r.peak_bytes for r in results.copied_ingest) / GB
        lines.append(
            f"| ours, the file copied in (`kaifang ingest` without `--move`) | {_s(copied)} "
            f"| {_range(copied)} | {peak:.2f} GB |"
        )
    if results.pg_ingest:
        lines.append(
            f"| PostgreSQL `COPY` into the xloader-style table | {_s(results.pg_ingest)} "
            f"| {_range(results.pg_ingest)} | (server) |"
        )
    if results.sqlite is not None:
        lines.append(
            f"| `sqlite-utils insert --csv --detect-types` (once) | {results.sqlite.seconds:.1f} s "
            f"| {results.sqlite.seconds:.1f} | {results.sqlite.peak_bytes / GB:.2f} GB |"
        )
    lines += [
        "",
        "Our ingest, median seconds per stage until the rows API answered (when each stage "
        "began is read from the ingest's own progress record every 0.1 s):",
        "",
    ]
    lines += ["| stage | median |", "| --- | ---: |", *_stage_rows(results)]
    return lines


# --- queries -------------------------------------------------------------------------------


def query_section(results: Results) -> list[str]:
    lines = [
        "| question | " + " | ".join(f"{s} ms" for s in SYSTEMS) + " |",
        "| --- | " + " | ".join("---:" for _ in SYSTEMS) + " |",
    ]
    for question in qs.QUESTIONS:
        row = results.queries.get(question, {})
        lines.append(f"| {question} | " + " | ".join(_cell(row.get(s)) for s in SYSTEMS) + " |")
    lines += ["", "Ratios of medians, ours ÷ anchor (below 1: ours is faster):", ""]
    lines += [
        "| question | " + " | ".join(f"÷ {a}" for a in ANCHORS) + " |",
        "| --- | " + " | ".join("---:" for _ in ANCHORS) + " |",
    ]
    for question in qs.QUESTIONS:
        row = results.queries.get(question, {})
        ours = row.get(OURS)
        cells = [_ratio(ours, row.get(a)) for a in ANCHORS]
        lines.append(f"| {question} | " + " | ".join(cells) + " |")
    return lines


def _ratio(ours: Outcome | None, anchor: Outcome | None) -> str:
    if ours is None or anchor is None or not ours.ms or not anchor.ms:
        return "—"
    ratio = ours.median / anchor.median
    return f"{ratio:.3f}" + ("" if anchor.answered else " (anchor unanswered)")


# --- goals ---------------------------------------------------------------------------------


def goals(results: Results) -> list[tuple[str, str, bool | None]]:
    """(goal, what was measured, met?) — None when the run could not measure it."""
    found = _ingest_goals(results)
    for question in TIMED:
        found.append(_faster_goal(results, question))
    for question in (qs.Q3, qs.Q4):
        found.append(_tenfold_goal(results, question))
    found += _latency_goals(results)
    return found


def _ingest_goals(results: Results) -> list[tuple[str, str, bool | None]]:
    ours = statistics.median(queryable(results))
    found = []
    for label, anchor, limit in (
        ("PostgreSQL COPY", results.pg_ingest, 0.7),
        ("sqlite-utils", [results.sqlite.seconds] if results.sqlite else [], 0.03),
    ):
        if not anchor:
            found.append((f"time to queryable ≤ {limit}× {label}", "not measured", None))
            continue
        ratio = ours / statistics.median(anchor)
        found.append(
            (
                f"time to queryable ≤ {limit}× {label}",
                f"{ours:.1f} s ÷ {statistics.median(anchor):.1f} s = {ratio:.3f}×",
                ratio <= limit,
            )
        )
    peak = max(run.peak_bytes for run in results.ours_ingest) / GB
    found.append(("ingest peak RSS ≤ 1 GB", f"{peak:.2f} GB (largest of the runs)", peak <= 1))
    return found


def _faster_goal(results: Results, question: str) -> tuple[str, str, bool | None]:
    row = results.queries.get(question, {})
    ours = row.get(OURS)
    anchors = [(a, row[a]) for a in ANCHORS if a in row and row[a].ms]
    if ours is None or not ours.answered or not anchors:
        return (f"{question}: faster than every anchor", "not measured", None)
    slower = [a for a, o in anchors if o.answered and o.median <= ours.median]
    detail = ", ".join(
        f"{a} {_ms(o.median)} ms{'' if o.answered else ' (unanswered)'}" for a, o in anchors
    )
    return (
        f"{question}: faster than every anchor",
        f"ours {_ms(ours.median)} ms; {detail}",
        not slower,
    )


def _tenfold_goal(results: Results, question: str) -> tuple[str, str, bool | None]:
    """≥ 10× faster than Datasette's defaults. When the default server gives up (its 1 s
    limit), the answer a user can get is the tuned server's, so that is the one compared."""
    row = results.queries.get(question, {})
    ours, default, tuned = row.get(OURS), row.get(DATASETTE), row.get(TUNED)
    goal = f"{question}: ≥ 10× faster than Datasette's defaults"
    if ours is None or default is None or not ours.answered:
        return (goal, "not measured", None)
    if default.answered:
        speedup = default.median / ours.median
        return (goal, f"{speedup:.1f}× (default {_ms(default.median)} ms)", speedup >= 10)
    if tuned is None or not tuned.answered:
        return (goal, "Datasette never answered", None)
    speedup = tuned.median / ours.median
    return (
        goal,
        f"{speedup:.1f}× the tuned server ({_ms(tuned.median)} ms); the default gave up after "
        f"{_ms(default.median)} ms without an answer",
        speedup >= 10,
    )


def _latency_goals(results: Results) -> list[tuple[str, str, bool | None]]:
    ours = {q: results.queries.get(q, {}).get(OURS) for q in qs.QUESTIONS}
    checks = [
        ("a 100-row page < 20 ms", [qs.FIRST_PAGE], 20),
        (
            "cursor paging in row order < 50 ms at any depth",
            [qs.FIRST_PAGE, qs.DEEP_PAGE, qs.DEEPEST_PAGE],
            50,
        ),
        ("filtered and sorted first page < 150 ms (q1)", [qs.Q1], 150),
    ]
    found = []
    for label, questions, limit in checks:
        outcomes = [ours[q] for q in questions]
        if any(o is None or not o.answered for o in outcomes):
            found.append((label, "not measured", None))
            continue
        worst = max(o.median for o in outcomes)
        detail = " / ".join(f"{_ms(o.median)} ms" for o in outcomes)
        found.append((label, detail, worst < limit))
    return found


def goal_section(results: Results) -> list[str]:
    lines = ["| goal | measured | met |", "| --- | --- | --- |"]
    for label, detail, met in goals(results):
        verdict = "n/a" if met is None else ("met" if met else "**NOT met**")
        lines.append(f"| {label} | {detail} | {verdict} |")
    return lines


# --- the whole section ---------------------------------------------------------------------


def render(results: Results) -> str:
    when = results.when
    load = ", ".join(f"{v:.1f}" for v in results.load)
    versions = "; ".join(f"{k} {v}" for k, v in results.versions.items())
    lines = [
        "## Datastore benchmark",
        "",
        f"Ingest and queries on {results.rows:,} rows, ours beside PostgreSQL `COPY` (the CKAN "
        "xloader path) and sqlite-utils + Datasette, all in one run of "
        "`bench/datastore/run.py`. "
        f"Measured {when} on {results.host}; {versions}. "
        f"Data: {results.rows:,} rows, {results.size / 1e6:,.0f} MB of CSV "
        "(`bench/datastore/generate.py`). Load average (1 min) at the start, after the ingests "
        f"and at the end: {load} (other work on the machine inflates every figure alike). "
        f"The run took {results.minutes:.0f} minutes.",
        "",
        f"Reproduce: `{results.command}`"
        + (" (`make bench-datastore`)" if results.command.endswith("run.py") else ""),
        "",
        "### Goals",
        "",
        *goal_section(results),
        "",
        "### Time to queryable",
        "",
        *ingest_section(results),
        "",
        "### Queries through each HTTP API (medians)",
        "",
        f"{results.rounds} timed rounds after a warm-up round; in each round every question "
        "goes to every system in turn. A ✗ marks answers that were errors, time-outs or "
        "missing counts (their time is the time until that answer).",
        "",
        *query_section(results),
        "",
        *_engine_section(results.engines),
        *_roundtrip_section(results.roundtrip),
        "### How it was measured",
        "",
        *[f"- {note}" for note in notes(results.rounds, results.plan)],
    ]
    return "\n".join(lines)


def _engine_section(layouts: list[Any] | None) -> list[str]:
    if not layouts:
        return []
    return [
        "### The engine question: the same table in other layouts, DuckDB alone",
        "",
        "No HTTP: the statements our query layer sends for each question (page, then count), "
        "over one kept connection per layout with the query layer's caps (2 threads, 1 GB); "
        "medians of the same rounds. The other layouts are made from the ingested file here.",
        "",
        *engines.section(layouts),
        "",
    ]


def _roundtrip_section(result: dict[str, Any] | str | None) -> list[str]:
    """The round trip's figures: its scalars on one line, then a table per group (seconds
    per step, cells compared per surface, file sizes)."""
    lines = ["### Round trip (GB18030 CSV and multi-sheet XLSX, `roundtrip.py`)", ""]
    if result is None:
        return [*lines, "Not run (`--skip-roundtrip`).", ""]
    if isinstance(result, str):
        return [*lines, result, ""]
    scalars = [f"{k}: {v}" for k, v in result.items() if not isinstance(v, dict | list)]
    scalars += [f"{k}: {_plain(v)}" for k, v in result.items() if isinstance(v, list) and v]
    lines += ["; ".join(scalars), ""]
    for key, group in result.items():
        if isinstance(group, dict):
            lines += [f"| {key} | |", "| --- | ---: |"]
            lines += [f"| {name} | {_plain(value)} |" for name, value in group.items()]
            lines.append("")
    return lines


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value).replace("|", "\\|")


def load_average() -> float:
    return os.getloadavg()[0]


def notes(rounds: int, plan: qs.Plan) -> list[str]:
    """What was measured how, for the section's last part."""
    deep, deepest = str(plan.deep), str(plan.deepest)
    return [
        "Time to queryable (ours): from starting `kaifang ingest FILE --resource ID --move` "
        "on the file already on the server's disk (copied there and written out before the "
        "timing, as a web upload's temporary file is when the publisher's request is "
        "handled: moved into storage, hashed, ingested; the command's default, copying the "
        "file into storage, is timed beside it) — a new "
        "version of a published dataset's resource, stored through the publisher's service "
        "into a revision, which a reviewer standing by — `catalog.py approve-next`, loaded "
        "before the timing — approves while the ingest runs) to the first answer of the rows "
        "API to q1 that is right for the new data, asked anonymously every 0.1 s once the "
        "reviewer has seen the ingest end in its progress record (asked all along, the "
        "requests took processor time from the ingest being timed). Peak RSS: "
        "the largest sum of resident memory over the command's process tree, sampled every "
        "50 ms from /proc, or one process's own high-water mark when larger.",
        "PostgreSQL: `CREATE TABLE` (`_id serial PRIMARY KEY`, `_full_text tsvector` left "
        "empty, every column `text`, as xloader makes it) + `COPY … FROM STDIN (FORMAT csv)` "
        "through psycopg + `COMMIT`; xloader's later full-text pass is not included. Not "
        "timed afterwards: `VACUUM ANALYZE`.",
        "sqlite-utils: `sqlite-utils insert bench.db data FILE --csv --detect-types` "
        "(numbers stored as numbers, so they sort as numbers), run once: it takes minutes.",
        "Our server: `kaifang serve --workers 2 --no-worker` (gunicorn gthread; no task "
        "worker, which would otherwise build every download of each ingested version while "
        "the others are timed), SQLite metadata, the dataset published and asked anonymously; "
        "its cache is Redis, and the counts it keeps (`kaifang:rows-total:*`) are deleted "
        "before each timed request, so every total is counted afresh.",
        'Our requests: q1 `rows?filters={"经营状态":"正常"}&sort=数量 desc&limit=100`; '
        f"q2 the same with `offset={deep}`, and by `cursor` (the `next` of the page ending "
        f"at {deep}, fetched before timing); q3 `aggregate?group_by=城市&metrics=count,"
        'sum:数量,avg:数值`; q4 `rows?filters={"备注":{"contains":"管理"}}&limit=20`; q5 '
        '`rows?filters={"城市":"杭州市","行业类别":"餐饮服务"}&limit=0`; the 100-row page '
        f"`rows?limit=100`; row order at {deep} and {deepest} by cursor. Each answer carries "
        "its total.",
        "Datasette 0.65: `datasette serve bench.db` (default: 1 s SQL time limit, counts and "
        "facet suggestions on) and a second server with `--setting sql_time_limit_ms 60000` "
        "and `_nocount=1&_nofacet=1` on table pages. Table pages (`/bench/data.json?…&"
        "_shape=objects`) where they can ask the question (q1 with `_sort_desc=数量`, q4 "
        "with `备注__contains=管理&_size=20`, q5 on the default server, the 100-row page, "
        "row order by `_next=<rowid>`, q2 by `_next=<数量>,<rowid>`), SQL (`/bench.json?sql=`) "
        "for q3, q2 by offset, and the counts `_nocount` leaves out on the tuned server (q1 "
        "and q4 as two requests, timed together; q5). Datasette's first sorted page has no "
        "tie-breaker: its q1 rows are checked by their sort keys.",
        "PostgreSQL queries: what `datastore_search` runs, the page and a `count(*)` for its "
        "total, with the casts `datastore_search_sql` needs on text columns "
        '(`ORDER BY "数量"::integer DESC, _id`, `sum("数量"::integer)`, '
        '`avg("数值"::numeric)`, `"备注" LIKE \'%管理%\'`); row-order pages by OFFSET as '
        "CKAN pages; q2 by keyset on (数量, _id). Over a kept psycopg connection, without "
        "CKAN's HTTP and JSON layers, so these figures flatter CKAN.",
        "Every answer is checked against the answers Python's csv module computes from the "
        "file (counts, groups, the rows' 记录编号 in order) before timing and at every timed "
        f"request. Medians of {rounds} rounds after a warm-up round, one keep-alive "
        "connection per server on loopback, timed from sending the request to the last byte.",
    ]
