"""The round trip, upload to download: a 100,000-row GB18030 CSV and a three-sheet workbook
(10,000 rows a sheet) are uploaded through the publisher's service, ingested, published, and
read back anonymously from the rows API, the preview, the original file's download and every
export's download; every cell must come back the same (bench/datastore/roundtrip.py says how
each surface carries each type). The benchmark repeats the trip at 1,000,000 rows.

The tests commit for real (transactional), so what the services queue after commit runs as in
production: the ingest after the upload, the exports after the ingest, an export asked for the
first time after its download request."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from bench.datastore.roundtrip import (
    Expectation,
    check_round_trip,
    csv_expectation,
    make_gb18030_csv,
    make_workbook,
    publish,
    upload,
    workbook_expectations,
)

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories

# The round trip is about the data files; the catalog database only records them, and the rest of
# the datastore suite runs on both engines, so this long test runs in the SQLite pass only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.engine_independent]

CSV_ROWS = 100_000
SHEETS = 3
SHEET_ROWS = 10_000


@pytest.fixture
def draft(department):
    return factories.make_dataset(department, state=State.DRAFT, title="企业登记信息")


def test_a_gb18030_csv_comes_back_the_same_from_every_surface(
    client, draft, publisher, reviewer, tmp_path
):
    # given
    path = make_gb18030_csv(tmp_path / "企业登记信息.csv", CSV_ROWS)
    resource = upload(publisher, draft, path, "企业登记信息")
    publish(publisher, reviewer, draft)
    # when
    expected = csv_expectation(CSV_ROWS)
    report = check_round_trip(client, resource, [expected], original=path, workdir=tmp_path)
    # then
    assert report.ok, report.describe()
    assert report.cells["csv-gb18030"] == CSV_ROWS * len(expected.fields)


def test_a_workbook_comes_back_sheet_by_sheet_from_every_surface(
    client, draft, publisher, reviewer, tmp_path
):
    # given
    path = make_workbook(tmp_path / "统计报表.xlsx", SHEETS, SHEET_ROWS)
    resource = upload(publisher, draft, path, "统计报表")
    publish(publisher, reviewer, draft)
    # when
    expectations = workbook_expectations(SHEETS, SHEET_ROWS)
    report = check_round_trip(client, resource, expectations, original=path, workdir=tmp_path)
    # then
    assert report.ok, report.describe()
    assert report.cells["xlsx"] == sum(e.rows * len(e.fields) for e in expectations)


def test_long_floats_and_times_at_midnight_come_back_exactly(
    client, draft, publisher, reviewer, tmp_path
):
    # given: plain floats past nine places (0.1 + 0.2 needs all 17 digits, which XLSX cannot
    # carry as a number) and date-times where a midnight is written as the date alone
    rows = [
        (0.1 + 0.2, dt.datetime(2024, 5, 1)),
        (1 / 3, dt.datetime(2024, 5, 1, 8, 30)),
        (123.456789012, None),
    ]
    path = tmp_path / "监测.csv"
    path.write_text(
        "比率,时间\r\n0.30000000000000004,2024-05-01\r\n"
        "0.3333333333333333,2024-05-01 08:30:00\r\n123.456789012,\r\n",
        encoding="gb18030",
    )
    expected = Expectation("", (("比率", "float"), ("时间", "datetime")), 3, lambda: iter(rows))
    resource = upload(publisher, draft, path, "监测")
    publish(publisher, reviewer, draft)
    # when
    report = check_round_trip(client, resource, [expected], original=path, workdir=tmp_path)
    # then
    assert report.ok, report.describe()


def test_the_preview_profile_of_an_ingested_table_shows_its_counts(
    client, draft, publisher, reviewer, tmp_path
):
    # given
    path = make_gb18030_csv(tmp_path / "企业登记信息.csv", 50)
    resource = upload(publisher, draft, path, "企业登记信息")
    publish(publisher, reviewer, draft)
    # when
    page = client.get(f"/resources/{resource.pk}/preview").content.decode()
    # then: 记录编号 is 1…50, no nulls, 50 values
    profile = page.split('class="dt-table dt-profile"', 1)[1].split("</tbody>", 1)[0]
    first = re.search(r"<tr>(.*?)</tr>", profile.split("<tbody>", 1)[1], re.S).group(1)
    cells = [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", first, re.S)]
    cells = cells[:6]
    assert cells == ["记录编号", "整数", "0", "50", "1", "50"]
