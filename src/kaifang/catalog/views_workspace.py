"""Signed-in pages of the catalog: the publisher's workspace and the reviewer's queue.

The views are thin. They find the object the user may see, build a form from the metadata
schema, and call a service; the service checks the role again and writes the audit log. A
service's refusal becomes a 403, a missing object a 404, a broken rule the form's messages
beside the fields at fault, and a move from the wrong state a message on the dataset's page.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kaifang.catalog import permissions, services
from kaifang.catalog.forms import (
    OptionalReasonForm,
    ReasonForm,
    RenameForm,
    ResourceForm,
    SchemaForm,
    VersionForm,
    data_from_values,
    dataset_form,
)
from kaifang.catalog.models import (
    Dataset,
    DatasetNameRedirect,
    DatasetRevision,
    Resource,
    State,
)
from kaifang.catalog.schema import get_schema
from kaifang.catalog.visibility import visible_datasets
from kaifang.core.audit import Actor
from kaifang.core.errors import (
    InvalidTransition,
    KaifangError,
    NotAllowed,
    NotFound,
    UploadRejected,
)
from kaifang.core.models import AuditEntry
from kaifang.organizations import roles
from kaifang.organizations.models import Department

INVALID = 422
#: element ids of the decision forms, which share one page and the field name `reason`
APPROVE_ID, RETURN_ID, TAKEDOWN_ID = "id_approve_%s", "id_return_%s", "id_takedown_%s"
AUDIT_LIMIT = 200

#: how the audit log's action codes read on the history table
ACTION_LABELS = {
    "dataset.create": gettext_lazy("创建"),
    "dataset.update": gettext_lazy("修改元数据"),
    "dataset.rename": gettext_lazy("修改英文标识"),
    "dataset.submit": gettext_lazy("提交审核"),
    "dataset.approve": gettext_lazy("审核通过"),
    "dataset.return": gettext_lazy("退回修改"),
    "dataset.withdraw": gettext_lazy("下线"),
    "dataset.take_down": gettext_lazy("应急下线"),
    "revision.update": gettext_lazy("修改待审修订"),
    "revision.submit": gettext_lazy("提交修订审核"),
    "revision.approve": gettext_lazy("修订审核通过"),
    "revision.return": gettext_lazy("退回修订"),
    "resource.add": gettext_lazy("新增资源"),
    "resource.version": gettext_lazy("新增版本"),
    "access.grant": gettext_lazy("授予访问权限"),
    "access.revoke": gettext_lazy("撤销访问权限"),
}


# ---------------------------------------------------------------- helpers


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _refuse(exc: KaifangError) -> None:
    """Turn a service's refusal into the HTTP answer every page gives for it."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    if isinstance(exc, NotFound):
        raise Http404(exc.message)


def _find(qs: QuerySet[Dataset], name: str) -> Dataset:
    """The dataset called `name` (or formerly so) among `qs`; 404 otherwise."""
    dataset = qs.filter(name=name).first()
    if dataset is None:
        old = DatasetNameRedirect.objects.filter(old_name=name).values("dataset_id").first()
        dataset = qs.filter(pk=old["dataset_id"]).first() if old else None
    if dataset is None:
        raise Http404(_("没有找到该数据集，或您无权查看。"))
    return dataset


def _workspace_dataset(request: HttpRequest, name: str) -> Dataset:
    return _find(permissions.workspace_datasets(request.user), name)


def _publishing_departments(user) -> list[Department]:
    """The departments `user` may create datasets in, for the department choice."""
    if roles.is_platform_admin(user):
        candidates = Department.objects.all()
    else:
        ids = roles.department_ids(user, roles.Role.ADMIN, roles.Role.PUBLISHER)
        candidates = Department.objects.filter(pk__in=ids)
    return [d for d in candidates.order_by("title") if permissions.can_create_in(user, d)]


def _reviews_anything(user) -> bool:
    return (
        roles.is_platform_admin(user)
        or roles.is_platform_reviewer(user)
        or bool(roles.department_ids(user, roles.Role.REVIEWER))
    )


def _history(dataset: Dataset) -> list[AuditEntry]:
    """The audit entries of the dataset (services log every move inside a dataset — its
    resources, versions, revisions and grants — against the dataset), newest first."""
    entries = list(
        AuditEntry.objects.filter(
            target_type="catalog.dataset", target_id=str(dataset.pk)
        ).order_by("-at", "-id")[:AUDIT_LIMIT]
    )
    labels = {f.key: f.label for f in get_schema().dataset_fields}
    for entry in entries:
        entry.action_label = ACTION_LABELS.get(entry.action, entry.action)
        entry.summary = _entry_summary(entry, labels)
    return entries


def _entry_summary(entry: AuditEntry, labels: dict[str, str]) -> str:
    """What an entry touched, in a few words: the fields of an edit, the resource and file of
    an upload. A creation is not summarised: it would list every field it was given."""
    detail = entry.detail or {}
    if entry.action.endswith(".update"):
        keys = [k for k in detail.get("fields") or [] if isinstance(k, str)]
        return "、".join(labels.get(k, k) for k in keys)
    if entry.action.startswith("resource."):
        parts = [detail.get("title"), detail.get("file")]
        if detail.get("version"):
            parts.append(f"v{detail['version']}")
        return " · ".join(str(p) for p in parts if p)
    return ""


def _schema_sections(values: dict[str, Any]) -> list[tuple[str, list[tuple[Any, Any]]]]:
    """Every schema field with its value, in the schema's groups, for a read-only view."""
    return [
        (group.label, [(f, values.get(f.key)) for f in group_fields])
        for group, group_fields in get_schema().dataset_groups()
        if group_fields
    ]


def _resources(dataset: Dataset) -> QuerySet[Resource]:
    return dataset.resources.select_related("current_version").prefetch_related(
        "versions", "versions__datastore_tables"
    )


# ---------------------------------------------------------------- the workspace


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """My datasets, filtered by state, with what each needs from me next."""
    user = request.user
    departments = _publishing_departments(user)
    if not departments:
        raise PermissionDenied(_("您不是任何部门的数据发布员或管理员。"))
    mine = permissions.workspace_datasets(user)
    counts = dict(mine.order_by().values_list("state").annotate(n=Count("pk")))
    state = request.GET.get("state", "")
    shown = mine.filter(state=state) if state in State.values else mine
    q = request.GET.get("q", "").strip()[:100]
    if q:
        shown = shown.filter(Q(title__icontains=q) | Q(identifier__icontains=q))
    page = Paginator(shown, 30).get_page(request.GET.get("page"))
    pending = _pending_revisions([d.pk for d in page])
    for dataset in page:
        dataset.open_revision = pending.get(dataset.pk)
    states = [(value, label, counts.get(value, 0)) for value, label in State.choices]
    return render(
        request,
        "catalog/workspace/index.html",
        {
            "page": page,
            "states": states,
            "state": state,
            "q": q,
            "total": sum(counts.values()),
            "departments": departments,
        },
    )


def _pending_revisions(dataset_ids: list) -> dict:
    open_statuses = [
        DatasetRevision.Status.DRAFT,
        DatasetRevision.Status.IN_REVIEW,
        DatasetRevision.Status.RETURNED,
    ]
    revisions = DatasetRevision.objects.filter(dataset_id__in=dataset_ids, status__in=open_statuses)
    return {r.dataset_id: r for r in revisions}


@login_required
def dataset_create(request: HttpRequest) -> HttpResponse:
    """A new dataset, saved as a draft; required fields are checked when it is submitted."""
    departments = _publishing_departments(request.user)
    if not departments:
        raise PermissionDenied(_("您不能在任何部门创建数据集。"))
    form = dataset_form(request.POST or None, departments=departments)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = dict(form.values)
            department = next(d for d in departments if str(d.pk) == values.pop("department"))
            try:
                dataset = services.create_dataset(
                    _actor(request), department=department, data=values
                )
            except KaifangError as exc:
                _refuse(exc)
                form.add_service_errors(exc)
            else:
                messages.success(request, _("数据集已保存为草稿。补全必填项后即可提交审核。"))
                return redirect("catalog:workspace-dataset", name=dataset.name)
        status = INVALID
    context = {"form": form, "sections": form.groups(), "creating": True}
    return render(request, "catalog/workspace/dataset_form.html", context, status=status)


@login_required
def dataset_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The dataset as its publisher sees it: state, return reason, every field, resources, the
    pending revision, what can be done next, and the audit history."""
    dataset = _workspace_dataset(request, name)
    if dataset.name != name:
        return redirect("catalog:workspace-dataset", name=dataset.name)
    return _render_detail(request, dataset)


def _render_detail(
    request: HttpRequest,
    dataset: Dataset,
    *,
    withdraw_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    revision = services.open_revision(dataset) if dataset.state == State.PUBLISHED else None
    values = services.dataset_values(dataset)
    context = {
        "dataset": dataset,
        "values": values,
        "sections": _schema_sections(values),
        "resources": _resources(dataset),
        "revision": revision,
        "history": _history(dataset),
        "can_edit": permissions.can_edit(user, dataset),
        "can_submit": permissions.can_submit(user, dataset),
        "can_withdraw": permissions.can_withdraw(user, dataset),
        "can_take_down": permissions.can_take_down(user, dataset),
        "can_submit_revision": revision is not None
        and revision.status in permissions.OPEN_REVISION
        and permissions.may_author_in(user, dataset.department),
        "withdraw_form": withdraw_form or ReasonForm(label=_("下线理由")),
        "version_form": VersionForm(),
    }
    return render(request, "catalog/workspace/dataset_detail.html", context, status=status)


@login_required
def dataset_edit(request: HttpRequest, name: str) -> HttpResponse:
    """Edit the metadata. On a published dataset the changes become a pending revision that is
    reviewed on its own, and the public page keeps the approved values until then."""
    dataset = _workspace_dataset(request, name)
    if not permissions.can_edit(request.user, dataset):
        raise PermissionDenied(_("该数据集当前状态下不能修改。"))
    revision = services.open_revision(dataset) if dataset.state == State.PUBLISHED else None
    form = dataset_form(request.POST or None, values=services.editable_values(dataset))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.update_dataset(_actor(request), dataset, form.values)
            except KaifangError as exc:
                _refuse(exc)
                form.add_service_errors(exc)
            else:
                messages.success(request, _saved_message(result))
                return redirect("catalog:workspace-dataset", name=dataset.name)
        status = INVALID
    return _render_form(request, dataset, form, revision, status=status)


def _saved_message(result: Dataset | DatasetRevision) -> str:
    if isinstance(result, DatasetRevision):
        return _("修改已保存为待审修订。提交审核并通过后才会公开，在此之前公开页面保持原样。")
    return _("修改已保存。")


def _render_form(
    request: HttpRequest,
    dataset: Dataset,
    form: SchemaForm,
    revision: DatasetRevision | None,
    *,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    context = {
        "dataset": dataset,
        "form": form,
        "sections": form.groups(),
        "revision": revision,
        "makes_revision": dataset.state == State.PUBLISHED,
        "notice": notice,
        "rename_form": RenameForm(initial={"name": dataset.name}),
    }
    return render(request, "catalog/workspace/dataset_form.html", context, status=status)


@login_required
@require_POST
def dataset_rename(request: HttpRequest, name: str) -> HttpResponse:
    """Change the dataset's English name; the old one keeps leading to it."""
    dataset = _workspace_dataset(request, name)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            dataset = services.rename_dataset(_actor(request), dataset, form.cleaned_data["name"])
        except KaifangError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("英文标识已改为 %(name)s，原地址会自动跳转。") % {"name": dataset.name}
            )
    else:
        messages.error(request, "；".join(form.errors.get("name", [])))
    return redirect("catalog:dataset-edit", name=dataset.name)


@login_required
@require_POST
def dataset_submit(request: HttpRequest, name: str) -> HttpResponse:
    """Submit (or resubmit) for review. Missing or wrong fields are shown on the edit form
    beside each field, so the publisher sees exactly what to fill in."""
    dataset = _workspace_dataset(request, name)
    try:
        services.submit_for_review(_actor(request), dataset)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    except KaifangError as exc:
        _refuse(exc)
        return _form_with_errors(request, dataset, exc, None)
    else:
        messages.success(request, _("已提交审核。"))
    return redirect("catalog:workspace-dataset", name=dataset.name)


@login_required
@require_POST
def revision_submit(request: HttpRequest, revision_id: uuid.UUID) -> HttpResponse:
    """Submit the pending revision of a published dataset for review."""
    revision = _workspace_revision(request, revision_id)
    dataset = revision.dataset
    try:
        services.submit_revision(_actor(request), revision)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    except KaifangError as exc:
        _refuse(exc)
        return _form_with_errors(request, dataset, exc, revision)
    else:
        messages.success(request, _("修订已提交审核，通过后公开页面才会更新。"))
    return redirect("catalog:workspace-dataset", name=dataset.name)


def _workspace_revision(request: HttpRequest, revision_id: uuid.UUID) -> DatasetRevision:
    mine = permissions.workspace_datasets(request.user)
    return get_object_or_404(
        DatasetRevision.objects.select_related("dataset__department"),
        pk=revision_id,
        dataset__in=mine,
    )


def _form_with_errors(
    request: HttpRequest, dataset: Dataset, exc: KaifangError, revision: DatasetRevision | None
) -> HttpResponse:
    """The edit form bound to the stored values, with the service's messages per field."""
    values = services.revision_values(revision) if revision else services.dataset_values(dataset)
    form = dataset_form(data_from_values(get_schema().editable_dataset_fields, values))
    form.is_valid()
    form.add_service_errors(exc)
    notice = _("提交审核前，请按下方提示补全或改正各字段，保存后再提交。")
    return _render_form(request, dataset, form, revision, status=INVALID, notice=notice)


@login_required
@require_POST
def dataset_withdraw(request: HttpRequest, name: str) -> HttpResponse:
    """Take a published dataset off the portal (下线); the reason is required and kept."""
    dataset = _workspace_dataset(request, name)
    form = ReasonForm(request.POST, label=_("下线理由"))
    if not form.is_valid():
        return _render_detail(request, dataset, withdraw_form=form, status=INVALID)
    try:
        services.withdraw(_actor(request), dataset, form.cleaned_data["reason"])
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    except KaifangError as exc:
        _refuse(exc)
        form.add_error("reason", exc.message)
        return _render_detail(request, dataset, withdraw_form=form, status=exc.status)
    else:
        messages.success(request, _("数据集已下线，公众不再能看到它。"))
    return redirect("catalog:workspace-dataset", name=dataset.name)


# ---------------------------------------------------------------- resources


@login_required
def resource_create(request: HttpRequest, name: str) -> HttpResponse:
    """Add a file (uploaded), an external link or an API endpoint to a dataset."""
    dataset = _workspace_dataset(request, name)
    if not permissions.may_author_in(request.user, dataset.department):
        raise PermissionDenied(_("您不能修改该数据集。"))
    form = ResourceForm(request.POST or None, request.FILES or None, initial={"kind": "file"})
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            upload = form.cleaned_data.get("file") if form.values.get("kind") == "file" else None
            try:
                services.add_resource(_actor(request), dataset, data=form.values, upload=upload)
            except KaifangError as exc:
                _refuse(exc)
                status = _upload_error(form, exc)
            else:
                messages.success(request, _("资源已添加。"))
                return redirect("catalog:workspace-dataset", name=dataset.name)
    context = {"dataset": dataset, "form": form}
    return render(request, "catalog/workspace/resource_form.html", context, status=status)


def _upload_error(form: SchemaForm, exc: KaifangError) -> int:
    """Put an upload's refusal next to the file field, with the status it deserves (413 for a
    file over the size limit)."""
    if isinstance(exc, UploadRejected) and not exc.errors:
        form.add_error("file", exc.message)
    else:
        form.add_service_errors(exc)
    return exc.status if exc.status >= 400 else INVALID


@login_required
def resource_version_create(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """Upload a new version of a file resource; the old versions stay for history."""
    mine = permissions.workspace_datasets(request.user)
    resource = get_object_or_404(
        Resource.objects.select_related("dataset__department"), pk=resource_id, dataset__in=mine
    )
    if resource.kind != Resource.Kind.FILE:
        raise Http404(_("只有文件资源可以上传新版本。"))
    form = VersionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                services.add_resource_version(_actor(request), resource, form.cleaned_data["file"])
            except KaifangError as exc:
                _refuse(exc)
                form.add_error("file", exc.message)
                status = exc.status
            else:
                messages.success(request, _("新版本已上传。"))
                return redirect("catalog:workspace-dataset", name=resource.dataset.name)
    context = {"dataset": resource.dataset, "resource": resource, "form": form}
    return render(request, "catalog/workspace/version_form.html", context, status=status)


# ---------------------------------------------------------------- the review queue


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Datasets and pending revisions waiting for this reviewer's decision."""
    user = request.user
    if not _reviews_anything(user):
        raise PermissionDenied(_("您不是审核员。"))
    context = {
        "datasets": permissions.reviewable_datasets(user),
        "revisions": permissions.reviewable_revisions(user),
        "platform_admin": roles.is_platform_admin(user),
    }
    return render(request, "catalog/review/queue.html", context)


def _review_dataset(request: HttpRequest, name: str) -> Dataset:
    """A dataset the user may review or take down; others get 404 or 403."""
    dataset = _find(visible_datasets(request.user, include_unpublished=True), name)
    user = request.user
    if not (
        permissions.can_review(user, dataset)
        or permissions.can_take_down(user, dataset)
        or permissions.may_review_stage(user, dataset.department, dataset.review_stage)
    ):
        raise PermissionDenied(_("您无权审核该数据集。"))
    return dataset


@login_required
def review_dataset(request: HttpRequest, name: str) -> HttpResponse:
    """Everything the reviewer needs to decide: every schema field, the resources, the forms."""
    dataset = _review_dataset(request, name)
    return _render_review(request, dataset)


def _render_review(
    request: HttpRequest,
    dataset: Dataset,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    values = services.dataset_values(dataset)
    context = {
        "dataset": dataset,
        "values": values,
        "sections": _schema_sections(values),
        "resources": _resources(dataset),
        "history": _history(dataset),
        "can_review": permissions.can_review(user, dataset),
        "can_take_down": permissions.can_take_down(user, dataset),
        "approve_form": OptionalReasonForm(auto_id=APPROVE_ID),
        "return_form": ReasonForm(label=_("退回理由"), auto_id=RETURN_ID),
        "takedown_form": ReasonForm(label=_("应急下线理由"), auto_id=TAKEDOWN_ID),
        **(forms or {}),
    }
    return render(request, "catalog/review/dataset.html", context, status=status)


@login_required
@require_POST
def review_approve(request: HttpRequest, name: str) -> HttpResponse:
    form = OptionalReasonForm(request.POST, auto_id=APPROVE_ID)
    return _decide(request, name, ("approve_form", form), services.approve, _approved_message)


def _approved_message(dataset: Dataset) -> str:
    if dataset.state == State.PUBLISHED:
        return _("已通过审核，数据集已发布。")
    return _("部门审核已通过，已转平台审核。")


@login_required
@require_POST
def review_return(request: HttpRequest, name: str) -> HttpResponse:
    form = ReasonForm(request.POST, label=_("退回理由"), auto_id=RETURN_ID)
    return _decide(
        request, name, ("return_form", form), services.return_for_changes,
        lambda _d: _("已退回发布者修改。"),
    )  # fmt: skip


@login_required
@require_POST
def dataset_take_down(request: HttpRequest, name: str) -> HttpResponse:
    """Emergency takedown by a platform admin, from any state, with a required reason."""
    form = ReasonForm(request.POST, label=_("应急下线理由"), auto_id=TAKEDOWN_ID)
    return _decide(
        request, name, ("takedown_form", form), services.take_down,
        lambda _d: _("已应急下线该数据集。"),
    )  # fmt: skip


def _decide(request, name: str, named_form: tuple, move, done) -> HttpResponse:
    """Make a reviewer's move with the reason the form carries; an invalid form comes back on
    the review page, a refusal is a 403, a stale page a message."""
    dataset = _review_dataset(request, name)
    key, form = named_form
    if not form.is_valid():
        return _render_review(request, dataset, forms={key: form}, status=INVALID)
    try:
        dataset = move(_actor(request), dataset, form.cleaned_data["reason"])
    except InvalidTransition as exc:
        messages.error(request, exc.message)
        return redirect("catalog:review-dataset", name=dataset.name)
    except KaifangError as exc:
        _refuse(exc)
        messages.error(request, exc.message)
        return redirect("catalog:review-dataset", name=dataset.name)
    messages.success(request, done(dataset))
    return redirect("catalog:review-queue")


def _review_revision(request: HttpRequest, revision_id: uuid.UUID) -> DatasetRevision:
    revision = get_object_or_404(
        DatasetRevision.objects.select_related("dataset__department", "dataset__region"),
        pk=revision_id,
    )
    user = request.user
    if not permissions.may_review_stage(
        user, revision.dataset.department, revision.review_stage
    ) and not permissions.can_review_revision(user, revision):
        raise PermissionDenied(_("您无权审核该修订。"))
    return revision


def revision_diff(revision: DatasetRevision) -> list[tuple[Any, Any, Any]]:
    """(field, public value, proposed value) for each schema field the revision changes."""
    current = services.dataset_values(revision.dataset)
    rows = []
    for f in get_schema().editable_dataset_fields:
        if f.key not in revision.data:
            continue
        old, new = current.get(f.key), revision.data.get(f.key)
        if _normal(old) != _normal(new):
            rows.append((f, old, new))
    return rows


def _normal(value: Any) -> Any:
    """Compare references by id and treat every empty value alike."""
    if value in (None, "", []):
        return None
    if hasattr(value, "pk"):
        return str(value.pk)
    return value if isinstance(value, list | dict | bool) else str(value)


@login_required
def review_revision(request: HttpRequest, revision_id: uuid.UUID) -> HttpResponse:
    """A pending revision: what changes against the public values, and the decision forms."""
    revision = _review_revision(request, revision_id)
    return _render_revision(request, revision)


def _render_revision(
    request: HttpRequest,
    revision: DatasetRevision,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "revision": revision,
        "dataset": revision.dataset,
        "diff": revision_diff(revision),
        "current": services.dataset_values(revision.dataset),
        "new_resources": revision.new_resources.all(),
        "new_versions": revision.new_versions.select_related("resource"),
        "can_review": permissions.can_review_revision(request.user, revision),
        "approve_form": OptionalReasonForm(auto_id=APPROVE_ID),
        "return_form": ReasonForm(label=_("退回理由"), auto_id=RETURN_ID),
        **(forms or {}),
    }
    return render(request, "catalog/review/revision.html", context, status=status)


@login_required
@require_POST
def revision_approve(request: HttpRequest, revision_id: uuid.UUID) -> HttpResponse:
    revision = _review_revision(request, revision_id)
    form = OptionalReasonForm(request.POST, auto_id=APPROVE_ID)
    if not form.is_valid():
        return _render_revision(request, revision, forms={"approve_form": form}, status=INVALID)
    return _decide_revision(
        request,
        revision,
        services.approve_revision,
        form.cleaned_data["reason"],
        _("修订已通过，公开页面已更新。"),
    )


@login_required
@require_POST
def revision_return(request: HttpRequest, revision_id: uuid.UUID) -> HttpResponse:
    revision = _review_revision(request, revision_id)
    form = ReasonForm(request.POST, label=_("退回理由"), auto_id=RETURN_ID)
    if not form.is_valid():
        return _render_revision(request, revision, forms={"return_form": form}, status=INVALID)
    return _decide_revision(
        request,
        revision,
        services.return_revision,
        form.cleaned_data["reason"],
        _("修订已退回发布者修改。"),
    )


def _decide_revision(request, revision: DatasetRevision, move, reason: str, done: str):
    try:
        move(_actor(request), revision, reason)
    except KaifangError as exc:
        _refuse(exc)
        messages.error(request, exc.message)
        return redirect(reverse("catalog:review-revision", args=[revision.pk]))
    messages.success(request, done)
    return redirect("catalog:review-queue")
