"""The absolute addresses every machine-readable output uses: pages, downloads, APIs, and the
stable identifiers of datasets, distributions, departments and code-list concepts.

Identifiers are built on UUIDs, not names (a dataset or department can be renamed; its old name
redirects, but an identifier a harvester stored must never change), and follow CKAN's paths
(`/dataset/<id>`), which harvesters written for CKAN expect. The addresses of pages and files
are reversed from the URL configuration once per output and filled in per object, since a
catalog page links hundreds of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import iri_to_uri

from kaifang.catalog.models import Dataset, Resource
from kaifang.organizations.models import Department

_SLOT = "00000000-0000-0000-0000-000000000000"


def _pattern(view: str, *, uuid_arg: bool = False) -> str:
    """The path of `view` with a placeholder for its one argument."""
    return reverse(view, args=[_SLOT if uuid_arg else "--slot--"]).replace(_SLOT, "--slot--")


@dataclass(frozen=True)
class Links:
    """Addresses under `base` (scheme and host, no trailing slash) as the request saw them."""

    base: str
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_request(cls, request: HttpRequest) -> Links:
        return cls(request.build_absolute_uri("/").rstrip("/"))

    def url(self, path: str) -> str:
        return self.base + path

    def _fill(self, view: str, value: str, *, uuid_arg: bool = False) -> str:
        pattern = self._cache.get(view)
        if pattern is None:
            pattern = self._cache[view] = self.base + _pattern(view, uuid_arg=uuid_arg)
        return pattern.replace("--slot--", value)

    # pages people read

    @cached_property
    def home(self) -> str:
        return self.url(reverse("web:home"))

    @cached_property
    def dataset_list(self) -> str:
        return self.url(reverse("catalog:dataset-list"))

    def dataset_page(self, dataset: Dataset) -> str:
        return self._fill("catalog:dataset-detail", dataset.name)

    def access_request(self, dataset: Dataset) -> str:
        """Where a person asks for a conditional dataset's data: the dataset page's 开放条件与
        使用要求 section, which explains the conditions and how to apply."""
        return self.dataset_page(dataset) + "#terms-title"

    def department_page(self, department: Department) -> str:
        return self._fill("organizations:department-detail", department.name)

    def domain_page(self, code: str) -> str:
        return self._fill("web:domain-detail", code)

    # data

    def download(self, resource: Resource) -> str:
        return self._fill("catalog:resource-download", str(resource.pk), uuid_arg=True)

    def rows_api(self, resource: Resource) -> str:
        return self._fill("api:resource-rows", str(resource.pk), uuid_arg=True)

    def export_csv(self, resource: Resource, sheet: str = "") -> str:
        path = reverse("datastore:resource-export", args=[resource.pk, "csv"])
        return self.url(path) + (f"?sheet={quote(sheet)}" if sheet else "")

    @cached_property
    def openapi(self) -> str:
        return self.url(reverse("api:openapi-json"))

    # identifiers and machine-readable documents

    @cached_property
    def catalog(self) -> str:
        return self.url(reverse("interop:catalog"))

    def catalog_page(self, fmt: str, page: int, per_page: int | None = None) -> str:
        """A page of the catalog document; `per_page` is kept when not the default."""
        extra = f"&per_page={per_page}" if per_page else ""
        return self.url(reverse("interop:catalog-format", args=[fmt])) + f"?page={page}{extra}"

    def dataset(self, dataset: Dataset) -> str:
        return self._fill("interop:dataset", str(dataset.pk))

    def distribution(self, dataset: Dataset, resource: Resource, part: str = "") -> str:
        return f"{self.dataset(dataset)}/resource/{resource.pk}{part}"

    def datapackage(self, dataset: Dataset) -> str:
        return self._fill("interop:datapackage", dataset.name)

    def department(self, department: Department) -> str:
        return f"{self.base}/organization/{department.pk}"

    @cached_property
    def site_publisher(self) -> str:
        return self.home + "#publisher"

    def codelist(self, name: str) -> str:
        return self._fill("interop:codelist", name)

    def concept(self, codelist: str, code: str) -> str:
        return f"{self.codelist(codelist)}#{quote(code, safe='')}"


def external(url: str) -> str:
    """An address a publisher typed, percent-encoded where it has spaces or Chinese, so every
    output carries a valid URI."""
    return iri_to_uri(url.strip())
