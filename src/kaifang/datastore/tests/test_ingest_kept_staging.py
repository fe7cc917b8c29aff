"""The staging database a batch keeps per process (the demo's bulk build) starts every file
empty: views, tables and attached databases of the file before are gone."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from kaifang.datastore.ingest.pipeline import process


@pytest.fixture
def datastore_root(tmp_path, settings):
    with override_settings(KAIFANG={**settings.KAIFANG, "DATASTORE_ROOT": tmp_path / "store"}):
        yield tmp_path


def test_files_of_every_kind_follow_each_other_on_the_kept_connection(datastore_root):
    csv_file = datastore_root / "a.csv"
    csv_file.write_text("城市,数量\n杭州,1\n宁波,2\n", encoding="utf-8")
    json_file = datastore_root / "b.json"
    json_file.write_text(json.dumps([{"城市": "温州", "数量": 3}]), encoding="utf-8")
    done = []
    for number, (path, fmt) in enumerate(
        [(csv_file, "CSV"), (json_file, "JSON"), (csv_file, "CSV"), (json_file, "JSON")]
    ):
        work = datastore_root / f"work-{number}"
        work.mkdir()
        done.append(process(path, fmt, work, keep_connection=True))

    assert [tables[0].rows for tables in done] == [2, 1, 2, 1]
    assert [c.type for c in done[3][0].columns] == ["text", "integer"]
