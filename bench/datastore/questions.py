"""The questions the datastore benchmark asks every system, the right answers to them computed
with nothing but Python's csv module, and the check of an answer against them.

The questions (values chosen for a realistic share of the generated rows):
- q1: 经营状态 = 正常 (about 70 % of rows), sorted by 数量 descending, the first 100 rows, with
  the number of matching rows;
- q2: the same at a deep offset (1,000,000 in the 5-million-row file: a fifth of the rows);
- q3: per 城市, the count, the sum of 数量 and the average of 数值;
- q4: the rows whose 备注 contains 管理: their number and the first 20 in row order;
- q5: the number of rows with 城市 = 杭州市 and 行业类别 = 餐饮服务;
- and, for our own goals: a plain 100-row page, and pages in row order at a fifth of the rows
  and just before the end (1,000,000 and 4,900,000 of 5 million).

Ties in q1's sort are broken by row order, as every system here does (our `_row_id`,
PostgreSQL's `_id`, SQLite's rowid are all the file's row order). Rows are named by 记录编号,
which the generator numbers from 1 in file order.
"""

from __future__ import annotations

import csv
import json
from array import array
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ID = "记录编号"
STATUS, ACTIVE = "经营状态", "正常"
SORT = "数量"
CITY, HANGZHOU = "城市", "杭州市"
CATEGORY, CATERING = "行业类别", "餐饮服务"
REMARK, WORD = "备注", "管理"
AVERAGED = "数值"
PAGE = 100
Q4_PAGE = 20

#: the labels of the timed questions, in the order the report lists them
Q1 = "q1 filter + sort, first 100"
Q2 = "q2 the same at a deep offset"
Q2_CURSOR = "q2 by cursor (keyset)"
Q3 = "q3 group by, count/sum/avg"
Q4 = "q4 substring count + first 20"
Q5 = "q5 two-filter count"
FIRST_PAGE = "100-row page"
DEEP_PAGE = "row order, cursor at depth 1/5"
DEEPEST_PAGE = "row order, cursor near the end"
QUESTIONS = (Q1, Q2, Q2_CURSOR, Q3, Q4, Q5, FIRST_PAGE, DEEP_PAGE, DEEPEST_PAGE)
#: in the answers: the row just before q2's page in q1's order ({"id", "value"}), where a
#: keyset page (a cursor, Datasette's `_next`) starts after
BEFORE_DEEP = "before the deep page"


@dataclass(frozen=True)
class Plan:
    """The depths that scale with the file: for 5,000,000 rows, q2's offset is 1,000,000 and
    the deepest row-order page starts at 4,900,000."""

    rows: int

    @property
    def deep(self) -> int:
        return self.rows // 5

    @property
    def deepest(self) -> int:
        return self.rows - self.rows // 50


@dataclass
class Answer:
    """What a system answered, reduced to what the check compares: row ids in order, the
    total, and per-group values (q3)."""

    ids: list[int] | None = None
    total: int | None = None
    groups: dict[str, tuple[int, float, float]] | None = None
    #: q1's sort key of each row, for a system that does not break ties by row order
    sort_values: list[int] | None = None


class _Tally:
    """One pass over the rows collecting what every question needs."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.by_sort: dict[int, array] = {}
        self.groups: dict[str, list] = {}
        self.remark_total = 0
        self.remark_ids: list[int] = []
        self.pair_total = 0
        self.row_ids: dict[int, int] = {}
        self.wanted = _wanted_positions(plan)
        self.rows = 0

    def add(self, row: dict[str, str]) -> None:
        row_id = int(row[ID])
        if self.rows in self.wanted:
            self.row_ids[self.rows] = row_id
        self.rows += 1
        if row[STATUS] == ACTIVE:
            self.by_sort.setdefault(int(row[SORT]), array("q")).append(row_id)
        group = self.groups.setdefault(row[CITY], [0, 0, Decimal(0)])
        group[0] += 1
        group[1] += int(row[SORT])
        group[2] += Decimal(row[AVERAGED])
        if WORD in row[REMARK]:
            self.remark_total += 1
            if len(self.remark_ids) < Q4_PAGE:
                self.remark_ids.append(row_id)
        if row[CITY] == HANGZHOU and row[CATEGORY] == CATERING:
            self.pair_total += 1

    def sort_value_at(self, position: int) -> int:
        """The 数量 of the row at `position` of the q1 order."""
        skipped = 0
        for value in sorted(self.by_sort, reverse=True):
            skipped += len(self.by_sort[value])
            if skipped > position:
                return value
        raise IndexError(position)

    def sorted_slice(self, start: int, count: int) -> list[int]:
        """Positions start … start+count of the q1 order (数量 descending, then row order)."""
        found: list[int] = []
        skipped = 0
        for value in sorted(self.by_sort, reverse=True):
            bucket = self.by_sort[value]
            if skipped + len(bucket) <= start:
                skipped += len(bucket)
                continue
            begin = max(start - skipped, 0)
            found += bucket[begin : begin + count - len(found)]
            skipped += len(bucket)
            if len(found) == count:
                break
        return found

    def result(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "rows": self.rows,
            Q1: {
                "total": sum(len(b) for b in self.by_sort.values()),
                "ids": self.q1_ids(0),
                "values": [self.sort_value_at(p) for p in range(PAGE)],
            },
            Q2: {"ids": self.q1_ids(plan.deep)},
            Q2_CURSOR: {"ids": self.q1_ids(plan.deep)},
            BEFORE_DEEP: {
                "id": self.sorted_slice(plan.deep - 1, 1)[0],
                "value": self.sort_value_at(plan.deep - 1),
            },
            Q3: {
                city: [count, total, str(amount / count)]
                for city, (count, total, amount) in sorted(self.groups.items())
            },
            Q4: {"total": self.remark_total, "ids": self.remark_ids},
            Q5: {"total": self.pair_total},
            FIRST_PAGE: {"ids": self._ids_from(0)},
            DEEP_PAGE: {"ids": self._ids_from(plan.deep)},
            DEEPEST_PAGE: {"ids": self._ids_from(plan.deepest)},
        }

    def q1_ids(self, start: int) -> list[int]:
        return self.sorted_slice(start, PAGE)

    def _ids_from(self, start: int) -> list[int]:
        positions = range(start, min(start + PAGE, self.rows))
        return [self.row_ids[p] for p in positions]


def _wanted_positions(plan: Plan) -> set[int]:
    return {p for start in (0, plan.deep, plan.deepest) for p in range(start, start + PAGE)}


def compute_reference(path: Path, plan: Plan) -> dict[str, Any]:
    """The right answers, from the CSV file read with Python's csv module (nothing shared with
    the systems measured)."""
    tally = _Tally(plan)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            tally.add(row)
    return tally.result()


def reference(path: Path, plan: Plan, cache: Path | None = None) -> dict[str, Any]:
    """The right answers, kept in `cache` (a JSON file) for the same file and plan: on 5
    million rows the csv pass takes about a minute."""
    stamp = {"size": path.stat().st_size, "mtime": path.stat().st_mtime, "rows": plan.rows}
    if cache is not None and cache.exists():
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("stamp") == stamp:
            return kept["answers"]
    answers = compute_reference(path, plan)
    if cache is not None:
        cache.write_text(json.dumps({"stamp": stamp, "answers": answers}), encoding="utf-8")
    return answers


def problem(question: str, answer: Answer, expected: dict[str, Any]) -> str | None:
    """What is wrong with `answer` to `question`, in words; None when it is right. An answer
    carrying `sort_values` comes from a system whose order among equal sort keys is its own
    (Datasette's first sorted page has no tie-breaker): its rows must then have the right
    sort keys, in order, rather than be the very same rows."""
    if question == Q3:
        return _group_problem(answer.groups, expected[Q3])
    wanted = expected[question]
    if "total" in wanted and answer.total != wanted["total"]:
        return f"total {answer.total}, expected {wanted['total']}"
    if "ids" in wanted and answer.ids != wanted["ids"]:
        if answer.sort_values is not None and "values" in wanted:
            return _ties_problem(answer, wanted)
        shown = (answer.ids or [])[:5]
        return f"rows {shown}…, expected {wanted['ids'][:5]}…"
    return None


def _ties_problem(answer: Answer, wanted: dict[str, Any]) -> str | None:
    if answer.sort_values != wanted["values"] or len(set(answer.ids or [])) != PAGE:
        return f"sort keys {(answer.sort_values or [])[:5]}…, expected {wanted['values'][:5]}…"
    return None


def _group_problem(found: dict | None, wanted: dict[str, list]) -> str | None:
    if not found or sorted(found) != sorted(wanted):
        return f"groups {sorted(found or {})}, expected {sorted(wanted)}"
    for city, (count, total, average) in wanted.items():
        got = found[city]
        if got[0] != count or round(got[1]) != total:
            return f"{city}: count/sum {got[:2]}, expected {[count, total]}"
        if abs(got[2] - float(average)) > 1e-6 * abs(float(average)):
            return f"{city}: average {got[2]}, expected {average}"
    return None
