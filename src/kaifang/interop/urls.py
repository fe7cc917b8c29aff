"""The machine-readable catalog: DCAT-AP (`/catalog`, `/dataset/<name>`, `/codelists/<name>`),
Project Open Data (`/data.json`), Frictionless Data Packages and the OpenSearch description.
Dataset addresses follow CKAN's (`/dataset/<name>.rdf`, `/dataset/<name>/datapackage.json`), which
harvesters written for CKAN expect."""

from django.urls import path, register_converter

from kaifang.interop import views
from kaifang.interop.ckan import urls as ckan_urls


class RdfFormat:
    regex = "ttl|rdf|jsonld"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class Dotless:
    """A name or UUID without a dot, so `.ttl` is not taken for part of it."""

    regex = "[^/.]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RdfFormat, "rdf")
register_converter(Dotless, "dotless")

app_name = "interop"
urlpatterns = [
    path("catalog", views.catalog, name="catalog"),
    path("catalog.<rdf:fmt>", views.catalog_format, name="catalog-format"),
    path("dataset/<dotless:name>", views.dataset, name="dataset"),
    path("dataset/<dotless:name>.<rdf:fmt>", views.dataset_format, name="dataset-format"),
    path(
        "dataset/<dotless:name>/datapackage.json",
        views.dataset_datapackage,
        name="datapackage",
    ),
    path("codelists/<dotless:name>", views.codelist, name="codelist"),
    path("codelists/<dotless:name>.<rdf:fmt>", views.codelist_format, name="codelist-format"),
    path("data.json", views.data_json, name="data-json"),
    path("opensearch.xml", views.opensearch, name="opensearch"),
]

# The CKAN Action API (interop/ckan).
urlpatterns += ckan_urls.urlpatterns
