"""The SQLite anchor: the file loaded the Datasette way (`sqlite-utils insert --csv
--detect-types`, so numbers are numbers) and served by Datasette 0.65, twice:
- as a user gets it: default settings (1 s SQL time limit, counts and facet suggestions on);
- tuned so that every question answers: `--setting sql_time_limit_ms 60000` and
  `_nocount=1&_nofacet=1` on table pages.

A question goes to a table page (`/bench/data.json?…`) where a table page can ask it, and to
Datasette's SQL (`/bench.json?sql=…`) where it cannot: grouping (q3), a page at an offset
(q2; table pages only page by `_next`), and, on the tuned server, the counts `_nocount`
switches off (q1's and q4's, and q5). A table page whose count did not finish within the
time limit answers its rows with a null count: that is recorded as a failure to answer, as is
any error (a query past the time limit answers 400).

Both tools live in their own virtual environment (`<workdir>/venv`), installed from
bench/datastore/requirements.txt, never into the project's.
"""

# The statements are built from constants (the generated file's column names); every value is
# a bound parameter. ruff cannot see that through the f-strings.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from bench.datastore import questions as qs
from bench.datastore.measure import ChildRun, run_measured

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
DATABASE = "bench"
TABLE = "data"
LONG_LIMIT_MS = 60_000
TUNED = {"_nocount": "1", "_nofacet": "1"}


def ensure_venv(venv: Path) -> Path:
    """The virtual environment with Datasette and sqlite-utils, (re)installed when the
    requirements changed; returns its bin folder."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return venv / "bin"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)  # noqa: S603
    stamp.write_text(wanted)
    return venv / "bin"


def versions(bin_dir: Path) -> str:
    """The installed versions, for the report."""
    found = []
    for tool in ("datasette", "sqlite-utils"):
        done = subprocess.run(  # noqa: S603
            [str(bin_dir / tool), "--version"], capture_output=True, text=True, check=True
        )
        found.append(done.stdout.strip())
    return ", ".join(found)


def insert(bin_dir: Path, source: Path, database: Path) -> ChildRun:
    """`sqlite-utils insert DB data FILE --csv --detect-types` into a new database, timed."""
    database.unlink(missing_ok=True)
    command = [str(bin_dir / "sqlite-utils"), "insert", str(database), TABLE, str(source)]
    run = run_measured([*command, "--csv", "--detect-types"])
    if run.returncode != 0:
        raise SystemExit(f"sqlite-utils insert failed:\n{run.output}")
    return run


def serve_command(bin_dir: Path, database: Path, port: int, *, tuned: bool) -> list[str]:
    command = [str(bin_dir / "datasette"), "serve", str(database), "--port", str(port)]
    if tuned:
        command += ["--setting", "sql_time_limit_ms", str(LONG_LIMIT_MS)]
    return command


# --- the questions as Datasette requests ---------------------------------------------------


def _table(params: dict[str, object]) -> str:
    return f"/{DATABASE}/{TABLE}.json?{urlencode({**params, '_shape': 'objects'})}"


def _sql(statement: str, **values: object) -> str:
    return f"/{DATABASE}.json?{urlencode({'sql': statement, **values, '_shape': 'objects'})}"


def paths(plan: qs.Plan, expected: dict, *, tuned: bool) -> dict[str, list[str]]:
    """Per question, the request(s) that answer it (two when the count comes separately)."""
    extra = TUNED if tuned else {}
    q1 = {qs.STATUS: qs.ACTIVE, "_sort_desc": qs.SORT, **extra}
    before = expected[qs.BEFORE_DEEP]
    remark = {f"{qs.REMARK}__contains": qs.WORD, "_size": qs.Q4_PAGE, **extra}
    count_remark = _sql(
        f"select count(*) as n from {TABLE} where {qs.REMARK} like :w", w=f"%{qs.WORD}%"
    )
    count_active = _sql(f"select count(*) as n from {TABLE} where {qs.STATUS} = :s", s=qs.ACTIVE)
    pair = f"select count(*) as n from {TABLE} where {qs.CITY} = :c and {qs.CATEGORY} = :k"
    return {
        qs.Q1: [_table(q1), count_active] if tuned else [_table(q1)],
        qs.Q2: [
            _sql(
                f"select rowid, * from {TABLE} where {qs.STATUS} = :s "
                f"order by {qs.SORT} desc, rowid limit {qs.PAGE} offset {plan.deep}",
                s=qs.ACTIVE,
            )
        ],
        qs.Q2_CURSOR: [_table({**q1, "_next": f"{before['value']},{before['id']}"})],
        qs.Q3: [
            _sql(
                f"select {qs.CITY}, count(*) as count, sum({qs.SORT}) as total, "
                f"avg({qs.AVERAGED}) as average from {TABLE} group by {qs.CITY} "
                f"order by {qs.CITY}"
            )
        ],
        qs.Q4: [_table(remark), count_remark] if tuned else [_table(remark)],
        qs.Q5: [_sql(pair, c=qs.HANGZHOU, k=qs.CATERING)]
        if tuned
        else [_table({qs.CITY: qs.HANGZHOU, qs.CATEGORY: qs.CATERING, "_size": 1})],
        qs.FIRST_PAGE: [_table(extra)],
        qs.DEEP_PAGE: [_table({"_next": plan.deep, **extra})],
        qs.DEEPEST_PAGE: [_table({"_next": plan.deepest, **extra})],
    }


def answer(question: str, bodies: list[bytes]) -> qs.Answer:
    """Datasette's answer(s) to `question`, reduced to what the check compares; an error or a
    missing count raises Unanswered."""
    data = [_ok(body) for body in bodies]
    rows = data[0]["rows"]
    if question == qs.Q3:
        groups = {
            r[qs.CITY]: (int(r["count"]), float(r["total"]), float(r["average"])) for r in rows
        }
        return qs.Answer(groups=groups)
    if "filtered_table_rows_count" not in data[0]:  # a SQL answer
        if question == qs.Q5:
            return qs.Answer(total=rows[0]["n"])
        return qs.Answer(ids=[int(r[qs.ID]) for r in rows])
    total = data[1]["rows"][0]["n"] if len(data) > 1 else data[0]["filtered_table_rows_count"]
    needs_count = question in (qs.Q1, qs.Q4, qs.Q5)
    if needs_count and total is None:
        raise Unanswered("count timed out (null)")
    if question == qs.Q5:
        return qs.Answer(total=total)
    ids = [int(r[qs.ID]) for r in rows]
    values = [int(r[qs.SORT]) for r in rows] if question == qs.Q1 else None
    return qs.Answer(ids=ids, total=total, sort_values=values)


class Unanswered(Exception):
    """Datasette did not answer the question (an error, a time limit, a missing count)."""


def _ok(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError:
        raise Unanswered(body[:200].decode(errors="replace")) from None
    if data.get("ok") is False or "rows" not in data:
        raise Unanswered(str(data.get("error") or data)[:200])
    return data


Fetch = Callable[[str], tuple[int, bytes]]
