"""The round trip of tabular data: a GB18030 CSV and a multi-sheet workbook are uploaded through
the publisher's service, ingested, published, previewed and downloaded back in every format,
and every cell is compared with what the platform should hold.

    .venv/bin/python bench/datastore/roundtrip.py --rows 1000000 --workdir var/bench-roundtrip

The files are generated from a seed, in blocks of BLOCK rows each with its own random stream,
so the expected rows are made again, block by block, for each comparison: memory stays bounded
at any size. Each row is made as typed values first (what the platform should hold: int,
Decimal with the column's scale, float, date, datetime, bool, str, None) and written in the
file from them, so the file and the expectation cannot drift apart.

Each surface is read back as a client would and compared exactly, by the documented rules of
that surface: the rows API (JSON, every page through the cursor), the preview page and its htmx
fragment (the first page of rows, as shown), the original file (byte for byte) and each export
(CSV with BOM, UTF-8 and GB18030 — text cells starting with = + - @ carry a leading ', numbers
and dates in canonical text; JSON; XML with xsi:nil for nulls; XLSX read with python-calamine —
text as text, dates as Excel dates, numbers Excel's writer cannot hold exactly as text; Parquet
read with DuckDB, typed as stored). A cell matches only when its type and value are the same.

`check_round_trip` is what the test suite calls (src/kaifang/datastore/tests/test_round_trip.py);
`run_round_trip` is the benchmark's: it runs the whole trip in a fresh process whose
KAIFANG_HOME is a temporary folder (SQLite, the Huey queue drained step by step as a worker
would) and returns the time of each step and the number of mismatches.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import html
import json
import logging
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

SEED = 20261126
BLOCK = 10_000
PREVIEW_ROWS = 20
API_PAGE = 10_000
EXACT_INTEGER = 2**53
XLSX_DIGITS = 15

# --- vocabulary ---------------------------------------------------------------------------------

CITIES = {
    "杭州市": ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区"),
    "宁波市": ("海曙区", "江北区", "北仑区", "鄞州区", "余姚市", "慈溪市"),
    "温州市": ("鹿城区", "龙湾区", "瓯海区", "瑞安市", "乐清市", "永嘉县"),
    "丽水市": ("莲都区", "龙泉市", "青田县", "缙云县", "遂昌县", "景宁畲族自治县"),
    "衢州市": ("柯城区", "衢江区", "江山市", "常山县", "开化县", "龙游县"),
}
CENTRES = {
    "杭州市": (120_160_000, 30_270_000),
    "宁波市": (121_550_000, 29_870_000),
    "温州市": (120_700_000, 28_000_000),
    "丽水市": (119_920_000, 28_450_000),
    "衢州市": (118_870_000, 28_940_000),
}
CITY_NAMES = tuple(CITIES)
WORDS = (
    "市场", "监督", "管理", "服务", "登记", "许可", "检查", "合格", "整改", "备案", "年度",
    "报告", "企业", "经营", "范围", "变更", "公示", "生态", "环境", "绿色", "数字", "科技",
)  # fmt: skip
#: characters GB18030 encodes and GBK does not: CJK extensions A, B, D and E, a late addition
#: to the unified block (U+9FCF) and an emoji
RARE = ("𠀀", "䶮", "𪚥", "㐀", "䲜", "𫟅", "鿏", "𬌗", "😀")
ROADS = ("文三路", "解放路", "中山路", "人民大道", "钱江路", "学院路")
FORMULAS = ("=SUM(A1:A3)", "-3号楼", "+86 571 8888 1234", "@所有人 请注意", "=1+2", "-")
STATUSES = ("存续", "在业", "注销", "迁出")

# --- the tables: fields and rows ----------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """One table the platform should hold once the upload is ingested: its sheet ("" for a
    CSV), its fields as (id, type), its row count, and how to make its rows again."""

    sheet: str
    fields: tuple[tuple[str, str], ...]
    rows: int
    make: Callable[[], Iterator[tuple]] = field(compare=False, repr=False)

    @property
    def ids(self) -> list[str]:
        return [name for name, _kind in self.fields]

    @property
    def kinds(self) -> list[str]:
        return [kind for _name, kind in self.fields]


def expected_rows(expectation: Expectation) -> Iterator[tuple]:
    """The rows the platform should hold, in file order, as typed Python values."""
    return expectation.make()


CSV_FIELDS = (
    ("记录编号", "integer"),
    ("档案编号", "text"),
    ("登记日期", "date"),
    ("更新时间", "datetime"),
    ("城市", "text"),
    ("单位名称", "text"),
    ("地址", "text"),
    ("备注", "text"),
    ("公式文本", "text"),
    ("是否有效", "text"),
    ("启用", "boolean"),
    ("数量", "integer"),
    ("许可证号", "integer"),
    ("金额(元)", "decimal"),
    ("比率", "float"),
    ("经度", "decimal"),
    ("纬度", "decimal"),
)
CSV_KINDS = tuple(kind for _name, kind in CSV_FIELDS)
DAY0 = dt.date(2012, 1, 1)
MOMENT0 = dt.datetime(2015, 1, 1)
MIDNIGHT = dt.time()


def _blocks(rows: int, seed: int, tag: str, make_row) -> Iterator:
    """`make_row(rng, number)` for rows 0…rows-1; each block of BLOCK rows has its own random
    stream, named by the seed, `tag` and the block, so any block can be made again alone."""
    for start in range(0, rows, BLOCK):
        rng = random.Random(f"{seed}:{tag}:{start // BLOCK}")
        for number in range(start, min(start + BLOCK, rows)):
            yield make_row(rng, number)


def _pick(rng: random.Random, choices: tuple):
    """rng.choice, three times faster (the files reach millions of rows)."""
    return choices[int(rng.random() * len(choices))]


def _maybe(rng: random.Random, share: float, value):
    return None if rng.random() < share else value


def _phrase(rng: random.Random, words: int) -> str:
    return "".join([_pick(rng, WORDS) for _ in range(words)])


def _remark(rng: random.Random) -> str | None:
    """Short, long, missing and awkward remarks: quotes, commas, line breaks, spaces."""
    pick = rng.random()
    if pick < 0.2:
        return None
    if pick < 0.3:
        return "，".join(_phrase(rng, rng.randint(3, 6)) for _ in range(rng.randint(8, 20))) + "。"
    if pick < 0.31:
        return f"第一行：{_phrase(rng, 2)}\n第二行：{_phrase(rng, 2)}"
    if pick < 0.32:
        return f'含“中文引号”与"英文引号"，以及,逗号；{_phrase(rng, 2)}'
    if pick < 0.33:
        return f"全角　空格与  两个空格 {_pick(rng, RARE)}"
    if pick < 0.34:
        return f"{_phrase(rng, 2)}、《{_phrase(rng, 1)}》…—{_pick(rng, RARE)}"
    if pick < 0.345:
        return f"  {_phrase(rng, 2)}（前后有空格） "
    return _phrase(rng, rng.randint(2, 5))


def _csv_values(rng: random.Random, number: int) -> tuple:
    """One row of the CSV as typed values (CSV_FIELDS order)."""
    city = _pick(rng, CITY_NAMES)
    district = _pick(rng, CITIES[city])
    lng, lat = CENTRES[city]
    rare = _pick(rng, RARE) if rng.random() < 0.15 else ""
    cents = rng.randint(-(10**8), 10**10)
    return (
        number + 1,
        f"0{rng.randrange(10**7):07d}",
        _maybe(rng, 0.02, DAY0 + dt.timedelta(days=rng.randrange(5000))),
        _moment(rng, number),
        city,
        f"{city}{rare}{_phrase(rng, 2)}有限公司",
        f"{city}{district}「{_pick(rng, ROADS)}」{rng.randint(1, 999)}号、"
        f"{rng.randint(1, 30)}幢，{rng.randint(101, 2808)}室；",
        _remark(rng),
        _maybe(rng, 0.05, _pick(rng, FORMULAS) if rng.random() < 0.3 else _phrase(rng, 3)),
        "是" if rng.random() < 0.5 else "否",
        _maybe(rng, 0.05, rng.random() < 0.7),
        _maybe(rng, 0.05, rng.randint(-500, 5000)),
        330100000000000000 + rng.randrange(10**14) if rng.random() < 0.5 else rng.randrange(10**6),
        Decimal(cents).scaleb(-2),
        _ratio(rng, number),
        Decimal(lng + rng.randint(-80_000, 80_000)).scaleb(-6),
        Decimal(lat + rng.randint(-60_000, 60_000)).scaleb(-6),
    )


def _moment(rng: random.Random, number: int) -> dt.datetime | None:
    """A date-time, now and then missing; the first is at midnight, written as a date alone."""
    if number == 0:
        return MOMENT0 + dt.timedelta(days=rng.randrange(3000))
    return _maybe(rng, 0.02, MOMENT0 + dt.timedelta(seconds=rng.randrange(3 * 10**8)))


def _ratio(rng: random.Random, number: int) -> float:
    """Floats: most with 16 or 17 significant digits (the first is 0.1 + 0.2), every tenth
    small enough for exponent form (Python's shortest form writes 1.5e-07), half of those
    negative."""
    if number == 0:
        return 0.1 + 0.2
    if number % 10 == 5:
        return float(f"{_pick(rng, (-1, 1)) * rng.randint(1, 9999)}e-{rng.randint(8, 15)}")
    return 0.001 + rng.random() * 100


def _csv_cells(number: int, values: tuple) -> list[str]:
    """The row as a government system would write it: dates in several common forms, floats
    in Python's shortest form, booleans in any case, nulls as empty fields. The forms follow
    the row number, so the values alone are made for the expectation."""
    return [_csv_text(number, kind, value) for kind, value in zip(CSV_KINDS, values, strict=True)]


def _csv_text(number: int, kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "date":
        if number % 20 == 0:
            return f"{value.year}年{value.month}月{value.day}日"
        return value.strftime("%Y/%m/%d" if number % 20 == 1 else "%Y-%m-%d")
    if kind == "datetime":
        return value.strftime("%Y-%m-%d" if value.time() == MIDNIGHT else "%Y-%m-%d %H:%M:%S")
    if kind == "boolean":
        return ("true", "TRUE", "True")[number % 3] if value else ("false", "FALSE")[number % 2]
    if kind == "float":
        return repr(value)
    return str(value)


def csv_expectation(rows: int, seed: int = SEED) -> Expectation:
    """What the platform should hold for `make_gb18030_csv(path, rows, seed)`."""
    return Expectation("", CSV_FIELDS, rows, lambda: _blocks(rows, seed, "csv", _csv_values))


def make_gb18030_csv(path: Path, rows: int, seed: int = SEED) -> Path:
    """A CSV of `rows` open-data-like rows encoded in GB18030, lines ending in CRLF as Excel
    and most government systems write them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([name for name, _kind in CSV_FIELDS])
        for number, values in enumerate(_blocks(rows, seed, "csv", _csv_values)):
            writer.writerow(_csv_cells(number, values))
    return path


# --- the workbook -------------------------------------------------------------------------------

#: the three kinds of sheet, by their columns; a workbook with more sheets repeats them
SHEET_KINDS = (
    (
        "统计",
        (
            ("统计日期", "date"),
            ("城市", "text"),
            ("区县", "text"),
            ("指标名称", "text"),
            ("数值", "decimal"),
            ("同比(%)", "float"),
            ("户数", "integer"),
            ("达标", "boolean"),
            ("备注", "text"),
        ),
    ),
    (
        "月报",
        (
            ("月份", "date"),
            ("更新时间", "datetime"),
            ("城市", "text"),
            ("事项", "text"),
            ("办件量", "integer"),
            ("合计", "integer"),
            ("满意率", "decimal"),
            ("说明", "text"),
        ),
    ),
    (
        "企业名录",
        (
            ("统一社会信用代码", "text"),
            ("企业名称", "text"),
            ("法定代表人", "text"),
            ("成立日期", "date"),
            ("注册资本(万元)", "decimal"),
            ("电话区号", "text"),
            ("员工人数", "integer"),
            ("经营状态", "text"),
            ("是否高新", "text"),
        ),
    ),
)
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄")


def sheet_names(sheets: int) -> list[str]:
    """2023年统计, 2024年月报, 2025年企业名录, 2026年统计, …"""
    return [f"{2023 + n}年{SHEET_KINDS[n % len(SHEET_KINDS)][0]}" for n in range(sheets)]


def _sheet_row(kind: int, rng: random.Random, number: int) -> tuple:
    """One row of a sheet of `kind`, as typed values. The first row carries every decimal
    column's full scale, so the ingested column has it (its scale is the widest value's)."""
    city = _pick(rng, CITY_NAMES)
    first = number == 0
    if kind == 0:
        cents = rng.randint(-(10**6), 10**7) * 10 + (
            rng.randint(1, 9) if first else rng.randint(0, 9)
        )
        return (
            dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(365)),
            city,
            _pick(rng, CITIES[city]),
            f"{_phrase(rng, 2)}{_pick(rng, RARE) if rng.random() < 0.2 else ''}指数",
            Decimal(cents).scaleb(-2),
            -12.3456789012 if first else round(rng.uniform(-50, 50), 10),
            _maybe(rng, 0.05, rng.randint(0, 90_000)),
            rng.random() < 0.6,
            _maybe(rng, 0.3, _pick(rng, FORMULAS) if rng.random() < 0.2 else _phrase(rng, 3)),
        )
    if kind == 1:
        handled = rng.randint(0, 5000)
        per_mille = rng.randint(800_000, 1_000_000) if not first else 987_654
        return (
            dt.date(2024, rng.randint(1, 12), 1),
            _moment(rng, number),
            city,
            f"{_phrase(rng, 2)}办理",
            handled,
            handled * 2,
            Decimal(per_mille).scaleb(-6),
            _remark(rng),
        )
    capital = rng.randint(1, 10**8) * 10 + (7 if first else rng.randint(0, 9))
    return (
        "91" + "".join(_pick(rng, CODE_CHARS) for _ in range(16)),
        f"{city}{_phrase(rng, 2)}{_pick(rng, RARE) if rng.random() < 0.1 else ''}有限公司",
        _pick(rng, SURNAMES) + _pick(rng, ("䶮", "𠀀", "伟", "芳", "娜", "强", "敏")),
        dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_000)),
        Decimal(capital).scaleb(-4),
        _pick(rng, ("0571", "0574", "0577", "0578", "0570")),
        _maybe(rng, 0.1, rng.randint(1, 20_000)),
        _pick(rng, STATUSES),
        _pick(rng, ("是", "否")),
    )


def _sheet_rows(n: int, rows: int, seed: int) -> Iterator[tuple]:
    kind = n % len(SHEET_KINDS)
    return _blocks(rows, seed, f"sheet{n}", lambda rng, i: _sheet_row(kind, rng, i))


def workbook_expectations(sheets: int, rows_per_sheet: int, seed: int = SEED) -> list[Expectation]:
    """What the platform should hold for `make_workbook(path, sheets, rows_per_sheet, seed)`."""
    return [
        Expectation(
            name,
            SHEET_KINDS[n % len(SHEET_KINDS)][1],
            rows_per_sheet,
            lambda n=n: _sheet_rows(n, rows_per_sheet, seed),
        )
        for n, name in enumerate(sheet_names(sheets))
    ]


def make_workbook(path: Path, sheets: int, rows_per_sheet: int, seed: int = SEED) -> Path:
    """An XLSX with `sheets` sheets of different columns, written with XlsxWriter: dates as
    real Excel dates, numbers as numbers, a formula with its computed value, text as text; the
    企业名录 sheets have a merged title row above the header."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "title": book.add_format({"bold": True, "align": "center"}),
    }
    try:
        for expectation in workbook_expectations(sheets, rows_per_sheet, seed):
            _write_sheet(book, formats, expectation)
    finally:
        book.close()
    return path


def _write_sheet(book, formats: dict, expectation: Expectation) -> None:
    sheet = book.add_worksheet(expectation.sheet)
    top = 0
    if expectation.sheet.endswith(SHEET_KINDS[2][0]):
        title = f"浙江省{expectation.sheet}（截至年底）"
        sheet.merge_range(0, 0, 0, len(expectation.fields) - 1, title, formats["title"])
        top = 1
    for column, name in enumerate(expectation.ids):
        sheet.write_string(top, column, name)
    for number, values in enumerate(expected_rows(expectation)):
        row = top + 1 + number
        for column, (kind, value) in enumerate(zip(expectation.kinds, values, strict=True)):
            _write_value(sheet, formats, row, column, expectation.ids[column], kind, value)


def _write_value(sheet, formats, row: int, column: int, name: str, kind: str, value) -> None:
    if value is None:
        return
    if name == "合计":  # a formula Excel computed: the file holds its result too
        sheet.write_formula(row, column, f"=E{row + 1}*2", None, value)
    elif kind in ("date", "datetime"):
        sheet.write_datetime(row, column, value, formats[kind])
    elif kind == "boolean":
        sheet.write_boolean(row, column, value)
    elif kind == "text":
        sheet.write_string(row, column, value)
    else:
        sheet.write_number(row, column, float(value) if kind == "decimal" else value)


# --- comparing ----------------------------------------------------------------------------------

KEEP = 3  # mismatches kept for the report per surface and sheet
#: text a spreadsheet would run as a formula gets a leading ' in CSV (OWASP's advice)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Mismatch:
    """One difference: where (surface, sheet, 1-based data row — 0 for the table as a whole —
    and column) and what (the value expected and the one found, as that surface carries it)."""

    surface: str
    sheet: str
    row: int
    column: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        row = f"第 {self.row} 行" if self.row else "整表"
        return (
            f"[{self.surface}] {sheet}{row}，列“{self.column}”："
            f"应为 {self.expected!r}，实为 {self.got!r}"
        )


@dataclass
class Report:
    """Every mismatch counted, the first KEEP of each surface and sheet kept; the cells
    compared and the seconds spent on each surface."""

    count: int = 0
    kept: list[Mismatch] = field(default_factory=list)
    cells: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    _per_place: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, mismatch: Mismatch) -> None:
        self.count += 1
        place = (mismatch.surface, mismatch.sheet)
        self._per_place[place] = self._per_place.get(place, 0) + 1
        if self._per_place[place] <= KEEP:
            self.kept.append(mismatch)

    @property
    def ok(self) -> bool:
        return self.count == 0

    def describe(self) -> str:
        """The count per surface and the first mismatches of each."""
        places = self._per_place.items()
        counts = "，".join(f"{s}{'/' + t if t else ''} {n}" for (s, t), n in places)
        return "\n".join(
            [f"共 {self.count} 处不一致（{counts}）：", *(f"  {m}" for m in self.kept)]
        )

    def time(self, surface: str):
        return _Timer(self.seconds, surface)


class _Timer:
    def __init__(self, into: dict[str, float], key: str):
        self.into, self.key = into, key

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        spent = time.perf_counter() - self.started
        self.into[self.key] = self.into.get(self.key, 0.0) + spent


class Unreadable(Exception):
    """A download that cannot be read as its format at all (framing, header, encoding)."""


def same(expected: Any, got: Any) -> bool:
    """Equal in type and in value; decimals in scale too (1.50 is not 1.5), floats in sign
    (-0.0 is not 0.0)."""
    if type(expected) is not type(got):
        return False
    if isinstance(expected, Decimal | float):
        return str(expected) == str(got)
    return expected == got


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


#: each type's canonical text in the CSV and XML exports (ISO 8601, plain decimals, shortest
#: float, true/false)
TO_TEXT: dict[str, Callable[[Any], str]] = {
    "integer": str,
    "decimal": lambda v: format(v, "f"),
    "float": repr,
    "date": dt.date.isoformat,
    "datetime": dt.datetime.isoformat,
    "boolean": lambda v: "true" if v else "false",
    "text": str,
}


def _as_csv(kind: str) -> Callable[[Any], Any]:
    """A value as the CSV export's field: nulls empty, formula-like text quoted."""
    if kind == "text":
        return lambda v: "" if v is None else neutralised(v)
    text = TO_TEXT[kind]
    return lambda v: "" if v is None else text(v)


def _as_xml(kind: str) -> Callable[[Any], Any] | None:
    """A value as an XML element's text; None for the xsi:nil elements of nulls."""
    if kind == "text":
        return None
    text = TO_TEXT[kind]
    return lambda v: None if v is None else text(v)


def _as_json(kind: str) -> Callable[[Any], Any] | None:
    """A value as `json.loads(…, parse_float=Decimal)` reads the JSON export and the rows API:
    numbers with a point as Decimal (floats in their shortest form), dates as ISO text."""
    if kind == "float":
        return lambda v: None if v is None else Decimal(repr(v))
    if kind in ("date", "datetime"):
        return lambda v: None if v is None else v.isoformat()
    return None


def _as_parquet(kind: str) -> None:
    """Parquet holds every value as the platform does."""
    return None


def _as_xlsx(kind: str) -> Callable[[Any], Any] | None:
    """A value as python-calamine reads the XLSX export: numbers as floats, except those the
    writer cannot hold exactly (integers past 2**53, decimals past 15 digits, floats needing
    17), which are text; dates and times as Excel dates; empty cells None."""
    if kind == "integer":
        return lambda v: v if v is None else (float(v) if abs(v) <= EXACT_INTEGER else str(v))
    if kind == "decimal":
        return lambda v: v if v is None else (float(v) if _xlsx_exact(v) else format(v, "f"))
    if kind == "float":
        return lambda v: v if v is None or float(f"{v:.16G}") == v else repr(v)
    if kind == "datetime":  # python-calamine reads a time of exactly midnight as a date
        return lambda v: v.date() if v is not None and v.time() == MIDNIGHT else v
    return None


def _xlsx_exact(value: Decimal) -> bool:
    return len(value.normalize().as_tuple().digits) <= XLSX_DIGITS


def shown(kind: str, value: Any) -> str:
    """A value as the preview table shows it: empty for null, 是/否, dates in ISO form (times
    with a space), decimals and floats from 10,000 up with thousands separators."""
    if value is None:
        return ""
    if kind == "boolean":
        return "是" if value else "否"
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind in ("decimal", "float") and abs(value) >= 10_000:
        return f"{value:,}"
    return value.isoformat() if kind == "date" else str(value)


class Spool:
    """The expected rows of each table made once and kept in pickle files of our own under
    `folder`, so that every surface's comparison reads them back instead of making them again
    (about ten times faster); a pass stopped early leaves no file behind."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: dict[int, Path] = {}  # by the expectation's id: each makes its own rows

    def rows(self, expectation: Expectation) -> Iterator[tuple]:
        path = self.paths.get(id(expectation))
        if path is not None:
            yield from self._read(path)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.paths)}.pickle"
        partial = path.with_suffix(".partial")
        block: list[tuple] = []
        with partial.open("wb") as handle:
            for row in expected_rows(expectation):
                block.append(row)
                if len(block) == BLOCK:
                    pickle.dump(block, handle, protocol=5)
                    yield from block
                    block = []
            pickle.dump(block, handle, protocol=5)
            yield from block
        partial.replace(path)
        self.paths[id(expectation)] = path

    @staticmethod
    def _read(path: Path) -> Iterator[tuple]:
        with path.open("rb") as handle:
            while True:
                try:
                    block = pickle.load(handle)  # noqa: S301 - a file this object wrote
                except EOFError:
                    return
                yield from block


def compare(
    report: Report,
    surface: str,
    expectation: Expectation,
    expected: Iterable[tuple],
    found: Iterable[list],
    represent: Callable[[str], Callable[[Any], Any] | None],
) -> None:
    """Compare every row found with the expected one, as `represent` says the surface carries
    each type (None: as the platform holds it); a row equal in values and types passes at
    once, others are compared cell by cell. A surface that cannot be read further is one
    mismatch naming why."""
    changing = [(i, represent(kind)) for i, kind in enumerate(expectation.kinds)]
    changing = [(i, convert) for i, convert in changing if convert is not None]
    exact = [i for i, kind in enumerate(expectation.kinds) if kind in ("decimal", "float")]
    expected, found = iter(expected), iter(found)
    number = 0
    try:
        for number, values in enumerate(expected, 1):
            got = next(found, None)
            if got is None:
                more = 1 + sum(1 for _ in expected)
                _row_count(report, surface, expectation, number - 1 + more, number - 1)
                return
            want = list(values)
            for i, convert in changing:
                want[i] = convert(want[i])
            if (
                got == want
                and list(map(type, got)) == list(map(type, want))
                and all(str(got[i]) == str(want[i]) for i in exact)
            ):
                continue
            _cells(report, surface, expectation, number, want, got)
        extra = sum(1 for _ in found)
    except (Unreadable, UnicodeDecodeError, ValueError, csv.Error) as exc:
        report.add(Mismatch(surface, expectation.sheet, number, "（格式）", "可读", str(exc)[:300]))
        return
    finally:
        report.cells[surface] = report.cells.get(surface, 0) + number * len(expectation.fields)
    if extra:
        _row_count(report, surface, expectation, number, number + extra)


def _row_count(report: Report, surface: str, expectation: Expectation, want: int, got: int):
    report.add(Mismatch(surface, expectation.sheet, 0, "（行数）", want, got))


def _cells(report, surface, expectation, number: int, want: list, got: list) -> None:
    if len(got) != len(want):
        report.add(Mismatch(surface, expectation.sheet, number, "（列数）", len(want), len(got)))
        return
    for name, expected, found in zip(expectation.ids, want, got, strict=True):
        if not same(expected, found):
            report.add(Mismatch(surface, expectation.sheet, number, name, expected, found))


# --- reading each surface back ------------------------------------------------------------------

#: export key → the download's query, the codec of a CSV and the charset its type must declare
EXPORTS = {
    "csv": ({}, "utf-8-sig", "charset=utf-8"),
    "csv-utf-8": ({"encoding": "utf-8"}, "utf-8", "charset=utf-8"),
    "csv-gb18030": ({"encoding": "gb18030"}, "gb18030", "charset=gb18030"),
    "json": ({}, None, None),
    "xml": ({}, None, None),
    "xlsx": ({}, None, None),
    "parquet": ({}, None, None),
}
PARQUET_TYPES = {
    "integer": "BIGINT",
    "decimal": "DECIMAL",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "text": "VARCHAR",
}
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def read_csv(path: Path, codec: str, expectation: Expectation) -> Iterator[list[str]]:
    """The data rows of a CSV export, decoded strictly; the header must be the field ids
    (neutralised like any text) and only the default export starts with a byte-order mark."""
    with path.open("rb") as raw:
        bom = raw.read(3) == b"\xef\xbb\xbf"
    if bom != (codec == "utf-8-sig"):
        raise Unreadable("字节顺序标记（BOM）" + ("缺失" if codec == "utf-8-sig" else "多余"))
    with path.open(encoding=codec, errors="strict", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header != [neutralised(name) for name in expectation.ids]:
            raise Unreadable(f"表头为 {header!r}")
        yield from rows


def read_json(path: Path, expectation: Expectation) -> Iterator[list]:
    """The rows of the JSON export, one object a line as it writes them; the framing (the
    array's brackets, a comma after every object but the last) and each object's keys (the
    field ids, in order) are checked as they go."""
    with path.open(encoding="utf-8", newline="\n") as handle:
        if handle.readline() != "[\n":
            raise Unreadable("JSON 应以“[”开头")
        comma = None
        for line in handle:
            if line == "]\n":
                if comma:
                    raise Unreadable("JSON 最后一个对象后多了逗号")
                if handle.read():
                    raise Unreadable("JSON 数组后还有内容")
                return
            if comma is False:
                raise Unreadable("JSON 对象之间缺少逗号")
            comma = line.endswith(",\n")
            pairs = json.loads(line.removesuffix("\n").removesuffix(","), **_JSON_NUMBERS)
            if [key for key, _value in pairs] != expectation.ids:
                raise Unreadable(f"JSON 对象的键为 {[key for key, _value in pairs]!r}")
            yield [value for _key, value in pairs]
        raise Unreadable("JSON 缺少结尾的“]”")


_JSON_NUMBERS = {"parse_float": Decimal, "object_pairs_hook": list}


def read_xml(path: Path, expectation: Expectation) -> Iterator[list]:
    """The rows of the XML export, parsed as a stream with expat (namespaces resolved, a DTD
    refused: the export has none); each `<row>` must hold one element per field, named by
    its id or carrying it in `name`; `xsi:nil="true"` is a null."""
    import pyexpat

    rows = _XmlRows(expectation.ids)
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = rows.start, rows.end
    parser.CharacterDataHandler, parser.StartDoctypeDeclHandler = rows.text, rows.refuse
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            parser.Parse(chunk, False)
            yield from rows.take()
        parser.Parse(b"", True)
    yield from rows.take()


class _XmlRows:
    """expat's handlers for the export's three levels: <rows>, <row>, one element a cell."""

    def __init__(self, ids: list[str]):
        self.ids, self.depth, self.done = ids, 0, []
        self.names: list[str] = []
        self.cells: list = []
        self.text_parts: list[str] | None = None

    def start(self, name: str, attrs: dict) -> None:
        self.depth += 1
        if name != {1: "rows", 2: "row"}.get(self.depth, name):
            raise Unreadable(f"XML 第 {self.depth} 层元素为 <{name}>")
        if self.depth == 2:
            self.names, self.cells = [], []
        elif self.depth == 3:
            self.names.append(attrs.get("name", name))
            self.text_parts = None if attrs.get(f"{XSI} nil") == "true" else []
        elif self.depth > 3:
            raise Unreadable(f"XML 单元格 <{self.names[-1]}> 中有元素 <{name}>")

    def text(self, data: str) -> None:
        if self.depth == 3:
            if self.text_parts is None:
                raise Unreadable(f"XML 空值单元格 <{self.names[-1]}> 中有文字")
            self.text_parts.append(data)
        elif data.strip():
            raise Unreadable(f"XML 第 {self.depth} 层有文字 {data[:20]!r}")

    def end(self, name: str) -> None:
        if self.depth == 3:
            parts = self.text_parts
            self.cells.append(None if parts is None else "".join(parts))
        elif self.depth == 2:
            if self.names != self.ids:
                raise Unreadable(f"XML 行的元素为 {self.names!r}")
            self.done.append(self.cells)
        self.depth -= 1

    def refuse(self, *args) -> None:
        raise Unreadable("XML 不应有 DTD")

    def take(self) -> list[list]:
        done, self.done = self.done, []
        return done


def read_xlsx(path: Path, expectation: Expectation) -> Iterator[list]:
    """The rows of the XLSX export read with python-calamine, sheet after sheet (a table
    longer than Excel's limit goes on in more sheets, each with the header)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    title = expectation.sheet or "数据"
    if book.sheet_names[:1] != [title]:
        raise Unreadable(f"工作表为 {book.sheet_names!r}，应以“{title}”开头")
    width = len(expectation.ids)
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).iter_rows()
        header = next(rows, None)
        if header != expectation.ids:
            raise Unreadable(f"工作表“{name}”的表头为 {header!r}")
        for row in rows:
            cells = [None if value == "" else value for value in row]
            yield cells + [None] * (width - len(cells))


def read_parquet(path: Path, report: Report, expectation: Expectation) -> Iterator[list]:
    """The rows of the Parquet export read with DuckDB, typed as stored; each column's name
    and type are checked first."""
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        source = "SELECT * FROM read_parquet(?)"
        described = con.execute(f"DESCRIBE {source}", [str(path)]).fetchall()
        columns = [(name, kind) for name, kind, *_rest in described]
        wanted = [(name, PARQUET_TYPES[kind]) for name, kind in expectation.fields]
        if [name for name, _kind in columns] != expectation.ids:
            raise Unreadable(f"Parquet 的列为 {[name for name, _kind in columns]!r}")
        for (name, kind), (_name, found) in zip(wanted, columns, strict=True):
            if not found.startswith(kind):
                report.add(Mismatch("parquet", expectation.sheet, 0, name, kind, found))
        cursor = con.execute(source, [str(path)])
        while batch := cursor.fetchmany(BLOCK):
            for row in batch:
                yield list(row)
    finally:
        con.close()


def api_rows(client, resource_id, report: Report, expectation: Expectation) -> Iterator[list]:
    """Every record of the rows API, page after page through the cursor; the fields it
    declares (ids and types) and its total are checked on the first page."""
    url = f"/api/v1/resources/{resource_id}/rows"
    query: dict[str, Any] = {"limit": API_PAGE}
    if expectation.sheet:
        query["sheet"] = expectation.sheet
    for page in range(expectation.rows // API_PAGE + 2):
        response = client.get(url, query)
        if response.status_code != 200:
            raise Unreadable(f"HTTP {response.status_code}：{response.content[:200]!r}")
        body = json.loads(response.content, parse_float=Decimal)
        if page == 0:
            _check_api_fields(report, expectation, body)
        for record in body["records"]:
            if list(record) != expectation.ids:
                raise Unreadable(f"记录的键为 {list(record)!r}")
            yield list(record.values())
        if not body["next"]:
            return
        query["cursor"] = body["next"]
    raise Unreadable("翻页次数超过行数所需")


def _check_api_fields(report: Report, expectation: Expectation, body: dict) -> None:
    declared = {f["id"]: f["type"] for f in body["fields"]}
    for name, kind in expectation.fields:
        if declared.get(name) != kind:
            report.add(Mismatch("rows API", expectation.sheet, 0, name, kind, declared.get(name)))
    if body["total"] != expectation.rows:
        found = body["total"]
        report.add(Mismatch("rows API", expectation.sheet, 0, "total", expectation.rows, found))


# --- the preview --------------------------------------------------------------------------------

_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_HEAD = re.compile(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]*)')


def preview_grid(page: str, table_id) -> tuple[list[str], list[list[str]], str]:
    """The column labels, the body cells (unescaped, exactly as shown) and the caption of the
    preview table of `table_id` in a page or fragment."""
    if f'id="grid-{table_id}"' not in page:
        raise Unreadable(f"页面中没有数据表 {table_id} 的预览")
    grid = page.split(f'id="grid-{table_id}"', 1)[1].split("</table>", 1)[0]
    caption = grid.split("<caption", 1)[1].split("</caption>", 1)[0]
    caption = html.unescape(re.sub(r"<[^>]+>", "", "<caption" + caption))
    labels = [html.unescape(label) for label in _HEAD.findall(grid)]
    body = grid.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [[html.unescape(cell) for cell in _CELL.findall(row)] for row in _ROW.findall(body)]
    return labels, rows, " ".join(caption.split())


def check_preview(client, report: Report, url: str, table_id, expectation, **headers) -> None:
    """The preview at `url` shows the table's headers, its first PREVIEW_ROWS rows as the
    table renders values, and its row count."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    surface = "预览片段" if headers else ("数据集页" if "/datasets/" in url else "预览页")
    query = {} if "/datasets/" in url else {"table": str(table_id)}
    response = client.get(url, query, **headers)
    try:
        if response.status_code != 200:
            raise Unreadable(f"HTTP {response.status_code}")
        labels, rows, caption = preview_grid(response.content.decode("utf-8"), table_id)
    except (Unreadable, UnicodeDecodeError) as exc:
        report.add(Mismatch(surface, expectation.sheet, 0, "（页面）", "预览", str(exc)))
        return
    if labels != expectation.ids:
        report.add(Mismatch(surface, expectation.sheet, 0, "（表头）", expectation.ids, labels))
    total = f"共 {intcomma(expectation.rows)} 行"  # grouped as the active language groups
    if total not in caption:
        report.add(Mismatch(surface, expectation.sheet, 0, "（标题）", total, caption))
    first = islice(expected_rows(expectation), PREVIEW_ROWS)
    compare(report, surface, expectation, first, rows, lambda kind: partial(shown, kind))


# --- downloads ----------------------------------------------------------------------------------


def download(client, url: str, query: dict, target: Path, settle: Callable[[], None]):
    """GET `url` into the file `target`, streamed; an export not made yet (202) is made by
    `settle` (the queue's worker) and asked for again. Returns the response and the sha256."""
    response = client.get(url, query)
    if response.status_code == 202:
        settle()
        response = client.get(url, query)
    if response.status_code != 200:
        raise Unreadable(f"{url} 答复 HTTP {response.status_code}")
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        chunks = response.streaming_content if response.streaming else [response.content]
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
    if int(response["Content-Length"]) != target.stat().st_size:
        raise Unreadable(f"Content-Length {response['Content-Length']} ≠ {target.stat().st_size}")
    return response, digest.hexdigest()


def check_original(client, report: Report, resource, original: Path, folder: Path) -> None:
    """The original file downloads byte for byte as uploaded."""
    target = folder / f"original{original.suffix}"
    try:
        download(client, f"/resources/{resource.pk}/download", {}, target, lambda: None)
    except Unreadable as exc:
        report.add(Mismatch("原始文件", "", 0, "（下载）", "200", str(exc)))
        return
    offset = _first_difference(original, target)
    if offset is not None:
        report.add(Mismatch("原始文件", "", 0, f"第 {offset + 1} 字节", "与上传相同", "不同"))
    target.unlink()


def _first_difference(a: Path, b: Path) -> int | None:
    with a.open("rb") as left, b.open("rb") as right:
        offset = 0
        while True:
            x, y = left.read(1 << 20), right.read(1 << 20)
            if x != y:
                pairs = enumerate(zip(x, y, strict=False))
                return offset + next((i for i, (p, q) in pairs if p != q), min(len(x), len(y)))
            if not x:
                return None
            offset += len(x)


def check_export(client, report, spool, resource, expectation, key: str, folder, settle) -> None:
    """Download export `key` of the table through its public address, check its headers,
    read it back and compare every cell."""
    query, codec, charset = EXPORTS[key]
    query = {**query, **({"sheet": expectation.sheet} if expectation.sheet else {})}
    fmt = key.split("-", 1)[0]
    target = folder / f"export-{key}.{fmt}"
    try:
        response, sha256 = download(
            client, f"/resources/{resource.pk}/export.{fmt}", query, target, settle
        )
        if response["ETag"] != f'"{sha256}"':
            raise Unreadable(f"ETag {response['ETag']} 与内容的 sha256 {sha256} 不符")
        if charset and charset not in response["Content-Type"]:
            raise Unreadable(f"Content-Type {response['Content-Type']} 未声明 {charset}")
    except Unreadable as exc:
        report.add(Mismatch(key, expectation.sheet, 0, "（下载）", "200", str(exc)))
        return
    rows = spool.rows(expectation)
    if key.startswith("csv"):
        compare(report, key, expectation, rows, read_csv(target, codec, expectation), _as_csv)
    elif key == "json":
        compare(report, key, expectation, rows, read_json(target, expectation), _as_json)
    elif key == "xml":
        compare(report, key, expectation, rows, read_xml(target, expectation), _as_xml)
    elif key == "xlsx":
        compare(report, key, expectation, rows, read_xlsx(target, expectation), _as_xlsx)
    else:
        found = read_parquet(target, report, expectation)
        compare(report, key, expectation, rows, found, _as_parquet)
    target.unlink()


# --- the whole trip -----------------------------------------------------------------------------


def check_round_trip(
    client,
    resource,
    expectations: list[Expectation],
    *,
    original: Path,
    workdir: Path,
    settle: Callable[[], None] = lambda: None,
) -> Report:
    """Read `resource` back from every surface as `client` (a Django test client) and compare
    it with `expectations` (one per table, in sheet order). `settle` runs what a download
    queued (the exports made on first request); with an immediate queue there is nothing to do.
    """
    from kaifang.datastore.models import DatastoreTable

    report = Report()
    spool = Spool(workdir / "expected")
    folder = workdir / "downloads"
    resource.refresh_from_db()
    tables = list(
        DatastoreTable.objects.filter(version_id=resource.current_version_id).order_by("position")
    )
    found = [(t.sheet, t.status, t.row_count) for t in tables]
    wanted = [(e.sheet, "ready", e.rows) for e in expectations]
    if found != wanted:
        report.add(Mismatch("数据表", "", 0, "（工作表、状态、行数）", wanted, found))
        return report
    with report.time("原始文件"):
        check_original(client, report, resource, original, folder)
    with report.time("预览"):
        dataset_page = f"/datasets/{resource.dataset.name}/"
        check_preview(client, report, dataset_page, tables[0].pk, expectations[0])
        for table, expectation in zip(tables, expectations, strict=True):
            url = f"/resources/{resource.pk}/preview"
            check_preview(client, report, url, table.pk, expectation)
            check_preview(client, report, url, table.pk, expectation, HTTP_HX_REQUEST="true")
    for expectation in expectations:
        with report.time("rows API"):
            found_rows = api_rows(client, resource.pk, report, expectation)
            compare(report, "rows API", expectation, spool.rows(expectation), found_rows, _as_json)
        for key in EXPORTS:
            with report.time(key):
                check_export(client, report, spool, resource, expectation, key, folder, settle)
    return report


def upload(user, dataset, path: Path, title: str):
    """Add `path` as a new file resource of `dataset` through the publisher's service (the
    workspace's upload calls the same); its ingest is queued after the commit."""
    from django.core.files import File

    from kaifang.catalog import services as catalog
    from kaifang.core.audit import Actor

    with path.open("rb") as handle:
        resource = catalog.add_resource(
            Actor.for_user(user), dataset, data={"title": title}, upload=File(handle, path.name)
        )
    resource.refresh_from_db()
    return resource


def publish(publisher, reviewer, dataset) -> None:
    """Submit the dataset for review and approve it: its data become public."""
    from kaifang.catalog import services as catalog
    from kaifang.core.audit import Actor

    catalog.submit_for_review(Actor.for_user(publisher), dataset)
    catalog.approve(Actor.for_user(reviewer), dataset)


# --- the benchmark ------------------------------------------------------------------------------

#: settings of the calling process that must not leak into the benchmark's own KAIFANG_HOME
OWN_SETTINGS = ("DATABASE_URL", "KAIFANG_CACHE_URL", "KAIFANG_QUEUE", "KAIFANG_HOME", "SECRET_KEY")
TASK_STEPS = {"ingest_version_task": "ingest", "export_table_task": "export"}


def run_round_trip(
    rows: int,
    workdir: Path,
    *,
    sheets: int = 3,
    sheet_rows: int | None = None,
    seed: int = SEED,
    database_url: str | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """The whole trip with a CSV of `rows` rows and a workbook of `sheets` sheets of
    `sheet_rows` rows (a tenth of `rows` by default), in a fresh Python process whose
    KAIFANG_HOME is a new folder under `workdir`: SQLite there unless `database_url` is given,
    the Huey queue in SQLite and drained task by task as a worker would. The folder is removed
    afterwards unless `keep`.

    Returns {"rows", "sheets", "sheet_rows", "seed", "database", "bytes": {file: size},
    "seconds": {step: seconds}, "cells": {surface: cells compared}, "mismatches": count,
    "first": [the first mismatches, described]}. The steps, for "csv" and for "xlsx":
    generate (the file), upload (the publisher's service storing it), ingest and export (the
    queued tasks: the ingest, then the default downloads), then one "check …" per surface
    (requests, reading back, comparing); the CSV exports made on first request are timed
    apart as "… on demand: export" and also count in their check."""
    workdir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="roundtrip-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
    env.update(
        KAIFANG_HOME=str(home),
        KAIFANG_QUEUE="sqlite",
        KAIFANG_UPLOAD_MAX_BYTES=env.get("KAIFANG_UPLOAD_MAX_BYTES", "4GB"),
        DJANGO_SETTINGS_MODULE="kaifang.config.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    result = home / "result.json"
    sheet_rows = max(1, rows // 10) if sheet_rows is None else sheet_rows
    command = [sys.executable, str(Path(__file__).resolve()), "--here", "--result", str(result)]
    command += ["--rows", str(rows), "--sheets", str(sheets), "--sheet-rows", str(sheet_rows)]
    command += ["--seed", str(seed)]
    try:
        subprocess.run(command, env=env, check=True)  # noqa: S603 - our own script
        return json.loads(result.read_text(encoding="utf-8"))
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


def _trip_here(rows: int, sheets: int, sheet_rows: int, seed: int) -> dict[str, Any]:
    """The trip in this process (started by run_round_trip with its own KAIFANG_HOME)."""
    import django

    django.setup()
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per task run
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    seconds: dict[str, float] = {}
    with _Timer(seconds, "setup: migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    home = Path(settings.MEDIA_ROOT).parent
    publisher, reviewer, department = _people()
    hosts = settings.ALLOWED_HOSTS
    client = Client(HTTP_HOST="localhost" if {"localhost", "*"} & set(hosts) else hosts[0])
    trips = (
        ("csv", "企业登记信息.csv", [csv_expectation(rows, seed)]),
        ("xlsx", "统计报表.xlsx", workbook_expectations(sheets, sheet_rows, seed)),
    )
    reports, sizes = [], {}
    for label, name, expectations in trips:
        path = home / "files" / name
        with _Timer(seconds, f"{label}: generate"):
            if label == "csv":
                make_gb18030_csv(path, rows, seed)
            else:
                make_workbook(path, sheets, sheet_rows, seed)
        sizes[name] = path.stat().st_size
        dataset = _draft(department, label)
        with _Timer(seconds, f"{label}: upload"):
            resource = upload(publisher, dataset, path, name.rsplit(".", 1)[0])
        _drain(seconds, label)
        publish(publisher, reviewer, dataset)
        report = check_round_trip(
            client,
            resource,
            expectations,
            original=path,
            workdir=home / f"check-{label}",
            settle=lambda label=label: _drain(seconds, f"{label} on demand"),
        )
        seconds.update({f"{label}: check {k}": v for k, v in report.seconds.items()})
        reports.append((label, report))
    return {
        "rows": rows,
        "sheets": sheets,
        "sheet_rows": sheet_rows,
        "seed": seed,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "bytes": sizes,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "cells": {f"{label}: {k}": n for label, r in reports for k, n in r.cells.items()},
        "mismatches": sum(r.count for _label, r in reports),
        "first": [f"{label}: {m}" for label, r in reports for m in r.kept],
    }


def _drain(seconds: dict[str, float], label: str) -> None:
    """Run every queued task, as the worker would, timing each kind under `label`."""
    from huey.contrib.djhuey import HUEY

    while (task := HUEY.dequeue()) is not None:
        with _Timer(seconds, f"{label}: {TASK_STEPS.get(task.name, task.name)}"):
            HUEY.execute(task)


def _people():
    """A department with a publisher and a reviewer, named afresh (a PostgreSQL database may
    hold an earlier run's)."""
    from django.contrib.auth import get_user_model

    from kaifang.catalog.tests import factories
    from kaifang.core.models import Region
    from kaifang.core.regions import ensure_regions
    from kaifang.organizations.models import Membership

    ensure_regions()
    tag = os.urandom(4).hex()
    department = factories.make_department(
        Region.objects.get(code="330000"),
        name=f"roundtrip-{tag}",
        title="省大数据发展管理局",
        code=f"11330000RT{int(tag, 16) % 10**8:08d}",
    )
    people = []
    for role in (Membership.Role.PUBLISHER, Membership.Role.REVIEWER):
        user = get_user_model().objects.create_user(
            username=f"rt-{role}-{tag}", password=os.urandom(16).hex()
        )
        Membership.objects.create(user=user, department=department, role=role)
        people.append(user)
    return people[0], people[1], department


def _draft(department, label: str):
    from kaifang.catalog.models import State
    from kaifang.catalog.tests import factories

    tag = os.urandom(4).hex()
    return factories.make_dataset(
        department,
        state=State.DRAFT,
        name=f"roundtrip-{label}-{tag}",
        title=f"往返测试（{label.upper()}）",
        identifier=f"330000{int(tag, 16) % 10**6:06d}/{len(label):06d}",
    )


def render(result: dict[str, Any]) -> str:
    """The result as a short text report."""
    lines = [
        f"CSV {result['rows']:,} 行，工作簿 {result['sheets']} × {result['sheet_rows']:,} 行，"
        f"{result['database']}；文件 "
        + "，".join(f"{name} {size / 1e6:.1f} MB" for name, size in result["bytes"].items()),
        "",
        "| step | seconds |",
        "| --- | ---: |",
        *(f"| {step} | {s:.2f} |" for step, s in result["seconds"].items()),
        "",
        f"cells compared: {sum(result['cells'].values()):,}; mismatches: {result['mismatches']}",
        *result["first"],
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sheets", type=int, default=3)
    parser.add_argument("--sheet-rows", type=int, help="rows per sheet (default: rows / 10)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-roundtrip"))
    parser.add_argument("--database-url", help="PostgreSQL instead of SQLite in the workdir")
    parser.add_argument("--keep", action="store_true", help="keep the KAIFANG_HOME made")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.here:
        result = _trip_here(options.rows, options.sheets, options.sheet_rows, options.seed)
        options.result.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0
    result = run_round_trip(
        options.rows,
        options.workdir,
        sheets=options.sheets,
        sheet_rows=options.sheet_rows,
        seed=options.seed,
        database_url=options.database_url,
        keep=options.keep,
    )
    print(render(result))
    return 0 if result["mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
