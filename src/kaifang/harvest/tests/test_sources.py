"""Who a source may write for, who may run it, the scheduler, the command line, the admin and
the 来源 panel of the dataset page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kaifang.catalog.models import Dataset, State
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, NotAllowed
from kaifang.core.models import AuditEntry
from kaifang.harvest import permissions, services
from kaifang.harvest.models import HarvestJob, HarvestSource
from kaifang.harvest.tests.conftest import make_source

SYSTEM = Actor.system("test")


def test_a_departments_source_writes_only_into_its_department(
    ckan_server, department, other_department
):
    source = make_source(ckan_server.url, department)

    assert permissions.may_harvest_into(source, department)
    assert not permissions.may_harvest_into(source, other_department)
    assert not permissions.may_harvest_into(source, None)


def test_a_mapping_into_another_department_is_refused_per_record(
    ckan_server, department, other_department
):
    source = make_source(
        ckan_server.url, department, department_map={"transport-bureau": other_department.name}
    )

    job = services.run_harvest(SYSTEM, source)

    assert (job.added, job.failed) == (0, 30)
    assert "不能写入部门" in job.report["failures"][0]["reason"]
    assert not Dataset.objects.exists()


def test_a_platform_wide_source_writes_into_the_departments_it_maps(
    ckan_server, department, other_department
):
    source = make_source(
        ckan_server.url, None, department_map={"transport-bureau": other_department.name}
    )
    assert permissions.may_harvest_into(source, other_department)
    assert not permissions.may_harvest_into(source, department)

    job = services.run_harvest(SYSTEM, source)

    assert job.added == 30
    assert set(Dataset.objects.values_list("department", flat=True)) == {other_department.pk}


def test_a_platform_wide_source_refuses_an_unmapped_organization(ckan_server, department):
    source = make_source(ckan_server.url, None, department_map={})

    job = services.run_harvest(SYSTEM, source)

    assert job.failed == 30
    assert "transport-bureau" in job.report["failures"][0]["reason"]


def test_a_missing_required_value_comes_from_the_sources_defaults(ckan_server, department):
    for package in ckan_server.handler.packages:
        package["groups"] = []
    bare = make_source(ckan_server.url, department, domain_map={})
    assert services.run_harvest(SYSTEM, bare).failed == 30

    bare.defaults = {"domain": "6"}
    bare.save()
    job = services.run_harvest(SYSTEM, bare)

    assert job.added == 30


def test_who_may_run_a_source(ckan_server, department, platform_admin, publisher, outsider):
    source = make_source(ckan_server.url, department)

    assert permissions.may_run(platform_admin, source)
    assert not permissions.may_run(publisher, source)
    assert not permissions.may_run(outsider, source)
    with pytest.raises(NotAllowed):
        services.queue_harvest(Actor.for_user(publisher), source)
    with pytest.raises(NotAllowed):
        services.run_harvest(Actor.for_user(outsider), source)


def test_run_now_queues_a_job_that_runs_after_commit(
    ckan_server, department, platform_admin, django_capture_on_commit_callbacks
):
    source = make_source(ckan_server.url, department)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_harvest(Actor.for_user(platform_admin), source)

    job.refresh_from_db()
    assert job.status == HarvestJob.Status.DONE
    assert job.added == 30
    entry = AuditEntry.objects.get(action="harvest.queue")
    assert entry.actor_user == platform_admin


def test_an_unknown_source_type_is_refused(ckan_server, department):
    source = make_source(ckan_server.url, department, type="ftp")

    with pytest.raises(Invalid, match="ftp"):
        services.run_harvest(SYSTEM, source)


def test_the_scheduler_queues_only_due_sources(
    ckan_server, department, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due = make_source(ckan_server.url, department, schedule_hours=24)
    make_source(ckan_server.url, department, name="off", schedule_hours=None)
    recent = make_source(ckan_server.url, department, name="recent", schedule_hours=24)
    recent.last_run_at = now - dt.timedelta(hours=1)
    recent.save()
    make_source(ckan_server.url, department, name="disabled", schedule_hours=1, enabled=False)

    with django_capture_on_commit_callbacks(execute=False):
        jobs = services.start_due_sources(SYSTEM, now=now)

    assert [job.source for job in jobs] == [due]
    assert services.start_due_sources(SYSTEM, now=now) == []  # already queued


def test_only_the_system_starts_the_scheduled_runs(platform_admin, db):
    with pytest.raises(NotAllowed):
        services.start_due_sources(Actor.for_user(platform_admin))


def test_the_command_runs_a_source_and_prints_the_report(ckan_server, department):
    make_source(ckan_server.url, department)
    out, err = io.StringIO(), io.StringIO()

    call_command("harvest", "remote-ckan", stdout=out, stderr=err)

    assert "新增 30" in out.getvalue()
    assert "30/30" in err.getvalue()


def test_the_command_reports_an_unknown_source(db):
    with pytest.raises(CommandError, match="找不到采集来源"):
        call_command("harvest", "nope", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_fails_when_the_source_cannot_be_reached(ckan_server, department, settings):
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ()}
    make_source(ckan_server.url, department)

    with pytest.raises(CommandError, match="不允许访问"):
        call_command("harvest", "remote-ckan", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_admin_run_now_action_queues_the_source(
    ckan_server, department, client, platform_admin, django_capture_on_commit_callbacks
):
    platform_admin.is_staff = True
    platform_admin.save()
    source = make_source(ckan_server.url, department)
    client.force_login(platform_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:harvest_harvestsource_changelist"),
            {"action": "run_now", "_selected_action": [str(source.pk)]},
        )

    assert response.status_code == 302
    assert HarvestJob.objects.get().added == 30
    page = client.get(reverse("admin:harvest_harvestjob_changelist"))
    assert page.status_code == 200


def test_the_dataset_page_names_where_a_harvested_dataset_came_from(
    ckan_server, department, client, django_assert_max_num_queries
):
    source = make_source(ckan_server.url, department)
    services.run_harvest(SYSTEM, source)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0001")
    assert dataset.state == State.PUBLISHED

    with django_assert_max_num_queries(9):  # the dataset page's budget, panel included
        response = client.get(reverse("catalog:dataset-detail", args=[dataset.name]))
    page = response.content.decode()

    assert "来源" in page
    assert "远端开放平台" in page
    assert f"{ckan_server.url}/dataset/remote-dataset-1" in page


def test_the_ckan_api_and_dcat_pass_the_provenance_on(ckan_server, department, client):
    from kaifang.interop.tests.conftest import dcat_ap_shapes
    from kaifang.interop.tests.test_dcat import _validate

    source = make_source(ckan_server.url, department)
    services.run_harvest(SYSTEM, source)
    dataset = Dataset.objects.get(harvest_record__remote_id="remote-0001")
    original = f"{ckan_server.url}/dataset/remote-dataset-1"

    package = client.get("/api/3/action/package_show", {"id": dataset.name}).json()["result"]
    turtle = client.get(f"/dataset/{dataset.name}.ttl")

    record = dataset.harvest_record
    assert package["harvest_source"] == {
        "source_name": "remote-ckan",
        "source_title": "远端开放平台",
        "source_url": ckan_server.url,
        "original_id": "remote-0001",
        "original_url": original,
        "harvested_at": record.harvested_at.isoformat(),
    }
    graph = Graph().parse(data=turtle.content.decode(), format="turtle")
    [root] = list(graph.subjects(PROV.wasDerivedFrom, URIRef(original)))
    [statement] = list(graph.objects(root, DCTERMS.provenance))
    assert (statement, RDF.type, DCTERMS.ProvenanceStatement) in graph
    label = str(graph.value(statement, RDFS.label))
    assert "远端开放平台" in label and "remote-0001" in label
    assert _validate(graph, dcat_ap_shapes())[0] == 0


def test_a_dataset_made_here_shows_no_source(client, department):
    from kaifang.catalog.tests.factories import make_dataset

    dataset = make_dataset(department)

    page = client.get(reverse("catalog:dataset-detail", args=[dataset.name])).content.decode()

    assert "provenance-title" not in page


def test_only_platform_admins_save_sources_and_each_save_is_audited(
    ckan_server, department, platform_admin, publisher
):
    source = make_source(ckan_server.url, department)
    source.title = "改名的来源"

    with pytest.raises(NotAllowed):
        services.save_source(Actor.for_user(publisher), source, changed=["title"])
    services.save_source(Actor.for_user(platform_admin), source, changed=["title"])

    entry = AuditEntry.objects.get(action="harvest.source_save")
    assert (entry.actor_user, entry.detail) == (platform_admin, {"fields": ["title"]})


def test_the_admin_saves_a_mirror_source(client, platform_admin, department):
    client.force_login(platform_admin)

    response = client.post(
        reverse("admin:harvest_harvestsource_add"),
        {
            "name": "mirror-one",
            "title": "镜像来源",
            "type": "ckan",
            "url": "https://data.example.org",
            "department": str(department.pk),
            "mode": "mirror",
            "department_map": "{}",
            "domain_map": "{}",
            "defaults": "{}",
            "enabled": "on",
            "jobs-TOTAL_FORMS": "0",
            "jobs-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    source = HarvestSource.objects.get(name="mirror-one")
    assert (source.mode, source.type) == (HarvestSource.Mode.MIRROR, "ckan")
    entry = AuditEntry.objects.get(action="harvest.source_save")
    assert entry.actor_user == platform_admin


def test_the_source_page_lists_its_jobs_with_their_counts(
    ckan_server, department, client, platform_admin
):
    source = make_source(ckan_server.url, department)
    job = services.run_harvest(SYSTEM, source)
    client.force_login(platform_admin)

    page = client.get(reverse("admin:harvest_harvestsource_change", args=[source.pk]))
    report = client.get(reverse("admin:harvest_harvestjob_change", args=[job.pk]))

    assert page.status_code == 200
    assert "已完成" in page.content.decode()
    assert report.status_code == 200
    assert "timings" in report.content.decode()


def _uses(function, names: set[str], module, seen=frozenset()) -> bool:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(function).lstrip())
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if used & names:
        return True
    for name in used - seen:
        callee = getattr(module, name, None)
        local = inspect.isfunction(callee) and callee.__module__ == module.__name__
        if local and _uses(callee, names, module, seen | {name}):
            return True
    return False


def test_every_harvest_service_that_acts_checks_permission():
    import inspect

    acting = [
        function
        for name, function in inspect.getmembers(services, inspect.isfunction)
        if function.__module__ == services.__name__
        and not name.startswith("_")
        and list(inspect.signature(function).parameters)[:1] == ["actor"]
    ]

    assert len(acting) >= 8
    for function in acting:
        assert _uses(function, {"require"}, services), f"{function.__name__} has no check"


def test_a_source_that_cannot_run_does_not_stop_the_scheduler(
    ckan_server, department, django_capture_on_commit_callbacks
):
    make_source(ckan_server.url, department, name="broken", type="ftp", schedule_hours=1)
    good = make_source(ckan_server.url, department, schedule_hours=1)

    with django_capture_on_commit_callbacks(execute=False):
        jobs = services.start_due_sources(SYSTEM)

    assert [job.source for job in jobs] == [good]
