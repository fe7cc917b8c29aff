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
    "web:feed-datasets-rss",
    "web:feed-domain",
    "web:feed-domain-rss",
    "web:feed-department",
    "web:feed-department-rss",
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
    "api:search-suggest",
    "api:search-hot",
    "api:unknown_path",
    "interop:catalog",
    "interop:catalog-format",
    "interop:dataset",
    "interop:dataset-format",
    "interop:datapackage",
    "interop:data-json",
    "interop:ckan-action",
    "interop:ckan-action-unversioned",
}
#: routes that show no dataset at all (documentation, language switch)
NO_DATASET_ROUTES = {
    "api:openapi-json",
    "api:openapi-view",
    "set_language",
    "interop:codelist",
    "interop:codelist-format",
    "interop:opensearch",
}
#: route namespaces or names behind sign-in, role-checked in their own tests
SIGNED_IN_PREFIXES = (
    "admin:",
    "accounts:",
    "catalog:workspace",
    "catalog:review",
    "catalog_xlsx:",
)
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


def _body(response) -> str:
    """The text of a response, streamed (data.json) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


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
        "/feeds/datasets.rss",
        "/feeds/domains/6.atom",
        f"/feeds/departments/{department.name}.rss",
        "/sitemap.xml",
        "/catalog",
        "/catalog.ttl",
        "/catalog.rdf",
        "/catalog.jsonld",
        "/data.json",
        "/api/v1/datasets?limit=100",
        "/api/v1/datasets?q=状态&limit=100",
        "/api/v1/departments",
        "/api/v1/domains",
        "/api/v1/search/suggest?q=状态",
        "/api/v1/search/suggest?q=zhuangtai",
        "/api/v1/search/suggest?q=私有",
        "/api/v1/search/suggest?q=有条件",
        "/api/v1/search/hot",
        *_ckan_list_surfaces(department),
    ]


def _ckan_list_surfaces(department) -> list[str]:
    """The CKAN Action API's lists (interop/ckan), under both of its prefixes."""
    facets = '["organization", "groups", "tags", "res_format", "license_id"]'
    return [
        "/api/3/action/package_list",
        "/api/3/action/current_package_list_with_resources?limit=100",
        f"/api/3/action/package_search?rows=100&include_private=true&facet.field={facets}",
        "/api/3/action/package_search?q=状态&rows=100",
        "/api/3/action/package_search?fq=groups:domain-6&sort=name asc&rows=100",
        f"/api/action/organization_show?id={department.name}&include_datasets=true",
        "/api/action/organization_list?all_fields=true",
        "/api/action/group_show?id=domain-6&include_datasets=true",
        "/api/action/tag_list?all_fields=true",
    ]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider"])
def test_hidden_datasets_appear_on_no_public_surface(request, client, catalog, who):
    client = _visitor(request, who, client)

    for url in _list_surfaces(catalog):
        response = client.get(url)
        body = _body(response)
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
        f"/dataset/{dataset.name}",
        f"/dataset/{dataset.pk}",
        f"/dataset/{dataset.name}.ttl",
        f"/dataset/{dataset.name}.jsonld",
        f"/dataset/{dataset.name}/datapackage.json",
        f"/api/3/action/package_show?id={dataset.name}",
        f"/api/action/package_show?id={dataset.pk}",
        f"/api/3/action/resource_show?id={resource.pk}",
        f"/api/3/action/datastore_search?resource_id={resource.pk}",
    ]:
        assert client.get(url).status_code == 404, url
    ckan_sql = {"sql": f'SELECT 1 FROM "{resource.pk}"'}  # noqa: S608
    ckan = client.post("/api/3/action/datastore_search_sql", ckan_sql, "application/json")
    assert ckan.status_code == 404
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
    ckan = client.get('/api/3/action/package_search?facet.field=["groups"]').json()["result"]
    assert ckan["count"] == 2 and ckan["facets"]["groups"] == {"domain-6": 2}


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
    ckan_show = client.get(f"/api/3/action/package_show?id={dataset.name}")
    ckan_rows = client.get(f"/api/3/action/datastore_search?resource_id={resource.pk}")
    assert ckan_show.status_code == 200 and ckan_show.json()["result"]["title"] == dataset.title
    assert ckan_rows.status_code == 403
    assert ckan_rows.json()["error"]["__type"] == "Authorization Error"
    for url in ("/catalog.ttl", "/data.json", f"/dataset/{dataset.name}.rdf"):
        body = _body(client.get(url))
        assert dataset.title in body and f"/resources/{resource.pk}/download" not in body, url
    assert client.get(f"/dataset/{dataset.name}/datapackage.json").status_code == 403


def test_withdrawing_takes_a_dataset_off_every_surface_at_once(client, catalog, publisher):
    from kaifang.catalog import services
    from kaifang.core.audit import Actor

    dataset = catalog[State.PUBLISHED]
    assert dataset.title in client.get("/datasets/").content.decode()

    services.withdraw(Actor.for_user(publisher), dataset, "数据有误，暂时下线")

    for url in _list_surfaces(catalog):
        assert dataset.title not in _body(client.get(url)), url
    assert client.get(f"/datasets/{dataset.name}/").status_code == 404
    assert client.get("/api/v1/datasets?limit=1").json()["count"] == 1
