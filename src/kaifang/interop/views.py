"""The machine-readable catalog's addresses. Each view reads the request, asks the output's module
for the document and answers it; every document is built from the public catalog only
(interop.selectors), whoever asks.

Errors answer in plain Chinese text with their status (400 for a bad parameter, 403 需申请, 404),
since the asker is a program expecting a data format, not a page.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from kaifang.catalog import selectors as catalog_selectors
from kaifang.core.errors import Invalid, KaifangError
from kaifang.interop import datajson, datapackage, dcat
from kaifang.interop.links import Links

HTML = "text/html"


def _refuse(error: KaifangError) -> HttpResponse:
    status = 400 if isinstance(error, Invalid) else error.status
    return HttpResponse(error.message, status=status, content_type="text/plain; charset=utf-8")


def _negotiated(request: HttpRequest) -> str | None:
    """The RDF format the Accept header prefers, Turtle when it has no preference, or None when
    it prefers a web page (a browser following a dataset's identifier)."""
    preferred = request.get_preferred_type([*dcat.MEDIA_TYPES, HTML])
    if preferred == HTML:
        return None
    return dcat.MEDIA_TYPES.get(preferred or "", "ttl")


def _rdf(body: bytes, fmt: str, *, negotiated: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=dcat.FORMATS[fmt][1])
    if negotiated:
        patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    """`/catalog`: the catalog in the RDF format the client asks for; a browser goes to the
    dataset list."""
    fmt = _negotiated(request)
    if fmt is None:
        response = HttpResponseRedirect(reverse("catalog:dataset-list"), status=303)
        patch_vary_headers(response, ["Accept"])
        return response
    return _catalog(request, fmt, negotiated=True)


@require_safe
def catalog_format(request: HttpRequest, fmt: str) -> HttpResponse:
    """`/catalog.ttl`, `.rdf`, `.jsonld`: one page of the catalog (`?page=`, `?per_page=`)."""
    return _catalog(request, fmt)


def _catalog(request: HttpRequest, fmt: str, *, negotiated: bool = False) -> HttpResponse:
    try:
        page, per_page = dcat.parse_paging(request.GET)
        body = dcat.catalog_document(Links.for_request(request), fmt, page, per_page)
    except KaifangError as exc:
        return _refuse(exc)
    return _rdf(body, fmt, negotiated=negotiated)


@require_safe
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    """`/dataset/<id or name>`: a dataset's identifier. RDF for programs, the dataset page for
    browsers."""
    fmt = _negotiated(request)
    if fmt is None:
        try:
            found = catalog_selectors.get_dataset(name, request.user)
        except KaifangError as exc:
            return _refuse(exc)
        target = reverse("catalog:dataset-detail", args=[found.name])
        response = HttpResponseRedirect(target, status=303)
        patch_vary_headers(response, ["Accept"])
        return response
    return _dataset(request, name, fmt, negotiated=True)


@require_safe
def dataset_format(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """`/dataset/<name>.ttl`, `.rdf`, `.jsonld`."""
    return _dataset(request, name, fmt)


def _dataset(request: HttpRequest, name: str, fmt: str, *, negotiated: bool = False):
    try:
        body = dcat.dataset_document(Links.for_request(request), name, fmt)
    except KaifangError as exc:
        return _refuse(exc)
    return _rdf(body, fmt, negotiated=negotiated)


@require_safe
def codelist(request: HttpRequest, name: str) -> HttpResponse:
    """`/codelists/<name>`: a code list as a SKOS concept scheme (the themes of the catalog)."""
    fmt = _negotiated(request) or "ttl"
    return _codelist(request, name, fmt, negotiated=True)


@require_safe
def codelist_format(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    return _codelist(request, name, fmt)


def _codelist(request: HttpRequest, name: str, fmt: str, *, negotiated: bool = False):
    try:
        body = dcat.scheme_document(Links.for_request(request), name, fmt)
    except KaifangError as exc:
        return _refuse(exc)
    return _rdf(body, fmt, negotiated=negotiated)


@require_safe
def data_json(request: HttpRequest) -> HttpResponse:
    """`/data.json`: the catalog as Project Open Data 1.1, streamed."""
    chunks = datajson.catalog_chunks(Links.for_request(request))
    return StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")


@require_safe
def dataset_datapackage(request: HttpRequest, name: str) -> HttpResponse:
    """`/dataset/<name>/datapackage.json`: a Frictionless Data Package."""
    try:
        body = datapackage.package_json(Links.for_request(request), name, request.user)
    except KaifangError as exc:
        return _refuse(exc)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    """`/opensearch.xml`: lets browsers add the catalog search to their search box."""
    return render(
        request,
        "interop/opensearch.xml",
        {"links": Links.for_request(request)},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
