"""The harvest benchmark's own check (bench/harvest/run.py), at a small size: what a harvest
of its on-the-fly CKAN fixture writes is exactly what the fixture served, and a re-run with
nothing changed writes nothing. The timings never run in the suite."""

from __future__ import annotations

from bench.harvest.fixture import GROUP, ORGANIZATION, Fixture, identifier, package

from kaifang.catalog.models import Dataset, State
from kaifang.core.audit import Actor
from kaifang.harvest.models import HarvestSource
from kaifang.harvest.services import run_harvest
from kaifang.harvest.tests.test_dcat_source import counts

SIZE = 45  # three pages of the suite's 20 rows


def test_the_bench_fixture_is_harvested_exactly(settings, department):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1",)}
    with Fixture(SIZE) as fixture:
        source = HarvestSource.objects.create(
            name="bench-ckan",
            title="采集基准",
            type="ckan",
            url=fixture.url,
            trusted=True,
            department_map={ORGANIZATION: department.name},
            domain_map={GROUP: "6"},
        )
        first = run_harvest(Actor.system("test"), source, full=True)
        again = run_harvest(Actor.system("test"), source, full=True)

    assert counts(first) == (SIZE, 0, 0, 0, 0), first.report["failures"]
    assert counts(again) == (0, 0, SIZE, 0, 0)
    for n in (1, 23, SIZE):
        served = package(n)
        dataset = Dataset.objects.get(identifier=identifier(n))
        assert (dataset.title, dataset.summary, dataset.state, dataset.domain) == (
            served["title"],
            served["notes"],
            State.PUBLISHED,
            "6",
        )
        assert sorted(dataset.resources.values_list("url", "kind")) == sorted(
            (r["url"], r.get("resource_type") or "link") for r in served["resources"]
        )
    assert Dataset.objects.count() == SIZE
