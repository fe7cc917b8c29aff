"""Harvesting a DCAT catalog: RDF as Turtle, RDF/XML or JSON-LD, a page at a time.

A page is one RDF document; the next is named by Hydra (`hydra:next`, or the older
`hydra:nextPage`), as our own /catalog.ttl pages do and as DCAT-AP harvesters expect. Every
`dcat:Dataset` of a page is one record. Its values are read back through the `dcat:` mapping of
each field of the metadata schema — the same mapping our own DCAT output writes with — so a
field added to the schema is harvested without a change here: text in Chinese where the remote
gives a choice of languages, codes from our own concept schemes or from the EU authority tables
our output uses (frequency, access right, file type), dct:publisher through the source's
department mapping, dcat:theme through its domain mapping first. Distributions become link (or,
when they name a data service, API) resources; in a mirror source a distribution with a
dcat:downloadURL (or a link in a file format) is a file fetched here, again when its
dcat:byteSize or dct:modified (else the dataset's) changes.

Safety: the documents are other people's. RDF/XML is checked with defusedxml before rdflib reads
it, and one with a DTD is refused (rdflib's parser would expand its entities); JSON-LD contexts
given by address are fetched here, through the same guarded client and limits, and written into
the document, so rdflib never opens a connection of its own.

DCAT has no query for “changed since”: an incremental run reads every page and skips the
datasets whose dct:modified is older than the last run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from kaifang.catalog.schema import Field, get_schema
from kaifang.core import codelists, http
from kaifang.core.http import FetchFailed
from kaifang.harvest.backends import lookup
from kaifang.harvest.backends.base import HarvestBackend, RemoteRecord, mirror_entry, register
from kaifang.interop.dcat.vocab import EU, HYDRA, expand

ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"
#: media type → rdflib parser
SYNTAXES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "n3",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}
EXTENSIONS = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld", "json": "json-ld"}
#: how deep JSON-LD contexts may refer to further contexts
MAX_CONTEXT_DEPTH = 4
#: EU authority table → the code list whose items name their entry in it, and the key naming it
AUTHORITIES = {
    "frequency": ("update_frequency", "eu_frequency"),
    "access-right": ("open_type", "eu_access_right"),
    "file-type": ("format", "eu_file_type"),
}
#: entries of an authority table that differ from the ones our code lists name
AUTHORITY_ALIASES = {("frequency", "CONT"): "UPDATE_CONT", ("frequency", "OTHER"): "MONTHLY_3"}
OUR_CONCEPT = re.compile(r"/codelists/(?P<name>[^/#?.]+)#(?P<code>[^#]+)$")
FIELD_LINE = re.compile(r"^(?P<name>.*?)(?:（(?P<facts>[^）]*)）)?(?:：(?P<note>.*))?$")
LANGUAGES = ("zh", "zh-cn", "zh-hans")


@register
class DcatBackend(HarvestBackend):
    key = "dcat"
    label = gettext_lazy("DCAT 目录（Turtle、RDF/XML、JSON-LD）")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._count: int | None = None
        self._contexts: dict[str, Any] = {}

    def total(self) -> int | None:
        return self._count

    # pages ----------------------------------------------------------------------------------
    def pages(self, since: dt.datetime | None) -> Iterator[list[Any]]:
        url: str | None = self.source.url
        seen: set[str] = set()
        while url:
            if url in seen:
                raise FetchFailed(_("目录的分页链接回到了已读过的页面 %(url)s。") % {"url": url})
            seen.add(url)
            graph = self.fetch_graph(url)
            self._count = _total(graph) if self._count is None else self._count
            yield [
                {"id": _remote_id(graph, node), "graph": graph, "node": node}
                for node in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
                if not lookup.changed_before(_value(graph, node, DCTERMS.modified), since)
            ]
            url = _next_page(graph, url)

    def fetch_graph(self, url: str) -> Graph:
        """The RDF document at `url`, read by the syntax its server names (else its address's
        extension, else its first character)."""
        response = http.get(url, limits=self.limits, headers={"Accept": ACCEPT})
        syntax = _syntax(response)
        graph = Graph()
        try:
            if syntax == "xml":
                _refuse_unsafe_xml(response)
                graph.parse(data=response.body, format="xml", publicID=response.url)
            elif syntax == "json-ld":
                document = self._inlined(response.json(), response.url, 0)
                graph.parse(data=json.dumps(document), format="json-ld", base=response.url)
            else:
                graph.parse(data=response.body, format=syntax, publicID=response.url)
        except FetchFailed:
            raise
        except Exception as exc:  # rdflib's parsers raise many kinds; all mean "not RDF"
            raise FetchFailed(
                _("%(url)s 不是有效的 RDF（%(syntax)s）：%(error)s")
                % {"url": response.url, "syntax": syntax, "error": str(exc)[:300]}
            ) from exc
        return graph

    def _inlined(self, value: Any, base: str, depth: int) -> Any:
        """The JSON-LD `value` with every context given by address replaced by its content."""
        if isinstance(value, list):
            return [self._inlined(item, base, depth) for item in value]
        if not isinstance(value, dict):
            return value
        found = {}
        for key, item in value.items():
            if key == "@import":
                message = _("%(url)s 的 JSON-LD 使用了 @import，不予解析。")
                raise FetchFailed(message % {"url": base})
            if key == "@context":
                found[key] = self._context(item, base, depth)
            else:
                found[key] = self._inlined(item, base, depth)
        return found

    def _context(self, value: Any, base: str, depth: int) -> Any:
        if isinstance(value, list):
            return [self._context(item, base, depth) for item in value]
        if not isinstance(value, str):
            return self._inlined(value, base, depth)
        if depth >= MAX_CONTEXT_DEPTH:
            raise FetchFailed(_("%(url)s 的 JSON-LD 上下文嵌套过深。") % {"url": base})
        url = urljoin(base, value)
        if url not in self._contexts:
            fetched = http.get_json(url, limits=self.limits)
            if not isinstance(fetched, dict) or "@context" not in fetched:
                raise FetchFailed(_("%(url)s 不是 JSON-LD 上下文。") % {"url": url})
            self._contexts[url] = self._context(fetched["@context"], url, depth + 1)
        return self._contexts[url]

    # one dataset ----------------------------------------------------------------------------
    def parse(self, raw: Any) -> RemoteRecord:
        graph, node = raw["graph"], raw["node"]
        landing = graph.value(node, DCAT.landingPage)
        page = landing if isinstance(landing, URIRef) else node
        original = str(page) if str(page).startswith(("http://", "https://")) else self.source.url
        return RemoteRecord(remote_id=raw["id"], original_url=original[:1000], raw=raw)

    def map_values(self, record: RemoteRecord) -> dict[str, Any]:
        graph, node = record.raw["graph"], record.raw["node"]
        reader = Reader(graph, node)
        values: dict[str, Any] = {}
        for f in get_schema().editable_dataset_fields:
            if f.dcat and f.type != "department":
                value = reader.field(f)
                if value not in (None, "", []):
                    values[f.key] = value
        values["department"] = lookup.mapped_department(
            self.source, reader.names(graph.value(node, DCTERMS.publisher))
        )
        themes = [n for t in graph.objects(node, DCAT.theme) for n in reader.names(t)]
        domain = lookup.mapped_domain(self.source, themes)
        if domain:
            values["domain"] = domain
        return lookup.with_defaults(self.source, values)

    def map_resources(self, record: RemoteRecord) -> list[dict[str, Any]]:
        graph, node = record.raw["graph"], record.raw["node"]
        reader = Reader(graph, node)
        found = []
        for n, dist in enumerate(sorted(graph.objects(node, DCAT.distribution), key=str), 1):
            url = graph.value(dist, DCAT.downloadURL) or graph.value(dist, DCAT.accessURL)
            if url is None:
                continue
            media = graph.value(dist, DCAT.mediaType)
            fmt = reader.code(graph.value(dist, DCTERMS.format), "format") or lookup.format_code(
                "", _media_text(media)
            )
            entry = {
                "title": reader.text(dist, DCTERMS.title) or lookup.untitled(n),
                "description": reader.text(dist, DCTERMS.description),
                "kind": "api" if graph.value(dist, DCAT.accessService) else "link",
                "url": str(url).strip(),
                "format": fmt or "",
            }
            found.append(self._mirrored(graph, node, dist, entry))
        return found

    def _mirrored(self, graph: Graph, node: Any, dist: Any, entry: dict[str, Any]) -> dict:
        """What DCAT says of a distribution's file: its size and modification date, so an
        unchanged file is not fetched again; a distribution with an address of its own keeps
        its key when its download address moves."""
        size = graph.value(dist, DCAT.byteSize)
        modified = graph.value(dist, DCTERMS.modified) or graph.value(node, DCTERMS.modified)
        return mirror_entry(
            self.source,
            entry,
            key=str(dist) if isinstance(dist, URIRef) else entry["url"],
            download=graph.value(dist, DCAT.downloadURL) is not None,
            size=_byte_size(size),
            modified=str(modified or ""),
        )


class Reader:
    """Reads one dataset's values out of a graph, field by field, by the field's `dcat:`
    mapping and type: the reverse of our DCAT output's writers."""

    def __init__(self, graph: Graph, root: URIRef | BNode):
        self.graph, self.root = graph, root

    def field(self, f: Field) -> Any:
        *path, last = (expand(part) for part in f.dcat.split("/"))
        nodes = [self.root]
        for predicate in path:
            nodes = [o for n in nodes for o in sorted(self.graph.objects(n, predicate), key=str)]
        objects = [o for n in nodes for o in self.graph.objects(n, last)]
        objects = _own_statements(objects, f.key)
        reader = READERS.get(f.type, Reader.texts)
        return reader(self, f, objects)

    # by field type
    def texts(self, f: Field, objects: list) -> str:
        labels = [self._statement_text(o) for o in objects]
        return _preferred([o for o in labels if o is not None])

    def plain(self, f: Field, objects: list) -> str:
        found = [str(o).strip() for o in objects if isinstance(o, Literal) and str(o).strip()]
        return sorted(found)[0] if found else ""

    def date(self, f: Field, objects: list) -> str:
        return self.plain(f, objects)[:10]

    def boolean(self, f: Field, objects: list) -> bool | None:
        found = [o.toPython() for o in objects if isinstance(o, Literal)]
        return bool(found[0]) if found and isinstance(found[0], bool) else None

    def integer(self, f: Field, objects: list) -> int | None:
        found = [o.toPython() for o in objects if isinstance(o, Literal)]
        return found[0] if found and isinstance(found[0], int) else None

    def url(self, f: Field, objects: list) -> str:
        found = [str(o) for o in objects if isinstance(o, URIRef)]
        return sorted(found)[0] if found else ""

    def email(self, f: Field, objects: list) -> str:
        return (self.url(f, objects) or self.plain(f, objects)).removeprefix("mailto:")

    def phone(self, f: Field, objects: list) -> str:
        return (self.url(f, objects) or self.plain(f, objects)).removeprefix("tel:")

    def tags(self, f: Field, objects: list) -> list[str]:
        literals = [o for o in objects if isinstance(o, Literal)]
        chosen = [o for o in literals if (o.language or "").lower() in LANGUAGES] or literals
        return sorted(dict.fromkeys(str(o).strip() for o in chosen if str(o).strip()))

    def codes(self, f: Field, objects: list) -> list[str]:
        found = (self.code(o, f.codelist) for o in objects)
        return sorted({c for c in found if c})

    def one_code(self, f: Field, objects: list) -> str:
        found = self.codes(f, objects)
        return found[0] if found else ""

    def related(self, f: Field, objects: list) -> list[str]:
        """Related datasets by the identifiers they carry in the same document."""
        found = (self.graph.value(o, DCTERMS.identifier) for o in objects)
        return sorted({str(c) for c in found if c is not None})

    def region(self, f: Field, objects: list) -> str:
        for o in objects:
            notation = str(self.graph.value(o, SKOS.notation) or "")
            if re.fullmatch(r"[0-9]{6}", notation):
                return notation
        return ""

    def fields(self, f: Field, objects: list) -> list[dict[str, Any]]:
        """信息项 back from the description our output gives its dct:Standard, one a line:
        名称（类型，长度）：说明."""
        standards = [o for o in objects if str(o).endswith(f"#{f.key}")]
        text = self.text(standards[0], DCTERMS.description) if standards else ""
        by_label = {item.zh: item.code for item in codelists.get("field_data_type")}
        found = []
        for line in (ln.strip() for ln in text.splitlines()):
            match = FIELD_LINE.match(line)
            if not line or match is None:
                continue
            facts = [p.strip() for p in (match["facts"] or "").split("，") if p.strip()]
            kind = by_label.get(facts[0], "C") if facts else "C"
            length = next((p for p in facts[1:] if p.isdigit()), "")
            found.append(
                {
                    "name": match["name"].strip(),
                    "type": kind,
                    "length": length,
                    "description": (match["note"] or "").strip(),
                }
            )
        return found

    # nodes
    def text(self, node: Any, predicate: URIRef) -> str:
        return _preferred(list(self.graph.objects(node, predicate)))

    def _statement_text(self, node: Any) -> Literal | None:
        """A literal as it is; a statement node (dct:rights …) by its label."""
        if isinstance(node, Literal):
            return node
        label = [o for o in self.graph.objects(node, RDFS.label) if isinstance(o, Literal)]
        return _preferred_literal(label)

    def code(self, node: Any, name: str | None) -> str | None:
        """Our code of list `name` for `node`: an entry of an EU authority table, a concept of our
        own scheme (or any concept whose scheme is our list's), or a literal code or label."""
        if node is None or not name:
            return None
        if isinstance(node, Literal):
            return lookup.code_from_text(name, node)
        text = str(node)
        if text.startswith(EU):
            return _authority_code(text, name)
        match = OUR_CONCEPT.search(text)
        if match and match["name"] == name and unquote(match["code"]) in codelists.get(name):
            return unquote(match["code"])
        scheme = str(self.graph.value(node, SKOS.inScheme) or "")
        notation = self.graph.value(node, SKOS.notation)
        if scheme.rstrip("/").endswith(f"/codelists/{name}") and notation is not None:
            return lookup.code_from_text(name, notation)
        if name == "licence":
            return lookup.code_by_extra(name, "url", text)
        return None

    def names(self, node: Any) -> list[str]:
        """What a publisher or theme may be known by in a mapping table: its address, names,
        labels, notation and identifier."""
        if node is None:
            return []
        found = [] if isinstance(node, BNode) else [str(node)]
        for predicate in (FOAF.name, SKOS.prefLabel, SKOS.notation, DCTERMS.identifier):
            found.extend(str(o).strip() for o in self.graph.objects(node, predicate))
        return [n for n in found if n]


READERS = {
    "text": Reader.texts,
    "textarea": Reader.texts,
    "identifier": Reader.plain,
    "date": Reader.date,
    "boolean": Reader.boolean,
    "integer": Reader.integer,
    "url": Reader.url,
    "email": Reader.email,
    "phone": Reader.phone,
    "tags": Reader.tags,
    "code": Reader.one_code,
    "codes": Reader.codes,
    "identifiers": Reader.related,
    "region": Reader.region,
    "fields": Reader.fields,
}


def _own_statements(objects: list, key: str) -> list:
    """Where several fields share a property (dct:rights for 开放条件 and 使用要求说明), our
    output names each field's statement `#<key>`: keep the one of this field, drop the others'
    (a remote statement named after none of them is every such field's)."""
    mine = [o for o in objects if isinstance(o, URIRef) and str(o).endswith(f"#{key}")]
    if mine:
        return mine
    keys = {f.key for f in get_schema().dataset_fields}
    return [o for o in objects if not (isinstance(o, URIRef) and _fragment(o) in keys)]


def _byte_size(value: Any) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _fragment(node: URIRef) -> str:
    return urlsplit(str(node)).fragment


def _preferred_literal(literals: list) -> Literal | None:
    """The Chinese literal where there is one, else one without a language, else any."""
    literals = sorted((o for o in literals if isinstance(o, Literal)), key=str)
    for wanted in (lambda o: (o.language or "").lower() in LANGUAGES, lambda o: not o.language):
        chosen = [o for o in literals if wanted(o)]
        if chosen:
            return chosen[0]
    return literals[0] if literals else None


def _preferred(literals: list) -> str:
    chosen = _preferred_literal(literals)
    return str(chosen).strip() if chosen is not None else ""


def _authority_code(uri: str, name: str) -> str | None:
    table, _sep, entry = uri.removeprefix(EU).partition("/")
    if table not in AUTHORITIES or AUTHORITIES[table][0] != name:
        return None
    entry = AUTHORITY_ALIASES.get((table, entry), entry)
    return lookup.code_by_extra(name, AUTHORITIES[table][1], entry)


def _media_text(node: Any) -> str:
    """An IANA media type address (or a literal) as `type/subtype`."""
    text = str(node or "")
    return text.split("/media-types/", 1)[-1] if "/media-types/" in text else text


def _value(graph: Graph, node: Any, predicate: URIRef) -> Any:
    found = graph.value(node, predicate)
    return found.toPython() if isinstance(found, Literal) else None


def _remote_id(graph: Graph, node: Any) -> str:
    """The dataset's dct:identifier (the resource code, for a catalog like ours), else its
    address: what the remote keeps when a dataset changes."""
    identifier = graph.value(node, DCTERMS.identifier)
    return str(identifier or node).strip()[:200]


def _total(graph: Graph) -> int | None:
    for count in graph.objects(None, HYDRA.totalItems):
        if isinstance(count, Literal) and isinstance(count.toPython(), int):
            return count.toPython()
    return None


def _next_page(graph: Graph, url: str) -> str | None:
    """The page after this one, from Hydra's paging (the view describing this page first)."""
    pages = []
    for predicate in (HYDRA.next, HYDRA.nextPage):
        pages.extend((str(s) != url, str(o)) for s, o in graph.subject_objects(predicate))
    return urljoin(url, sorted(pages)[0][1]) if pages else None


def _syntax(response: http.Response) -> str:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in SYNTAXES:
        return SYNTAXES[media]
    extension = urlsplit(response.url).path.rsplit(".", 1)[-1].lower()
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    start = response.body.lstrip()[:1]
    return {b"<": "xml", b"{": "json-ld", b"[": "json-ld"}.get(start, "turtle")


class _Ignore(ContentHandler):
    pass


def _refuse_unsafe_xml(response: http.Response) -> None:
    """Read the XML once with defusedxml, refusing DTDs, entities and external references,
    before rdflib's own parser (which would expand them) sees it."""
    try:
        defusedxml.sax.parseString(response.body, _Ignore(), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FetchFailed(
            _("%(url)s 的 RDF/XML 含有 DTD 或实体声明，出于安全原因不予解析。")
            % {"url": response.url}
        ) from exc
    except SAXException as exc:
        raise FetchFailed(
            _("%(url)s 不是有效的 XML：%(error)s") % {"url": response.url, "error": exc}
        ) from exc
