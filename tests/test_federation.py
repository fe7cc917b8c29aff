"""Federation, end to end: a city and its province, two Kaifang instances on loopback.

The city is a real server process (`kaifang serve`) in its own KAIFANG_HOME with the embedded
defaults (SQLite, tantivy) and the queue run inline, seeded through the catalog's own services
by a script in its environment: three published datasets, each with a CSV file ingested there.
The province is this test's own database (SQLite or PostgreSQL: both passes run it). It has a
`kaifang` source in mirror mode pointing at the city, with 127.0.0.1 allowed for it.

A first run brings the three datasets, their files stored here as versions and ingested (the
rows API answers). Then the city edits one (a new title and a new file, through a reviewed
revision), adds one and withdraws one; the next run — incremental — shows all three here: the
edit with its new rows, the new dataset, the withdrawal. Finally the province's CKAN API
(`package_show`) and DCAT (`/dataset/{name}.ttl`) pass them on with the city as their source.
The city process is stopped whatever happens.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS

from kaifang.catalog.models import Dataset, Resource, State
from kaifang.core.audit import Actor
from kaifang.harvest.models import HarvestJob, HarvestSource
from kaifang.harvest.services import run_harvest
from kaifang.interop.ckan.mapping import group_name
from tests.nodes import KAIFANG, free_port, kaifang, node_environment

START_TIMEOUT = 60.0
SYSTEM = Actor.system("federation-test")
STOPS = ["武林广场,120.1651,30.2741", "西湖文化广场,120.1690,30.2800", "黄龙,120.1300,30.2700"]

#: run in the city's environment: its database, a department with a publisher and a reviewer,
#: and three published datasets with a CSV file each, all through the catalog's services
CITY_COMMON = """
from django.core.files.uploadedfile import SimpleUploadedFile
from kaifang.accounts.models import User
from kaifang.catalog import services
from kaifang.catalog.models import Dataset
from kaifang.catalog.tests.factories import complete_metadata
from kaifang.core.audit import Actor

def csv(rows):
    text = "站点名称,经度,纬度\\n" + "\\n".join(rows) + "\\n"
    return SimpleUploadedFile("公交站点.csv", text.encode(), content_type="text/csv")

def values(n, **changes):
    data = {
        "title": f"杭州公交站点{n}", "identifier": f"330100000{n:03d}/{n:06d}",
        "summary": f"杭州市第{n}批公交站点名称与坐标。", "domain": "6", "open_type": "open",
        "update_frequency": "monthly", "keywords": ["公交"], **complete_metadata(),
    }
    data.update(changes)
    return data

def users():
    return Actor.for_user(User.objects.get(username="city-editor")), Actor.for_user(
        User.objects.get(username="city-reviewer"))

def publish(n, rows):
    editor, reviewer = users()
    from kaifang.organizations.models import Department
    department = Department.objects.get(name="hz-transport")
    dataset = services.create_dataset(editor, department=department, data=values(n))
    services.add_resource(editor, dataset, data={"title": f"站点表{n}"}, upload=csv(rows))
    services.submit_for_review(editor, dataset)
    services.approve(reviewer, dataset, "无涉密内容")
    return dataset
"""
CITY_SEED = (
    CITY_COMMON
    + """
from django.core.management import call_command
from kaifang.core.models import Region
from kaifang.organizations.models import Department, Membership
call_command("init", interactive=False, verbosity=0)
department = Department.objects.create(
    region=Region.objects.get(code="330100"), name="hz-transport", title="杭州市交通运输局",
    code="11330100MB00000001")
for name, role in (("city-editor", "publisher"), ("city-reviewer", "reviewer")):
    user = User.objects.create_user(username=name, password="Kaifang-city-2026")
    Membership.objects.create(user=user, department=department, role=role)
for n in (1, 2, 3):
    publish(n, ROWS[:2])
print(json.dumps({d.identifier: d.name for d in Dataset.objects.all()}))
"""
)
CITY_CHANGES = (
    CITY_COMMON
    + """
editor, reviewer = users()
first = Dataset.objects.get(identifier="330100000001/000001")
revision = services.update_dataset(editor, first, values(1, title="杭州公交站点1（修订）"))
services.add_resource_version(editor, first.resources.get(), csv(ROWS))
services.submit_revision(editor, revision)
services.approve_revision(reviewer, revision, "无涉密内容")
publish(4, ROWS[:1])
third = Dataset.objects.get(identifier="330100000003/000003")
services.withdraw(editor, third, "数据口径调整")
print(json.dumps({d.identifier: d.name for d in Dataset.objects.all()}))
"""
)


@dataclass
class City:
    url: str
    env: dict[str, str]
    names: dict[str, str]  # identifier → the city's dataset name

    def run(self, script: str) -> dict[str, str]:
        """Run `script` in the city's environment (with ROWS, the CSV rows it may use); it
        prints identifier → name as JSON."""
        code = f"import json\nROWS = {STOPS!r}\n{script}"
        output = kaifang(self.env, "shell", "-c", code)
        return json.loads(output.strip().splitlines()[-1])


def _environment(home: Path) -> dict[str, str]:
    """This process's environment without any database, cache or queue setting: the city is
    the embedded default (SQLite in its KAIFANG_HOME), with its background work run inline."""
    return node_environment(home, KAIFANG_QUEUE="immediate")


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert server.poll() is None, f"市级平台已退出 / the city exited:\n{log.read_text()}"
        try:
            with urlopen(f"{url}/api/3/action/status_show", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"市级平台未能启动 / not up:\n{log.read_text()}"
        time.sleep(0.2)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Iterator[City]:
    home = tmp_path_factory.mktemp("city") / "home"
    env = _environment(home)
    city = City(url="", env=env, names={})
    city.names = city.run(CITY_SEED)
    port, log = free_port(), home / "serve.log"
    command = [str(KAIFANG), "serve", "--port", str(port), "--workers", "1", "--no-worker"]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        city.url = f"http://127.0.0.1:{port}"
        _wait_until_up(city.url, server, log)
        yield city
    finally:
        _stop(server)


# --- the province ---------------------------------------------------------------------------


def _harvest(source: HarvestSource, capture, *, full: bool) -> HarvestJob:
    with capture(execute=True):  # each record's ingest, queued after its commit, runs
        job = run_harvest(SYSTEM, source, full=full)
    source.refresh_from_db()
    assert job.status == HarvestJob.Status.DONE, job.report
    assert job.report["failures"] == []
    return job


def _counts(job: HarvestJob) -> tuple[int, int, int, int, int]:
    return (job.added, job.updated, job.unchanged, job.withdrawn, job.failed)


def _here(identifier: str) -> Dataset:
    return Dataset.objects.get(identifier=identifier)


def _rows(client, dataset: Dataset) -> list[str]:
    """The station names the province's rows API answers for the dataset's file."""
    resource = dataset.resources.get(kind=Resource.Kind.FILE)
    answer = client.get(f"/api/v1/resources/{resource.pk}/rows")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["total"] == len(body["records"])
    return [record["站点名称"] for record in body["records"]]


def _package(client, name: str) -> dict:
    answer = client.get("/api/3/action/package_show", {"id": name})
    return answer.json()


def test_the_province_mirrors_the_city_and_passes_it_on(
    city, settings, department, client, django_capture_on_commit_callbacks
):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1",)}
    source = HarvestSource.objects.create(
        name="hangzhou",
        title="杭州市公共数据开放平台",
        type="kaifang",
        url=city.url,
        department=department,
        mode=HarvestSource.Mode.MIRROR,
        trusted=True,
        domain_map={group_name("6"): "6"},
    )

    first = _harvest(source, django_capture_on_commit_callbacks, full=False)

    assert _counts(first) == (3, 0, 0, 0, 0)
    for n in (1, 2, 3):
        dataset = _here(f"330100000{n:03d}/{n:06d}")
        assert (dataset.state, dataset.title) == (State.PUBLISHED, f"杭州公交站点{n}")
        assert _rows(client, dataset) == ["武林广场", "西湖文化广场"]
    again = _harvest(source, django_capture_on_commit_callbacks, full=False)
    assert _counts(again) == (0, 0, 0, 0, 0)  # nothing changed there since

    names = city.run(CITY_CHANGES)
    second = _harvest(source, django_capture_on_commit_callbacks, full=False)

    assert second.since is not None and not second.full
    assert _counts(second) == (1, 1, 0, 1, 0)
    edited = _here("330100000001/000001")
    assert edited.title == "杭州公交站点1（修订）"
    assert _rows(client, edited) == ["武林广场", "西湖文化广场", "黄龙"]
    assert edited.resources.get().versions.count() == 2
    added = _here("330100000004/000004")
    assert added.state == State.PUBLISHED
    assert _rows(client, added) == ["武林广场"]
    assert _here("330100000003/000003").state == State.WITHDRAWN
    assert _here("330100000002/000002").state == State.PUBLISHED

    # the province passes them on, with the city as their source
    package = _package(client, added.name)
    assert package["success"] is True
    result = package["result"]
    assert result["title"] == "杭州公交站点4"
    assert result["harvest_source"]["source_url"] == city.url
    assert result["harvest_source"]["source_title"] == "杭州市公共数据开放平台"
    assert (
        result["harvest_source"]["original_url"] == f"{city.url}/dataset/{names[added.identifier]}"
    )
    [resource] = result["resources"]
    assert resource["url"].startswith("http://testserver/")  # the province's own copy
    assert resource["datastore_active"] is True
    edited_package = _package(client, edited.name)["result"]
    assert edited_package["title"] == "杭州公交站点1（修订）"
    assert edited_package["harvest_source"]["original_id"]
    assert _package(client, _here("330100000003/000003").name)["success"] is False

    turtle = client.get(f"/dataset/{edited.name}.ttl")
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.content.decode(), format="turtle")
    original = URIRef(f"{city.url}/dataset/{names[edited.identifier]}")
    [(root, _p, _o)] = list(graph.triples((None, PROV.wasDerivedFrom, original)))
    [statement] = list(graph.objects(root, DCTERMS.provenance))
    assert city.url in str(graph.value(statement, RDFS.label))
