"""Importing a catalog spreadsheet into the catalog, through the catalog's own services.

Three passes. The file is read and every row parsed (a Chinese message per cell it cannot read);
rows are grouped into datasets by 信息资源代码 (else by 信息资源名称) and the groups checked for
contradictions (one code, two names; one dataset, two values; a resource entry twice); each group
is then validated against the metadata schema exactly as the web form validates, with the whole
schema required, as a catalog entry must be complete. Only a file without a single problem is
written (unless the caller asks for the valid datasets alone), in one transaction: new datasets
are created as drafts (and optionally submitted for review), existing ones updated through the
normal path (a published one gets a pending revision), new resource entries added. A dry run
does all of that and rolls it back, so its preview is what the import would really do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kaifang.catalog import permissions, services
from kaifang.catalog.models import Dataset, DatasetRevision, Resource
from kaifang.catalog.schema.validation import MetadataInvalid
from kaifang.catalog.services import values
from kaifang.catalog.services._base import acting_user, require
from kaifang.catalog.services.resources import clean_resource_data
from kaifang.core.audit import Actor
from kaifang.core.errors import KaifangError
from kaifang.interop.catalog_xlsx.columns import (
    DATASET,
    RESOURCE,
    Column,
    catalog_columns,
    identity_column,
)
from kaifang.interop.catalog_xlsx.reader import SpreadsheetRefused, open_catalog
from kaifang.interop.catalog_xlsx.rows import ParsedRow, parse_row
from kaifang.organizations.models import Department

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True)
class Problem:
    """One fault, at a row (as Excel counts) and a column (its header) where it has them."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if not self.column:
            return _("第 %(row)d 行：%(message)s") % {"row": self.row, "message": self.message}
        return _("第 %(row)d 行，“%(column)s”：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Entry:
    """One dataset of the file: its rows, values, resource entries and what importing does."""

    key: str
    rows: list[ParsedRow]
    existing: Dataset | None = None
    department: Department | None = None
    outcome: str = ""
    new_resources: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    dataset_name: str = ""
    failed: bool = False

    @property
    def first(self) -> ParsedRow:
        return self.rows[0]

    @property
    def data(self) -> dict[str, Any]:
        return self.first.dataset

    @property
    def title(self) -> str:
        return str(self.data.get("title") or "")

    @property
    def identifier(self) -> str:
        return str(self.data.get("identifier") or "")


@dataclass
class ImportReport:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    rows: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.entries if e.outcome == outcome and not e.failed)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        return [str(p) for p in sorted(self.problems, key=_order)]


def _order(problem: Problem) -> tuple[int, str]:
    return (problem.row or 0, problem.column)


def import_catalog(
    actor: Actor,
    path: Path,
    *,
    fmt: str = "XLSX",
    department: Department | None = None,
    dry_run: bool = False,
    submit: bool = False,
    partial: bool = False,
) -> ImportReport:
    """Import the catalog spreadsheet at `path`. With `department`, every row must belong to it
    (a department's own import). `partial` imports the datasets without problems even when others
    have some; by default one problem anywhere means nothing is imported."""
    user = acting_user(actor)
    if department is not None:
        require(
            permissions.may_author_in(user, department),
            _("您不是“%(department)s”的数据发布员或管理员，不能导入目录。")
            % {"department": department.title},
        )
    report = ImportReport(dry_run=dry_run)
    columns = catalog_columns()
    try:
        entries = _read_entries(path, fmt, columns, report)
    except SpreadsheetRefused as exc:
        report.problems.append(Problem(None, "", exc.message))
        return report
    for entry in entries:
        _plan(user, entry, department, columns, report)
    faulty = {p.row for p in report.problems}
    for entry in entries:
        entry.failed = any(row.number in faulty for row in entry.rows)
    report.entries = entries
    if report.problems and not partial:
        return report
    _apply(actor, report, columns, dry_run=dry_run, submit=submit, partial=partial)
    return report


# ---------------------------------------------------------------- reading and grouping


def _read_entries(
    path: Path, fmt: str, columns: tuple[Column, ...], report: ImportReport
) -> list[Entry]:
    sheet = open_catalog(path, columns, fmt=fmt)
    entries: dict[str, Entry] = {}
    identity = identity_column(columns)
    header_of = {c.key: c.header for c in columns if c.scope == DATASET}
    for number, cells in sheet.rows:
        report.rows += 1
        row = parse_row(number, cells, columns)
        report.problems.extend(Problem(number, e.column, e.message) for e in row.errors)
        key = _key(row, identity)
        if key is None:
            report.problems.append(
                Problem(number, header_of["title"], _("请填写信息资源名称或信息资源代码。"))
            )
            continue
        if key in entries:
            if _same_dataset(entries[key], row, header_of, report):
                entries[key].rows.append(row)
        else:
            entries[key] = Entry(key, [row])
    if not report.rows:
        raise SpreadsheetRefused(_("目录表格只有表头，没有数据行。"))
    for entry in entries.values():
        _check_resources(entry, columns, report)
    return list(entries.values())


def _key(row: ParsedRow, identity: Column | None) -> str | None:
    code = row.dataset.get(identity.key) if identity else None
    if code:
        return f"code:{code}"
    title = row.dataset.get("title")
    return f"title:{title}" if title else None


def _same_dataset(
    entry: Entry, row: ParsedRow, header_of: dict[str, str], report: ImportReport
) -> bool:
    """Rows of one dataset repeat its cells; a code on two names is a duplicate code, and the
    row is then not taken for the first one's."""
    first = entry.first
    if entry.key.startswith("code:") and first.dataset.get("title") != row.dataset.get("title"):
        report.problems.append(
            Problem(
                row.number,
                header_of["identifier"],
                _(
                    "信息资源代码“%(code)s”与第 %(other)d 行重复，但两行的信息资源名称不同；"
                    "信息资源代码在目录中必须唯一。"
                )
                % {"code": entry.identifier, "other": first.number},
            )
        )
        return False
    for key, value in row.dataset.items():
        if key in first.dataset and first.dataset[key] != value:
            report.problems.append(
                Problem(
                    row.number,
                    header_of[key],
                    _("与第 %(other)d 行（同一信息资源）的值不一致；同一信息资源的各行应相同。")
                    % {"other": first.number},
                )
            )
    return True


def _check_resources(entry: Entry, columns: tuple[Column, ...], report: ImportReport) -> None:
    title_header = next(c.header for c in columns if c.scope == RESOURCE and c.key == "title")
    seen: dict[tuple[str, str], int] = {}
    for row in entry.rows:
        if row.resource is None:
            continue
        key = resource_key(row.resource)
        if key[0] and key in seen:
            report.problems.append(
                Problem(
                    row.number,
                    title_header,
                    _("资源“%(title)s”（格式 %(format)s）与第 %(other)d 行重复。")
                    % {"title": key[0], "format": key[1] or "-", "other": seen[key]},
                )
            )
        seen.setdefault(key, row.number)


def resource_key(data: dict[str, Any]) -> tuple[str, str]:
    """A resource entry is known by its name and format within its dataset: the same table is
    often offered as CSV and as XLSX under one name."""
    return (str(data.get("title") or ""), str(data.get("format") or ""))


# ---------------------------------------------------------------- checking


def _plan(
    user,
    entry: Entry,
    department: Department | None,
    columns: tuple[Column, ...],
    report: ImportReport,
) -> None:
    """Find the dataset the entry updates, its department, and check its values against the
    schema and the importer's roles, all without writing."""
    dataset_header = {c.key: c.header for c in columns if c.scope == DATASET}
    entry.department = _department_of(entry, department, dataset_header, report)
    if entry.department is None:
        return
    if not permissions.may_author_in(user, entry.department):
        report.problems.append(
            Problem(
                entry.first.number,
                dataset_header.get("department", ""),
                _("您不是“%(department)s”的数据发布员或管理员，不能导入该部门的数据集。")
                % {"department": entry.department.title},
            )
        )
    entry.existing = _existing(entry)
    data = {**entry.data, "department": entry.department}
    unreadable = {e.column for row in entry.rows for e in row.errors}  # already reported
    try:
        values.clean_dataset_data(data, dataset=entry.existing, require=True)
    except MetadataInvalid as exc:
        report.problems.extend(
            Problem(entry.first.number, dataset_header.get(key, ""), message)
            for key, messages in exc.errors.items()
            if dataset_header.get(key) not in unreadable
            for message in messages
        )
    _plan_resources(entry, columns, report)


def _department_of(
    entry: Entry,
    department: Department | None,
    header: dict[str, str],
    report: ImportReport,
) -> Department | None:
    named = entry.data.get("department")
    column = header.get("department", "")
    unreadable = any(e.column == column for e in entry.first.errors)  # reported already
    if not named:
        if department is None and not unreadable:
            report.problems.append(Problem(entry.first.number, column, _("请填写信息资源提供方。")))
        return department
    found = Department.objects.filter(pk=named).first()
    if department is not None and found != department:
        report.problems.append(
            Problem(
                entry.first.number,
                column,
                _("“%(named)s”不是本次导入的部门“%(department)s”。")
                % {"named": found.title if found else named, "department": department.title},
            )
        )
        return None
    return found


def _existing(entry: Entry) -> Dataset | None:
    """The dataset the entry describes: the one with its 信息资源代码, or, for an entry without
    a code, the only one of its department with its name and no code."""
    if entry.identifier:
        return Dataset.objects.filter(identifier=entry.identifier).first()
    found = list(
        Dataset.objects.filter(
            title=entry.title, department=entry.department, identifier__isnull=True
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def _plan_resources(entry: Entry, columns: tuple[Column, ...], report: ImportReport) -> None:
    header = {c.key: c.header for c in columns if c.scope == RESOURCE}
    have = {}
    if entry.existing is not None:
        have = {(r.title, r.format): r for r in entry.existing.resources.all()}
    for row in entry.rows:
        if row.resource is None:
            continue
        data = dict(row.resource)
        if resource_key(data) in have:
            _notice_unchanged_resource(row, have[resource_key(data)], report)
            continue
        if data.get("kind") == Resource.Kind.FILE:
            if not data.get("url"):
                report.problems.append(
                    Problem(
                        row.number,
                        header.get("url", ""),
                        _(
                            "文件资源不能通过目录表格上传；请填写文件的在线地址（将作为外部链接导入），"
                            "或导入后在工作台上传文件。"
                        ),
                    )
                )
                continue
            data["kind"] = Resource.Kind.LINK
            report.notices.append(
                Problem(
                    row.number,
                    "",
                    _("文件资源“%(title)s”作为指向其在线地址的外部链接导入。")
                    % {"title": data.get("title", "")},
                )
            )
        try:
            clean_resource_data(data, has_file=False)
        except MetadataInvalid as exc:
            report.problems.extend(
                Problem(row.number, header.get(key, ""), message)
                for key, messages in exc.errors.items()
                for message in messages
            )
            continue
        entry.new_resources.append((row.number, data))


def _notice_unchanged_resource(row: ParsedRow, resource: Resource, report: ImportReport) -> None:
    """Resources are matched by name and format and never changed by an import; say so when the row
    differs, so a change made in the spreadsheet is not thought applied."""
    stored = {"description": resource.description}
    if resource.kind != Resource.Kind.FILE:
        stored["url"] = resource.url
    if any(row.resource.get(k, v) != v for k, v in stored.items()):
        report.notices.append(
            Problem(
                row.number,
                "",
                _("资源“%(title)s”已存在，表格中对它的修改不会导入，请在工作台修改。")
                % {"title": resource.title},
            )
        )


# ---------------------------------------------------------------- writing


def _apply(
    actor: Actor,
    report: ImportReport,
    columns: tuple[Column, ...],
    *,
    dry_run: bool,
    submit: bool,
    partial: bool,
) -> None:
    """Write every entry in one transaction, each in its own savepoint; roll everything back on a
    dry run, or when a service refuses an entry and the import is all-or-nothing."""
    with transaction.atomic():
        for entry in report.entries:
            if entry.failed:
                continue
            try:
                with transaction.atomic():
                    _apply_entry(actor, entry, submit=submit)
            except KaifangError as exc:
                entry.failed = True
                report.problems.extend(_service_problems(entry, exc, columns))
        if dry_run or (report.problems and not partial):
            transaction.set_rollback(True)
            return
    report.applied = True


def _apply_entry(actor: Actor, entry: Entry, *, submit: bool) -> None:
    data = {**entry.data, "department": entry.department}
    if entry.existing is None:
        dataset = services.create_dataset(actor, department=entry.department, data=data)
        entry.outcome = CREATE
    else:
        dataset = entry.existing
        entry.outcome = _update(actor, dataset, data)
    for _number, resource in entry.new_resources:
        services.add_resource(actor, dataset, data=resource)
        entry.outcome = entry.outcome if entry.outcome != UNCHANGED else UPDATE
    if submit and entry.outcome != UNCHANGED:
        _submit(actor, dataset)
    entry.dataset_name = dataset.name


def _update(actor: Actor, dataset: Dataset, data: dict[str, Any]) -> str:
    cleaned = values.clean_dataset_data(data, dataset=dataset, require=True)
    before = services.editable_values(dataset)
    if not values.changed_keys(before, cleaned):
        return UNCHANGED
    services.update_dataset(actor, dataset, data)
    return UPDATE


def _submit(actor: Actor, dataset: Dataset) -> None:
    """Send the new or changed dataset to review: a published one's revision, else itself."""
    dataset.refresh_from_db()
    revision = services.open_revision(dataset)
    if revision is not None and revision.status != DatasetRevision.Status.IN_REVIEW:
        services.submit_revision(actor, revision)
    elif revision is None:
        services.submit_for_review(actor, dataset)


def _service_problems(
    entry: Entry, exc: KaifangError, columns: tuple[Column, ...]
) -> list[Problem]:
    header = {c.key: c.header for c in columns if c.scope == DATASET}
    if exc.errors:
        return [
            Problem(entry.first.number, header.get(key, ""), message)
            for key, messages in exc.errors.items()
            for message in messages
        ]
    return [Problem(entry.first.number, "", exc.message)]
