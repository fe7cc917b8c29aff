"""The search change log: every service that changes a dataset, its resources or what search
holds of them records the dataset in the same transaction (a meta-test runs each catalog
service and watches what it saves), the datastore's ingest and a department's rename too, and
the log reads back in order, each dataset once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from kaifang.catalog import services
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import act, csv_upload, dataset_data
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid
from kaifang.search.models import SearchChange
from kaifang.search.selectors import changes_after, latest_seq
from kaifang.search.services import dataset_changed, datasets_changed

# Services that only read: nothing to record.
READS = {
    "dataset_values",
    "editable_values",
    "new_dataset_name",
    "open_revision",
    "revision_values",
}


@dataclass
class World:
    department: object
    publisher: object
    reviewer: object
    admin: object
    citizen: object

    def draft(self) -> Dataset:
        return services.create_dataset(
            act(self.publisher), department=self.department, data=dataset_data()
        )

    def in_review(self) -> Dataset:
        dataset = self.draft()
        services.submit_for_review(act(self.publisher), dataset)
        return dataset

    def published(self, **data) -> Dataset:
        dataset = self.in_review()
        services.approve(act(self.reviewer), dataset)
        return dataset

    def revision_in_review(self):
        dataset = self.published()
        revision = services.update_dataset(act(self.publisher), dataset, {"title": "公交站点新"})
        services.submit_revision(act(self.publisher), revision)
        return revision


def _conditional(w: World) -> Dataset:
    dataset = w.published()
    Dataset.objects.filter(pk=dataset.pk).update(open_type="conditional")
    dataset.refresh_from_db()
    return dataset


def _granted(w: World):
    return services.grant_access(act(w.admin), _conditional(w), w.citizen)


def _file_resource(w: World) -> Resource:
    return services.add_resource(
        act(w.publisher), w.draft(), data={"title": "站点表"}, upload=csv_upload()
    )


def _open_revision(w: World):
    return services.update_dataset(act(w.publisher), w.published(), {"title": "新名称"})


# name → (setup, the call): each setup brings what the service accepts.
Scenario = tuple[Callable[[World], object], Callable[[World, object], object]]
SCENARIOS: dict[str, Scenario] = {
    "create_dataset": (lambda w: None, lambda w, _: w.draft()),
    "update_dataset": (
        World.draft,
        lambda w, d: services.update_dataset(act(w.publisher), d, {"title": "新名称"}),
    ),
    "rename_dataset": (
        World.draft,
        lambda w, d: services.rename_dataset(act(w.publisher), d, "new-name"),
    ),
    "submit_for_review": (
        World.draft,
        lambda w, d: services.submit_for_review(act(w.publisher), d),
    ),
    "approve": (World.in_review, lambda w, d: services.approve(act(w.reviewer), d)),
    "return_for_changes": (
        World.in_review,
        lambda w, d: services.return_for_changes(act(w.reviewer), d, "请补充"),
    ),
    "withdraw": (
        World.published,
        lambda w, d: services.withdraw(act(w.publisher), d, "数据有误"),
    ),
    "take_down": (World.published, lambda w, d: services.take_down(act(w.admin), d, "紧急")),
    "add_resource": (
        World.draft,
        lambda w, d: services.add_resource(
            act(w.publisher), d, data={"title": "站点表"}, upload=csv_upload()
        ),
    ),
    "add_resource_version": (
        _file_resource,
        lambda w, r: services.add_resource_version(act(w.publisher), r, csv_upload()),
    ),
    "submit_revision": (
        _open_revision,
        lambda w, r: services.submit_revision(act(w.publisher), r),
    ),
    "approve_revision": (
        World.revision_in_review,
        lambda w, r: services.approve_revision(act(w.reviewer), r),
    ),
    "return_revision": (
        World.revision_in_review,
        lambda w, r: services.return_revision(act(w.reviewer), r, "请修改"),
    ),
    "grant_access": (
        _conditional,
        lambda w, d: services.grant_access(act(w.admin), d, w.citizen),
    ),
    "revoke_access": (_granted, lambda w, g: services.revoke_access(act(w.admin), g)),
}


@pytest.fixture
def world(department, publisher, reviewer, platform_admin, citizen) -> World:
    return World(department, publisher, reviewer, platform_admin, citizen)


@pytest.fixture
def saved():
    """The ids of the datasets whose row, or one of whose resources' rows, was saved."""
    found: set[uuid.UUID] = set()

    def on_dataset(sender, instance, **kwargs):
        found.add(instance.pk)

    def on_resource(sender, instance, **kwargs):
        found.add(instance.dataset_id)

    post_save.connect(on_dataset, sender=Dataset, weak=False, dispatch_uid="search-meta-d")
    post_save.connect(on_resource, sender=Resource, weak=False, dispatch_uid="search-meta-r")
    yield found
    post_save.disconnect(sender=Dataset, dispatch_uid="search-meta-d")
    post_save.disconnect(sender=Resource, dispatch_uid="search-meta-r")


def _recorded_since(seq: int) -> set[uuid.UUID]:
    rows = SearchChange.objects.filter(seq__gt=seq)
    return set(rows.values_list("dataset_id", flat=True))


def test_every_catalog_service_is_classified():
    assert set(services.__all__) == set(SCENARIOS) | READS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_service_that_saves_a_dataset_records_it_for_search(name, world, saved):
    # given a dataset the service accepts
    setup, call = SCENARIOS[name]
    state = setup(world)
    before = latest_seq()
    saved.clear()
    # when the service runs
    call(world, state)
    # then every dataset it saved (or saved a resource of) is in the log after `before`
    assert saved <= _recorded_since(before), name


def test_the_record_is_part_of_the_services_transaction(world):
    dataset = world.published()
    before = latest_seq()

    with pytest.raises(Invalid):  # no reason given: the service refuses, nothing is kept
        services.withdraw(act(world.publisher), dataset, "")

    assert _recorded_since(before) == set()


def test_a_rolled_back_change_leaves_no_record(world):
    dataset = world.draft()
    before = latest_seq()

    with pytest.raises(RuntimeError), transaction.atomic():
        dataset_changed(dataset, reason="test")
        raise RuntimeError("rolled back")

    assert _recorded_since(before) == set()


def test_an_ingest_completing_records_the_dataset(world):
    from kaifang.datastore.ingest.pipeline import ingest_version

    dataset = world.draft()
    resource = services.add_resource(
        act(world.publisher), dataset, data={"title": "站点表"}, upload=csv_upload()
    )
    before = latest_seq()

    ingest_version(resource.versions.get())

    assert dataset.pk in _recorded_since(before)


def test_a_department_rename_records_each_of_its_datasets(department, platform_admin):
    from kaifang.organizations.services import save_department

    mine = [factories.make_dataset(department) for _ in range(3)]
    before = latest_seq()
    department.title = "省交通运输厅（新）"

    save_department(Actor.for_user(platform_admin), department, changed=["title"])

    assert _recorded_since(before) == {d.pk for d in mine}


def test_a_department_change_search_does_not_show_records_nothing(department, platform_admin):
    from kaifang.organizations.services import save_department

    factories.make_dataset(department)
    before = latest_seq()
    department.contact_phone = "0571-12345678"

    save_department(Actor.for_user(platform_admin), department, changed=["contact_phone"])

    assert _recorded_since(before) == set()


def test_the_log_reads_back_each_dataset_once_with_its_last_kind(db):
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = latest_seq()
    datasets_changed([first, second])
    dataset_changed(first, deleted=True)
    dataset_changed(third, deleted=True)
    dataset_changed(third)

    changes = changes_after(start)

    assert changes.upserts == {second, third}
    assert changes.deletes == {first}
    assert changes.last_seq == latest_seq()
    assert SearchChange.objects.filter(seq__gt=start).count() == 5
    assert len(changes_after(start, limit=2)) == 2
    assert changes_after(latest_seq()).ids == set()


def test_sequence_numbers_follow_the_order_of_the_records(db):
    ids = [uuid.uuid4() for _ in range(5)]
    for pk in ids:
        dataset_changed(pk, reason="order")

    rows = SearchChange.objects.filter(reason="order").order_by("seq")

    assert [row.dataset_id for row in rows] == ids


def test_writers_of_the_log_take_its_lock_first(db):
    """Sequence numbers in commit order (see SearchLogLock): on PostgreSQL, a row lock held
    until commit; SQLite lets one writer at a time anyway."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        dataset_changed(uuid.uuid4(), reason="lock")

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "search_searchloglock" in s)
    insert = next(i for i, s in enumerate(sql) if s.startswith('INSERT INTO "search_searchchange"'))
    assert lock < insert
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in sql[lock]
