"""Fixtures shared by every test: regions come from the migration; departments, users in every
role and datasets in every state come from the factories."""

from __future__ import annotations

import pytest

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.organizations.models import Membership


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files, datastore tables and the search index of a test go to its own folder.
    Fixtures write rows directly, past the services and so past the search change log: the
    index is rebuilt (in memory) before each search — see `search_index` for the real path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KAIFANG = {
        **settings.KAIFANG,
        "DATASTORE_ROOT": tmp_path / "datastore",
        "SEARCH_INDEX": tmp_path / "search-index",
        "SEARCH_INDEX_SYNC": "rebuild",
    }


@pytest.fixture
def search_index(settings):
    """A function that builds the test's search index from the database on disk and makes
    searches read it as in production (a follower keeps it current; none runs here, so changes
    made afterwards are left out until it is called again): for query budgets and tests of
    the index's own machinery."""
    from kaifang.search.backends import tantivy_index

    def build():
        settings.KAIFANG = {**settings.KAIFANG, "SEARCH_INDEX_SYNC": "follower"}
        return tantivy_index.rebuild()

    return build


@pytest.fixture(autouse=True)
def _tasks_inline():
    """Background tasks run inline, as with KAIFANG_QUEUE=immediate: what a service queues
    after commit (an upload's ingest, a table's exports) runs when the transaction commits —
    in live-server tests, or where a test runs the commit callbacks."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, so no answer cached by another test leaks in."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in the default language; a request made in English must not leave
    English active for the next test."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make many users; the production hasher's deliberate slowness (about a second a
    password) is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(db):
    """The demo province. Regions come from a data migration; a transactional test's flush
    empties them, so they are loaded again when missing."""
    from kaifang.core.models import Region
    from kaifang.core.regions import ensure_regions

    ensure_regions()
    return Region.objects.get(code="330000")


@pytest.fixture
def department(province):
    return factories.make_department(province, name="jiaotong", title="省交通运输厅")


@pytest.fixture
def other_department(province):
    return factories.make_department(province, name="huanjing", title="省生态环境厅")


def _user(django_user_model, username: str, **flags):
    return django_user_model.objects.create_user(
        username=username, password="Kaifang-test-2026", **flags
    )


@pytest.fixture
def platform_admin(django_user_model):
    return _user(django_user_model, "padmin", is_platform_admin=True)


@pytest.fixture
def platform_reviewer(django_user_model):
    return _user(django_user_model, "previewer", is_platform_reviewer=True)


def _member(django_user_model, username: str, department, role: str):
    user = _user(django_user_model, username)
    Membership.objects.create(user=user, department=department, role=role)
    return user


@pytest.fixture
def dept_admin(django_user_model, department):
    return _member(django_user_model, "dadmin", department, Membership.Role.ADMIN)


@pytest.fixture
def publisher(django_user_model, department):
    return _member(django_user_model, "publisher", department, Membership.Role.PUBLISHER)


@pytest.fixture
def reviewer(django_user_model, department):
    return _member(django_user_model, "reviewer", department, Membership.Role.REVIEWER)


@pytest.fixture
def outsider(django_user_model, other_department):
    """A publisher of another department."""
    return _member(django_user_model, "outsider", other_department, Membership.Role.PUBLISHER)


@pytest.fixture
def citizen(django_user_model):
    return _user(django_user_model, "citizen")


@pytest.fixture
def datasets_in_every_state(department):
    """One dataset per state plus a private and a conditional published one, keyed by kind."""
    made = {
        state: factories.make_dataset(department, state=state, title=f"状态{state}")
        for state in State.values
    }
    made["private"] = factories.make_dataset(department, is_private=True, title="私有数据集")
    made["conditional"] = factories.make_dataset(
        department,
        open_type="conditional",
        title="有条件开放数据集",
        metadata={"open_condition": "需实名认证并签署协议"},
    )
    made["closed"] = factories.make_dataset(department, open_type="closed", title="不予开放")
    return made
