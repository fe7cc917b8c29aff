"""The datastore benchmark's own check (bench/datastore/run.py), on a small file made by its
generator: our rows and aggregate API answer each of the benchmark's questions right. The
timings never run in the suite; PostgreSQL and Datasette are the benchmark's business."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from bench.datastore import ours
from bench.datastore import questions as qs
from django.utils import timezone

from kaifang.catalog.models import Dataset, State
from kaifang.catalog.tests import factories
from kaifang.datastore.tests.ingest_helpers import add_file, inline_tasks, queued_exports

__all__ = ["inline_tasks", "queued_exports"]
pytestmark = [pytest.mark.engine_independent, pytest.mark.usefixtures("queued_exports")]

ROWS = 20_000
GENERATOR = Path(__file__).resolve().parents[4] / "bench" / "datastore" / "generate.py"


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "data.csv"
    command = [sys.executable, str(GENERATOR), "--rows", str(ROWS), "--out", str(path)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    return path


@pytest.fixture
def bench_resource(bench_file, department, publisher, django_capture_on_commit_callbacks):
    """The file ingested into a published dataset, as the benchmark's server holds it."""
    dataset = factories.make_dataset(department, state=State.DRAFT)
    content = bench_file.read_bytes()
    resource = add_file(django_capture_on_commit_callbacks, publisher, dataset, "基准.csv", content)
    Dataset.objects.filter(pk=dataset.pk).update(state=State.PUBLISHED, published_at=timezone.now())
    return resource


def _fetch(client):
    def fetch(path: str) -> tuple[int, bytes]:
        response = client.get(path)
        return response.status_code, response.content

    return fetch


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_our_api_answers_every_benchmark_question_right(bench_file, bench_resource, client):
    plan = qs.Plan(ROWS)
    expected = qs.compute_reference(bench_file, plan)
    fetch = _fetch(client)

    paths = ours.targets(fetch, str(bench_resource.pk), plan)
    ours.verify(fetch, paths, expected)  # raises SystemExit naming a wrong answer

    assert list(paths) == list(qs.QUESTIONS)
    status, body = fetch(paths[qs.Q2_CURSOR])
    assert status == 200
    assert ours.answer(qs.Q2_CURSOR, body).ids == expected[qs.Q2]["ids"]


def test_the_expected_answers_agree_with_a_plain_reading_of_the_file(bench_file):
    plan = qs.Plan(ROWS)
    rows = _rows(bench_file)

    expected = qs.compute_reference(bench_file, plan)

    active = [r for r in rows if r[qs.STATUS] == qs.ACTIVE]
    ordered = sorted(active, key=lambda r: (-int(r[qs.SORT]), int(r[qs.ID])))
    assert expected[qs.Q1]["total"] == len(active)
    assert expected[qs.Q1]["ids"] == [int(r[qs.ID]) for r in ordered[:100]]
    assert expected[qs.Q2]["ids"] == [int(r[qs.ID]) for r in ordered[plan.deep : plan.deep + 100]]
    hangzhou = [r for r in rows if r[qs.CITY] == qs.HANGZHOU]
    assert expected[qs.Q3][qs.HANGZHOU][:2] == [
        len(hangzhou),
        sum(int(r[qs.SORT]) for r in hangzhou),
    ]
    assert expected[qs.Q4]["total"] == sum(qs.WORD in r[qs.REMARK] for r in rows)
    assert expected[qs.Q5]["total"] == sum(r[qs.CATEGORY] == qs.CATERING for r in hangzhou)
    assert expected[qs.DEEPEST_PAGE]["ids"] == list(range(plan.deepest + 1, plan.deepest + 101))


def test_a_wrong_answer_is_named():
    expected = {
        qs.Q5: {"total": 12},
        qs.Q1: {"total": 3, "ids": [3, 1, 2], "values": [9, 8, 8]},
    }

    assert qs.problem(qs.Q5, qs.Answer(total=12), expected) is None
    assert qs.problem(qs.Q5, qs.Answer(total=13), expected) == "total 13, expected 12"
    assert "rows [1, 3, 2]" in qs.problem(qs.Q1, qs.Answer(ids=[1, 3, 2], total=3), expected)
