"""Adding a page of new remote records at once.

A first harvest of a large catalog is almost only new records, and writing them one by one
costs a dozen queries each (a uniqueness query per name, a lookup per department, region, tag
and identifier, an insert per row). Here a page's new records are checked first, every one on
its own — the metadata schema, the department and region they name, the identifier not used by
another dataset, the source's right to write into the department, each link resource — with the
database read once per kind of fact for the whole page. The records that fail are reported with
their reason; the good ones are then written together in one transaction: the datasets, their
keywords, their provenance records, their link resources, the search log's rows and one audit
entry per dataset, each kind in one bulk insert.

Should that bulk write still fail (another process took a name or an identifier meanwhile),
nothing of it stays and the caller writes those records one by one in their own savepoints, so
the failing one is found and reported and the others are kept. A mirror source's records with
files to fetch never come here: fetching is per record (`harvest.mirror`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaifang.catalog.models import Dataset, DatasetNameRedirect, Resource, ReviewStage, State, Tag
from kaifang.catalog.schema import get_schema
from kaifang.catalog.schema.validation import Errors, MetadataInvalid, is_empty, validate
from kaifang.catalog.services import values
from kaifang.catalog.services.resources import clean_resource_data
from kaifang.core import names
from kaifang.core.audit import Actor
from kaifang.core.errors import KaifangError
from kaifang.core.models import AuditEntry, Region
from kaifang.harvest import permissions
from kaifang.harvest.backends import RecordFailed, RemoteRecord
from kaifang.harvest.models import HarvestedRecord, HarvestSource
from kaifang.organizations.models import Department
from kaifang.search.services import datasets_changed

#: records written together; a backend's page (a whole data.json may be one) is cut to this
BATCH = 200


def set_state(dataset: Dataset, source: HarvestSource) -> None:
    """A trusted source's dataset is published; another's waits in the department's review."""
    if source.trusted:
        dataset.state, dataset.review_stage = State.PUBLISHED, ""
        dataset.published_at = dataset.published_at or timezone.now()
    else:
        dataset.state, dataset.review_stage = State.IN_REVIEW, ReviewStage.DEPARTMENT


def clean_resource(raw: dict[str, Any]) -> dict[str, Any]:
    """A link or API entry checked against the schema's resource fields."""
    try:
        return clean_resource_data(raw, has_file=False)
    except MetadataInvalid as exc:
        raise RecordFailed(
            _("资源“%(title)s”有误：%(error)s") % {"title": raw.get("title"), "error": exc.message}
        ) from None


def known_records(source: HarvestSource, remote_ids: Collection[str]) -> dict[str, HarvestedRecord]:
    """The provenance records of `remote_ids` this source already has. Their datasets are read
    only for the few records that changed: most of a re-run is unchanged records."""
    found = HarvestedRecord.objects.filter(source=source, remote_id__in=list(remote_ids))
    known = {}
    for record in found:
        record.source = source  # the one in hand, not a query per changed record
        known[record.remote_id] = record
    return known


# free names for many rows at once ------------------------------------------------------------
class NameBook:
    """Hands out free names (`core.names.unique_name`'s rule) for many new rows with a query or
    two in all: the first choice of every name is checked in one query, and a name whose first
    choice is taken has every existing name of its stem read once, so `base-2`, `base-3` … are
    not tried one query at a time."""

    def __init__(
        self,
        taken_among: Callable[[Collection[str]], set[str]],
        taken_with_stem: Callable[[str], set[str]],
        fallback: str,
    ):
        self.taken_among, self.taken_with_stem = taken_among, taken_with_stem
        self.fallback = fallback
        self.given: set[str] = set()
        self.stems: dict[str, set[str]] = {}

    def names(self, bases: list[str]) -> list[str]:
        first = [names.unique_name(base, _never, fallback=self.fallback) for base in bases]
        taken = self.taken_among(set(first) - self.given) if first else set()
        found = []
        for base, candidate in zip(bases, first, strict=True):
            if candidate in taken or candidate in self.given:
                candidate = names.unique_name(base, self._taken(candidate), fallback=self.fallback)
            self.given.add(candidate)
            found.append(candidate)
        return found

    def _taken(self, stem: str) -> Callable[[str], bool]:
        if stem not in self.stems:
            self.stems[stem] = self.taken_with_stem(stem)
        existing = self.stems[stem]
        return lambda name: name in existing or name in self.given


def _never(_name: str) -> bool:
    return False


def dataset_names() -> NameBook:
    """Dataset names: free of datasets' names and of the old names that redirect."""

    def among(wanted: Collection[str]) -> set[str]:
        found = set(Dataset.objects.filter(name__in=wanted).values_list("name", flat=True))
        redirects = DatasetNameRedirect.objects.filter(old_name__in=wanted)
        return found | set(redirects.values_list("old_name", flat=True))

    def with_stem(stem: str) -> set[str]:
        found = set(Dataset.objects.filter(name__startswith=stem).values_list("name", flat=True))
        redirects = DatasetNameRedirect.objects.filter(old_name__startswith=stem)
        return found | set(redirects.values_list("old_name", flat=True))

    return NameBook(among, with_stem, fallback="dataset")


def resource_names() -> NameBook:
    def among(wanted: Collection[str]) -> set[str]:
        return set(Resource.objects.filter(name__in=wanted).values_list("name", flat=True))

    def with_stem(stem: str) -> set[str]:
        return set(Resource.objects.filter(name__startswith=stem).values_list("name", flat=True))

    return NameBook(among, with_stem, fallback="resource")


def dataset_name_base(identifier: str | None, title: str) -> str:
    """What `catalog.services.new_dataset_name` starts from: the resource code, else the title."""
    return names.slug_from_code(identifier) if identifier else names.slug_from_text(title)


# checking a page of new records ------------------------------------------------------------
@dataclass
class NewRecord:
    """A new remote record on its way in: its values and link resources, once checked."""

    record: RemoteRecord
    digest: str
    cleaned: dict[str, Any] = field(default_factory=dict)
    links: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class PageChecks:
    """The facts a page of new records is checked against, each read in one query: the
    departments and regions the records name and the identifiers other datasets already use."""

    def __init__(self, fields: tuple, drafts: list[tuple[dict[str, Any], Errors]]):
        self.fields = fields
        refs: dict[str, set[str]] = {"department": set(), "region": set()}
        codes: set[str] = set()
        for cleaned, _errors in drafts:
            for f in fields:
                value = cleaned.get(f.key)
                if f.type in refs and isinstance(value, str) and value:
                    refs[f.type].add(value)
            if cleaned.get("identifier"):
                codes.add(str(cleaned["identifier"]))
        self.departments = _departments(refs["department"])
        self.regions = {r.code: r for r in Region.objects.filter(code__in=refs["region"])}
        taken = Dataset.objects.filter(identifier__in=codes).values_list("identifier", flat=True)
        self.identifiers_taken = set(taken)

    def resolve(self, cleaned: dict[str, Any], errors: Errors) -> None:
        """References by name, id or code become instances, as `values.clean_dataset_data`
        makes them; a blank region is the department's."""
        for f in self.fields:
            value = cleaned.get(f.key)
            if f.type not in {"department", "region"} or is_empty(value) or hasattr(value, "pk"):
                continue
            table = self.departments if f.type == "department" else self.regions
            found = table.get(value)
            if found is None:
                errors.setdefault(f.key, []).append(
                    _("“%(label)s”中的“%(value)s”不存在。")
                    % {"label": f.labels["zh"], "value": value}
                )
            else:
                cleaned[f.key] = found
        if "department" in cleaned and is_empty(cleaned["department"]):
            del cleaned["department"]
        department = cleaned.get("department")
        if is_empty(cleaned.get("region")) and isinstance(department, Department):
            cleaned["region"] = department.region

    def check_identifier(self, cleaned: dict[str, Any], errors: Errors) -> None:
        code = cleaned.get("identifier")
        if code and "identifier" not in errors and code in self.identifiers_taken:
            label = get_schema().dataset_field("identifier").labels["zh"]
            errors["identifier"] = [
                _("“%(label)s”“%(code)s”已被其他数据集使用。") % {"label": label, "code": code}
            ]


def _departments(references: set[str]) -> dict[str, Department]:
    """Departments named by name or by id, keyed by the reference as written."""
    ids = {}
    for text in references:
        try:
            ids[str(uuid.UUID(text))] = text
        except ValueError:
            continue
    query = Q(name__in=references) | Q(pk__in=list(ids))
    found: dict[str, Department] = {}
    for department in Department.objects.filter(query).select_related("region"):
        found[department.name] = department
        if str(department.pk) in ids:
            found[ids[str(department.pk)]] = department
    return found


def check_new(
    source: HarvestSource, pending: list[NewRecord]
) -> tuple[list[NewRecord], list[tuple[str, str]]]:
    """The records of `pending` fit to write, and the (remote id, reason) of those that are not.
    Nothing is written."""
    fields = get_schema().editable_dataset_fields
    drafts = [validate(fields, item.record.values, require=True) for item in pending]
    checks = PageChecks(fields, drafts)
    good, failed = [], []
    for item, (cleaned, errors) in zip(pending, drafts, strict=True):
        try:
            item.cleaned = _finish_values(source, checks, cleaned, errors)
            item.links = [
                (n, clean_resource(raw))
                for n, raw in enumerate(item.record.resources)
                if raw.get("kind") != Resource.Kind.FILE
            ]
        except RecordFailed as failure:
            failed.append((item.record.remote_id, failure.reason))
        except KaifangError as exc:
            failed.append((item.record.remote_id, exc.message))
        else:
            good.append(item)
    return good, failed


def _finish_values(
    source: HarvestSource, checks: PageChecks, cleaned: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    checks.resolve(cleaned, errors)
    checks.check_identifier(cleaned, errors)
    if errors:
        raise MetadataInvalid(errors)
    department = cleaned.get("department")
    if not permissions.may_harvest_into(source, department):
        raise RecordFailed(
            _("采集来源“%(source)s”不能写入部门“%(department)s”。")
            % {"source": source.title, "department": getattr(department, "title", "-")}
        )
    return cleaned


# writing them together -----------------------------------------------------------------------
def write_new(actor: Actor, source: HarvestSource, good: list[NewRecord]) -> bool:
    """Write the checked records in one transaction; False (and nothing written) when the
    database refused it, and then the caller writes them one by one to find out why."""
    if not good:
        return True
    try:
        with transaction.atomic():
            _write_new(actor, source, good)
    except (IntegrityError, KaifangError):
        return False
    return True


def _write_new(actor: Actor, source: HarvestSource, good: list[NewRecord]) -> None:
    datasets = [_new_dataset(source, item.cleaned) for item in good]
    bases = [dataset_name_base(d.identifier, d.title) for d in datasets]
    for dataset, name in zip(datasets, dataset_names().names(bases), strict=True):
        dataset.name = name
    Dataset.objects.bulk_create(datasets, batch_size=BATCH)
    _set_keywords(datasets, [item.cleaned for item in good])
    now = timezone.now()
    HarvestedRecord.objects.bulk_create(
        [_provenance(source, d, item, now) for d, item in zip(datasets, good, strict=True)],
        batch_size=BATCH,
    )
    Resource.objects.bulk_create(_links(datasets, good), batch_size=BATCH)
    datasets_changed(datasets, reason="harvest")
    AuditEntry.objects.bulk_create(
        [_created_entry(actor, d, item.record) for d, item in zip(datasets, good, strict=True)],
        batch_size=BATCH,
    )


def _new_dataset(source: HarvestSource, cleaned: dict[str, Any]) -> Dataset:
    dataset = Dataset(created_by=None)
    set_state(dataset, source)
    values.apply_values(dataset, cleaned)
    return dataset


def _set_keywords(datasets: list[Dataset], cleaned: list[dict[str, Any]]) -> None:
    """Every dataset's keywords as tags: the missing tags made, the links inserted, at once."""
    wanted = {
        d.pk: list(dict.fromkeys(c.get(values.KEYWORDS) or []))
        for d, c in zip(datasets, cleaned, strict=True)
    }
    every = {name for words in wanted.values() for name in words}
    if not every:
        return
    tags = dict(Tag.objects.filter(name__in=every).values_list("name", "pk"))
    missing = [Tag(name=name) for name in sorted(every - set(tags))]
    if missing:
        Tag.objects.bulk_create(missing, batch_size=BATCH, ignore_conflicts=True)
        made = Tag.objects.filter(name__in=[t.name for t in missing]).values_list("name", "pk")
        tags.update(made)
    through = Dataset.tags.through
    links = [through(dataset_id=pk, tag_id=tags[n]) for pk, words in wanted.items() for n in words]
    through.objects.bulk_create(links, batch_size=BATCH)


def _provenance(source: HarvestSource, dataset: Dataset, item: NewRecord, now) -> HarvestedRecord:
    return HarvestedRecord(
        source=source,
        dataset=dataset,
        remote_id=item.record.remote_id,
        original_url=item.record.original_url,
        content_hash=item.digest,
        harvested_at=now,
    )


def _links(datasets: list[Dataset], good: list[NewRecord]) -> list[Resource]:
    entries = [(d, n, c) for d, item in zip(datasets, good, strict=True) for n, c in item.links]
    bases = [names.slug_from_text(cleaned["title"]) for _d, _n, cleaned in entries]
    given = resource_names().names(bases)
    return [
        link_resource(dataset, cleaned, position, None, name)
        for (dataset, position, cleaned), name in zip(entries, given, strict=True)
    ]


def link_resource(
    dataset: Dataset, cleaned: dict[str, Any], position: int, revision, name: str
) -> Resource:
    """A link or API resource of `dataset` (not saved); under a revision it waits for it."""
    return Resource(
        dataset=dataset,
        name=name,
        title=cleaned["title"],
        description=cleaned.get("description") or "",
        kind=cleaned["kind"],
        url=cleaned["url"],
        format=cleaned.get("format") or "",
        position=position,
        pending_revision=revision,
    )


def _created_entry(actor: Actor, dataset: Dataset, record: RemoteRecord) -> AuditEntry:
    """The audit entry `audit.record` writes for a harvested dataset, made for a bulk insert
    (the log stays append-only: entries are only ever inserted)."""
    detail = {
        "state": dataset.state,
        "remote_id": record.remote_id,
        "original_url": record.original_url,
    }
    return AuditEntry(
        actor_type=actor.type,
        actor_user=actor.user,
        actor_label=actor.label[:200],
        action="dataset.harvest_create",
        target_type=Dataset._meta.label_lower,
        target_id=str(dataset.pk),
        target_label=str(dataset)[:300],
        detail=detail,
    )


def chunks(items: list, size: int | None = None) -> Iterable[list]:
    size = size or BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]
