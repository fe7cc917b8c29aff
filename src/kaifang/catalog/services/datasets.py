"""Creating, editing and renaming datasets."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kaifang.catalog import permissions
from kaifang.catalog.models import Dataset, DatasetNameRedirect, DatasetRevision, State
from kaifang.catalog.schema import get_schema
from kaifang.catalog.schema.validation import MetadataInvalid
from kaifang.catalog.services import revisions, values
from kaifang.catalog.services._base import acting_user, lock, log, require
from kaifang.core import names
from kaifang.core.audit import Actor
from kaifang.core.errors import Invalid, InvalidTransition
from kaifang.organizations.models import Department
from kaifang.search.services import dataset_changed


def _name_taken(name: str) -> bool:
    return (
        Dataset.objects.filter(name=name).exists()
        or DatasetNameRedirect.objects.filter(old_name=name).exists()
    )


def new_dataset_name(identifier: str | None, title: str) -> str:
    """A free ASCII name from the resource code, else from the pinyin of the title."""
    base = names.slug_from_code(identifier) if identifier else names.slug_from_text(title)
    return names.unique_name(base, _name_taken, fallback="dataset")


@transaction.atomic
def create_dataset(actor: Actor, *, department: Department, data: dict[str, Any]) -> Dataset:
    """Make a draft in `department`. Drafts check the values given, not that all required ones
    are there (that happens on submission), but a draft needs at least its title."""
    user = acting_user(actor)
    require(
        permissions.can_create_in(user, department),
        _("您不是“%(department)s”的数据发布员或管理员，不能在此创建数据集。")
        % {"department": department.title},
    )
    data = {**data, "department": department}
    if values.is_empty(data.get("region")):
        data["region"] = department.region
    cleaned = values.clean_dataset_data(data, dataset=None, require=False)
    if not cleaned.get("title"):
        label = get_schema().dataset_field("title").labels["zh"]
        raise MetadataInvalid({"title": [_("请填写“%(label)s”。") % {"label": label}]})
    dataset = Dataset(created_by=user, state=State.DRAFT)
    values.apply_values(dataset, cleaned)
    dataset.name = new_dataset_name(dataset.identifier, dataset.title)
    dataset.save()
    values.set_keywords(dataset, cleaned)
    dataset_changed(dataset, reason="create")
    log(actor, "dataset.create", dataset, fields=sorted(cleaned))
    return dataset


def _require_author_of(user, department: Department | None) -> None:
    """Moving a dataset to another department needs the author role there too."""
    if department is not None:
        require(
            permissions.may_author_in(user, department),
            _("您不是“%(department)s”的数据发布员或管理员。") % {"department": department.title},
        )


@transaction.atomic
def update_dataset(
    actor: Actor, dataset: Dataset, data: dict[str, Any]
) -> Dataset | DatasetRevision:
    """Change the values given in `data`. Unpublished datasets change in place; a published one
    gets its open revision changed (made on first edit) and its public values stay as they are
    until that revision is approved. Returns what was changed."""
    user = acting_user(actor)
    lock(dataset)
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能修改此数据集。"),
    )
    cleaned = values.clean_dataset_data(data, dataset=dataset, require=False)
    _require_author_of(user, cleaned.get("department"))
    if dataset.state == State.PUBLISHED:
        return _revise(actor, user, dataset, cleaned)
    if dataset.state not in permissions.in_place_states(user):
        raise InvalidTransition(
            _("数据集当前状态为“%(state)s”，不能修改。") % {"state": dataset.get_state_display()}
        )
    changed = values.changed_keys(values.dataset_values(dataset), cleaned)
    values.apply_values(dataset, cleaned)
    dataset.save()
    values.set_keywords(dataset, cleaned)
    dataset_changed(dataset, reason="update")
    log(actor, "dataset.update", dataset, fields=changed)
    return dataset


def _revise(actor: Actor, user, dataset: Dataset, cleaned: dict[str, Any]) -> DatasetRevision:
    revision = revisions.revision_for_edit(dataset, user)
    before = values.revision_values(revision)
    revision.data = {**revision.data, **values.to_json(cleaned)}
    revision.save(update_fields=["data", "updated_at"])
    changed = values.changed_keys(before, cleaned)
    log(actor, "revision.update", dataset, revision=str(revision.pk), fields=changed)
    return revision


@transaction.atomic
def rename_dataset(actor: Actor, dataset: Dataset, new_name: str) -> Dataset:
    """Give the dataset a new ASCII name; the old one keeps leading to it."""
    user = acting_user(actor)
    lock(dataset)
    require(
        permissions.may_author_in(user, dataset.department),
        _("您不是该部门的数据发布员或管理员，不能修改英文标识。"),
    )
    new_name = (new_name or "").strip()
    if new_name == dataset.name:
        return dataset
    _check_new_name(new_name, dataset)
    old_name = dataset.name
    DatasetNameRedirect.objects.filter(old_name=new_name, dataset=dataset).delete()
    DatasetNameRedirect.objects.create(old_name=old_name, dataset=dataset)
    dataset.name = new_name
    dataset.save(update_fields=["name", "updated_at"])
    dataset_changed(dataset, reason="rename")
    log(actor, "dataset.rename", dataset, old_name=old_name, new_name=new_name)
    return dataset


def _check_new_name(new_name: str, dataset: Dataset) -> None:
    if new_name in names.RESERVED:
        message = _("“%(name)s”是系统保留字，不能用作英文标识。") % {"name": new_name}
        raise Invalid(message, errors={"name": [message]})
    if not names.is_valid_name(new_name):
        message = _("英文标识只能使用 2–100 个小写字母、数字、下划线或连字符。")
        raise Invalid(message, errors={"name": [message]})
    used = Dataset.objects.filter(name=new_name).exclude(pk=dataset.pk).exists()
    used = used or (
        DatasetNameRedirect.objects.filter(old_name=new_name).exclude(dataset=dataset).exists()
    )
    if used:
        message = _("英文标识“%(name)s”已被使用。") % {"name": new_name}
        raise Invalid(message, errors={"name": [message]})
