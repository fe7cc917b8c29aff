"""The staging database a batch keeps per process (the demo's bulk build) starts every file
empty: views, tables and attached databases of the file before are gone."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from kaifang.datastore.ingest.errors import IngestError
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


@pytest.mark.parametrize("column", ["城市", "数量"])
def test_a_file_with_an_invalid_byte_is_named_and_the_next_file_reads(datastore_root, column):
    # DuckDB refuses the bad bytes with an internal error that leaves its connection unusable:
    # the error is the byte's, and the kept connection is replaced for the next file
    bad = datastore_root / "bad.csv"
    head = "城市,数量\n".encode() + "杭州,1\n".encode() * 50_000
    row = b"\xe6\x9d,7\n" if column == "城市" else "宁波,".encode() + b"8\xff\n"
    bad.write_bytes(head + row + "温州,9\n".encode())
    good = datastore_root / "good.csv"
    good.write_text("城市,数量\n杭州,1\n宁波,2\n", encoding="utf-8")
    (datastore_root / "w1").mkdir()
    (datastore_root / "w2").mkdir()

    with pytest.raises(IngestError) as refused:
        process(bad, "CSV", datastore_root / "w1", keep_connection=True)
    done = process(good, "CSV", datastore_root / "w2", keep_connection=True)

    at = len(head) + (1 if column == "城市" else len("宁波,8".encode()) + 1)
    assert refused.value.as_dict()["byte"] == at
    assert refused.value.as_dict()["row"] == 50_002
    assert "无法按 UTF-8 解码" in refused.value.message
    assert done[0].rows == 2
    assert list((datastore_root / "w1").glob("*.parquet")) == []
