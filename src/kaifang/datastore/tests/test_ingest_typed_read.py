"""A CSV read once into typed values — straight into the data file (`write.write_typed`), or
into a staged table (`types.type_staged`) when the privacy stage is to read it — ends exactly
as the rules read it through a text table: same types, scales and precisions, same values, row
for row — whether the sample settled the types or a later row proves it wrong."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaifang.datastore.ingest import pipeline, types, write
from kaifang.datastore.ingest.duck import sql_string
from kaifang.datastore.ingest.pipeline import process
from kaifang.datastore.relation import source_sql

#: values that sit on the edges of the rules: codes with leading zeros, signs, spaces,
#: trailing zeros and dots, scales past MAX_SCALE, integers past 18 digits, impossible dates,
#: dates in every accepted form, date-times with and without seconds or fractions
EDGES = [
    "0",
    "12",
    "-0",
    "+5",
    " 7 ",
    "0571",
    "999999999999999999",
    "1000000000000000000",
    "-999999999999999999",
    "1.5",
    "1.50",
    "-0.5",
    "-0.00",
    "100.0",
    "100.",
    ".5",
    "1e3",
    "3.14159",
    "1.1234567891",
    "123456789012345678.5",
    "2024-01-02",
    "2024/1/2",
    "2024年1月2日",
    "2024.01.02",
    "2024-02-30",
    "0000-01-01",
    "10000-01-01",
    "2024-01-02 08:30:00",
    "2024-01-02T08:30:00",
    "2024-01-02 08:30",
    "2024-01-02 08:30:00.5",
    "2024-01-02 24:00:00",
    "true",
    "FALSE",
    "是",
    "",
    "  ",
    "杭州",
]
CLEAN = {
    "integer": ["1", "-20", "300", "0"],
    "decimal": ["1.25", "-0.5", "30.10", "7"],
    "wide": ["12345678901234567.25", "1.5"],
    "date": ["2024-01-02", "1999-12-31", "2024-02-29"],
    "datetime": ["2024-01-02 08:30:00", "2024-01-02"],
    "boolean": ["true", "false", "TRUE"],
    "float": ["1.5e3", "2", "0.25"],
}
SAMPLE = 4


#: the ways the chain reads a CSV: typed straight into the data file, typed into a staged
#: table (the privacy stage to read it), and by the rules through a text table
WAYS = ("direct", "staged", "rules")


def _read(path: Path, work: Path, *, way: str, monkeypatch) -> tuple[list, list]:
    """The columns (id, type, scale, precision) and rows the chain makes of the CSV."""
    with monkeypatch.context() as patch:
        patch.setattr(types, "SAMPLE_ROWS", SAMPLE)
        if way == "staged":
            patch.setattr(pipeline, "keeps_rows", lambda job, staged: False)
        if way == "rules":
            patch.setattr(types, "_plan", lambda *args: None)
        [table] = process(path, "CSV", work, profile=False)
    assert [p.name for p in work.iterdir()] == [table.parquet.name]  # no partial file left
    con = duckdb.connect()
    with contextlib.closing(con):
        rows = con.execute(f"SELECT * FROM ({source_sql(con, [table.parquet])}) ORDER BY 1")  # noqa: S608
        found = rows.fetchall()
    return [(c.id, str(c.type), c.scale, c.precision) for c in table.columns], found


def _csv(columns: list[list[str]]) -> str:
    lines = [",".join(f"c{i}" for i in range(len(columns)))]
    for row in zip(*columns, strict=True):
        lines.append(",".join(f'"{v}"' for v in row))
    return "\n".join(lines) + "\n"


def _same_both_ways(tmp_path: Path, text: str, monkeypatch) -> tuple[list, list]:
    """What every way of reading makes of the CSV `text`, checked to be the same."""
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    found = []
    for way in WAYS:
        (tmp_path / way).mkdir(exist_ok=True)
        found.append(_read(path, tmp_path / way, way=way, monkeypatch=monkeypatch))
    assert found[0] == found[2] and found[1] == found[2]
    return found[0]


@st.composite
def columns(draw) -> list[str]:
    """A column of 8 values: a clean start of one kind (the sample), then more of the kind
    with one value of anything among them."""
    kind = draw(st.sampled_from(sorted(CLEAN)))
    values = draw(st.lists(st.sampled_from(CLEAN[kind]), min_size=7, max_size=7))
    at = draw(st.integers(SAMPLE, 7))
    return [*values[:at], draw(st.sampled_from(EDGES)), *values[at:]]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(table=st.lists(columns(), min_size=1, max_size=2))
def test_typed_read_equals_the_rules_for_any_values(tmp_path_factory, monkeypatch, table):
    work = tmp_path_factory.mktemp("typed")

    _same_both_ways(work, _csv(table), monkeypatch)


def test_a_code_with_a_leading_zero_in_the_last_row_keeps_the_column_text(tmp_path, monkeypatch):
    values = [str(n) for n in range(1, 3000)] + ["0571"]

    found_columns, rows = _same_both_ways(tmp_path, _csv([values]), monkeypatch)

    assert found_columns == [("c0", "text", 0, 18)]
    assert rows[0] == (0, "1") and rows[-1] == (2999, "0571")


def test_a_wider_scale_after_the_sample_widens_the_decimal(tmp_path, monkeypatch):
    values = ["1.5", "2.25", "3.0", "4.75", "5", "6.125"]

    found_columns, rows = _same_both_ways(tmp_path, _csv([values]), monkeypatch)

    assert found_columns == [("c0", "decimal", 3, 18)]
    assert [r[1] for r in rows] == [
        decimal.Decimal(v).quantize(decimal.Decimal("0.001")) for v in values
    ]


@pytest.mark.both_engines
def test_clean_columns_are_read_once_as_their_sampled_types(
    tmp_path, monkeypatch, datastore_engine
):
    table = [
        ["1", "2", "3", "4", "50", "-6"],
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024/1/6", ""],
        ["1.25", "2.5", "3.75", "4.00", "5.1", " 6.2 "],
        ["2024-01-02 08:30:00"] * 4 + ["2024-01-02 08:30", "2024-01-02"],
    ]
    reads: list[tuple[str, str]] = []
    load_typed, write_typed = types._load_typed, write.write_typed

    def staged_spy(job, staged, planned):
        reads.append(("staged", staged.relation))
        return load_typed(job, staged, planned)

    def direct_spy(job, staged, planned, target):
        reads.append(("direct", staged.relation))
        return write_typed(job, staged, planned, target)

    monkeypatch.setattr(types, "_load_typed", staged_spy)
    monkeypatch.setattr(pipeline, "write_typed", direct_spy)

    found_columns, rows = _same_both_ways(tmp_path, _csv(table), monkeypatch)

    # each typed way read the file once (the rules' read calls neither); Parquet files are
    # written from a staged table whatever the privacy stage does
    direct = [("direct", "raw_0")] if write.one_pass() else [("staged", "raw_0")]
    assert reads == [*direct, ("staged", "raw_0")]
    assert [c[1] for c in found_columns] == ["integer", "date", "decimal", "datetime"]
    assert rows[4] == (
        4,
        50,
        dt.date(2024, 1, 6),
        decimal.Decimal("5.10"),
        dt.datetime(2024, 1, 2, 8, 30),
    )
    assert rows[5][1:3] == (-6, None) and rows[5][3] == decimal.Decimal("6.20")


@pytest.mark.both_engines
@pytest.mark.parametrize("bad", ["0571", "2024-02-30", "1.1234567891"])
def test_a_misfit_after_the_sample_falls_back_to_the_rules(tmp_path, monkeypatch, bad):
    values = ["1", "2", "3", "4", bad]
    if bad.startswith("2024"):
        values = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", bad]
    if "." in bad:
        values = ["1.5", "2.5", "3.5", "4.5", bad]

    found_columns, rows = _same_both_ways(tmp_path, _csv([values]), monkeypatch)

    assert found_columns[0][1] in ("text", "float")
    assert rows[-1][1] in (bad, float(bad) if "." in bad else None)


PLANNED = [
    types.Column("v", "integer"),
    types.Column("v", "decimal", 2, 18),
    types.Column("v", "decimal", 2, 38),
    types.Column("v", "decimal", 6, 18),
    types.Column("v", "float"),
    types.Column("v", "date"),
    types.Column("v", "datetime"),
    types.Column("v", "boolean"),
    types.Column("v", "text"),
]
NUMBERISH = st.from_regex(r"\A[ +-]?[0-9]{0,20}(\.[0-9]{0,12})?([eE][+-]?[0-9]{1,3})? ?\Z")
DATEISH = st.from_regex(
    r"\A[0-9]{1,5}[-/.][0-9]{1,3}[-/.][0-9]{1,3}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?\Z"
)


def _by_the_rules(con, column: types.Column, value: str):
    """What the rules make of one value in a column of that type: "misfit", or its value."""
    v = types._value("v")
    misfit = types._misfit(column.type, v) if column.type != "text" else "false"
    if column.type == "decimal":
        misfit += (
            f" OR length(split_part({v}, '.', 2)) > {column.scale}"
            f" OR TRY_CAST({v} AS DECIMAL({column.precision}, {column.scale})) IS NULL"
        )
    refused = f"{v} IS NOT NULL AND ({misfit})"
    found = con.execute(
        f"SELECT {refused}, CASE WHEN {refused} THEN NULL ELSE {types.cast_sql(column)} END "  # noqa: S608
        "FROM (SELECT ?::VARCHAR AS v)",
        [value],
    ).fetchone()
    return "misfit" if found[0] else found[1]


def _typed(con, column: types.Column, value: str):
    """What the typed read makes of one value: "misfit" (it raised MISFIT), or its value."""
    con.execute(f"CREATE OR REPLACE VIEW one AS SELECT {sql_string(value)}::VARCHAR AS v")
    staged = types.Staged("", "one", ["v"], ["v"], 0)
    try:
        return con.execute(types.typed_select(staged, [column])).fetchone()[0]
    except duckdb.InvalidInputException as exc:
        assert types.MISFIT in str(exc)
        return "misfit"


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@pytest.mark.parametrize("column", PLANNED, ids=lambda c: f"{c.type}-{c.precision}-{c.scale}")
def test_each_edge_value_is_typed_or_refused_as_the_rules_do(con, column):
    for value in EDGES + [v for values in CLEAN.values() for v in values]:
        assert _typed(con, column, value) == _by_the_rules(con, column, value), value


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(NUMBERISH, DATEISH), column=st.sampled_from(PLANNED))
def test_any_number_or_date_is_typed_or_refused_as_the_rules_do(con, value, column):
    assert _typed(con, column, value) == _by_the_rules(con, column, value)
