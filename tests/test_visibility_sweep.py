"""The visibility sweep: every public URL of the platform, asked by an anonymous visitor, a
citizen, a publisher of another department and a member of the owning department, with datasets
in every state. Hidden datasets appear nowhere — not in pages, APIs, feeds, the sitemap, facets
or counts — and conditional data shows its metadata but answers 403 需申请 for its files.

A meta-test makes every new route declare whether it is public; public ones must be swept here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories

#: every public route, each swept below
PUBLIC_ROUTES = {
    "web:home",
    "web:domain-list",
    "web:domain-detail",
    "web:feed-datasets",
    "web:sitemap",
    "web:robots",
    "catalog:dataset-list",
    "catalog:dataset-detail",
    "catalog:resource-download",
    "organizations:department-list",
    "organizations:department-detail",
    "api:index",
    "api:api-root",
    "api:dataset-list",
    "api:dataset-detail",
    "api:domain-list",
    "api:department-list",
    "api:resource-detail",
    "api:resource-download",
    "api:resource-rows",
    "api:resource-aggregate",
    "api:resource-schema",
    "api:resource-sql",
    "api:resource-export",
    "datastore:resource-export",
    "datastore:resource-preview",
    "datastore:resource-chart",
    "api:unknown_path",
}
#: routes that show no dataset at all (documentation, language switch)
NO_DATASET_ROUTES = {"api:openapi-json", "api:openapi-view", "set_language"}
#: route namespaces or names behind sign-in, role-checked in their own tests
SIGNED_IN_PREFIXES = ("admin:", "accounts:", "catalog:workspace", "catalog:review")
SIGNED_IN_ROUTES = {
    "catalog:dataset-create",
    "catalog:dataset-edit",
    "catalog:dataset-rename",
    "catalog:dataset-submit",
    "catalog:dataset-withdraw",
    "catalog:dataset-take-down",
    "catalog:resource-create",
    "catalog:resource-version-create",
    "catalog:revision-submit",
    "catalog:revision-approve",
    "catalog:revision-return",
}

HIDDEN = [
    State.DRAFT,
    State.IN_REVIEW,
    State.RETURNED,
    State.WITHDRAWN,
    State.TAKEN_DOWN,
    "private",
    "closed",
]


def _route_names(patterns, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names |= _route_names(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            names.add(f"{namespace}{p.name or p.pattern}")
    return names


@pytest.mark.engine_independent
def test_every_route_is_declared_public_or_signed_in():
    names = _route_names(get_resolver().url_patterns)
    undeclared = {
        n
        for n in names
        if n not in PUBLIC_ROUTES | NO_DATASET_ROUTES | SIGNED_IN_ROUTES
        and not n.startswith(SIGNED_IN_PREFIXES)
    }

    assert undeclared == set(), "declare these routes in the visibility sweep"


@pytest.fixture
def catalog(datasets_in_every_state):
    """Each dataset of the fixture in domain 6 with one external-link resource."""
    for dataset in datasets_in_every_state.values():
        factories.make_link_resource(dataset, title=f"{dataset.title}资源")
    return datasets_in_every_state


def _visitor(request, who, client):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


def _list_surfaces(catalog) -> list[str]:
    department = catalog[State.PUBLISHED].department
    return [
        "/",
        "/datasets/",
        "/datasets/?q=状态",
        "/datasets/?domain=6&sort=title",
        f"/departments/{department.name}/",
        "/departments/",
        "/domains/",
        "/domains/6/",
        "/feeds/datasets.atom",
        "/sitemap.xml",
        "/api/v1/datasets?limit=100",
        "/api/v1/datasets?q=状态&limit=100",
        "/api/v1/departments",
        "/api/v1/domains",
    ]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider"])
def test_hidden_datasets_appear_on_no_public_surface(request, client, catalog, who):
    client = _visitor(request, who, client)

    for url in _list_surfaces(catalog):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        for kind in HIDDEN:
            dataset = catalog[kind]
            assert dataset.title not in body, (url, kind)
            assert dataset.name not in body, (url, kind)
            assert str(dataset.pk) not in body, (url, kind)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider"])
@pytest.mark.parametrize("kind", HIDDEN)
def test_hidden_datasets_and_their_resources_answer_404(request, client, catalog, who, kind):
    client = _visitor(request, who, client)
    dataset = catalog[kind]
    resource = dataset.resources.get()

    for url in [
        f"/datasets/{dataset.name}/",
        f"/api/v1/datasets/{dataset.name}",
        f"/api/v1/datasets/{dataset.pk}",
        f"/api/v1/resources/{resource.pk}",
        f"/api/v1/resources/{resource.pk}/download",
        f"/resources/{resource.pk}/download",
        f"/api/v1/resources/{resource.pk}/export.csv",
        f"/resources/{resource.pk}/export.xlsx",
        f"/resources/{resource.pk}/preview",
        f"/resources/{resource.pk}/chart",
        f"/api/v1/resources/{resource.pk}/rows",
        f"/api/v1/resources/{resource.pk}/aggregate",
        f"/api/v1/resources/{resource.pk}/schema",
    ]:
        assert client.get(url).status_code == 404, url
    sql = {"sql": "SELECT 1"}
    posted = client.post(f"/api/v1/resources/{resource.pk}/sql", sql, "application/json")
    assert posted.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider"])
def test_counts_and_facets_count_public_datasets_only(request, client, catalog, who):
    client = _visitor(request, who, client)
    department = catalog[State.PUBLISHED].department

    listing = client.get("/api/v1/datasets?limit=1").json()
    departments = {d["name"]: d for d in client.get("/api/v1/departments").json()["results"]}
    domains = {d["code"]: d for d in client.get("/api/v1/domains").json()["results"]}

    assert listing["count"] == 2
    assert sum(f["count"] for f in listing["facets"]["domain"]) == 2
    assert sum(f["count"] for f in listing["facets"]["open_type"]) == 2
    assert departments[department.name]["dataset_count"] == 2
    assert domains["6"]["dataset_count"] == 2


def test_a_member_sees_the_private_dataset_but_no_unpublished_one_in_lists(
    client, catalog, publisher
):
    client.force_login(publisher)

    body = client.get("/datasets/").content.decode()
    count = client.get("/api/v1/datasets?limit=1").json()["count"]

    assert catalog["private"].title in body
    assert catalog[State.DRAFT].title not in body
    assert count == 4  # published, conditional, private, and the closed one it owns


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider"])
def test_conditional_data_shows_metadata_but_its_files_need_an_application(
    request, client, catalog, who
):
    client = _visitor(request, who, client)
    dataset = catalog["conditional"]
    resource = dataset.resources.get()

    page = client.get(f"/datasets/{dataset.name}/")
    api = client.get(f"/api/v1/datasets/{dataset.name}")
    web_download = client.get(f"/resources/{resource.pk}/download")
    api_download = client.get(f"/api/v1/resources/{resource.pk}/download")

    assert page.status_code == 200 and "需申请" in page.content.decode()
    assert api.status_code == 200 and api.json()["open_condition"] == "需实名认证并签署协议"
    assert web_download.status_code == 403 and "需申请" in web_download.content.decode()
    assert api_download.status_code == 403
    assert api_download.json()["error"]["code"] == "access_required"
    for url in (
        f"/resources/{resource.pk}/export.csv",
        f"/api/v1/resources/{resource.pk}/export.json",
        f"/resources/{resource.pk}/preview",
        f"/resources/{resource.pk}/chart",
    ):
        assert client.get(url).status_code == 403 and "需申请" in client.get(url).content.decode()
    for endpoint in ("rows", "aggregate", "schema"):
        rows = client.get(f"/api/v1/resources/{resource.pk}/{endpoint}")
        assert rows.status_code == 403 and rows.json()["error"]["code"] == "access_required"


def test_withdrawing_takes_a_dataset_off_every_surface_at_once(client, catalog, publisher):
    from kaifang.catalog import services
    from kaifang.core.audit import Actor

    dataset = catalog[State.PUBLISHED]
    assert dataset.title in client.get("/datasets/").content.decode()

    services.withdraw(Actor.for_user(publisher), dataset, "数据有误，暂时下线")

    for url in _list_surfaces(catalog):
        assert dataset.title not in client.get(url).content.decode(), url
    assert client.get(f"/datasets/{dataset.name}/").status_code == 404
    assert client.get("/api/v1/datasets?limit=1").json()["count"] == 1
