"""Forms built at run time from the metadata schema (`catalog.schema.get_schema()`).

Each schema field gets a widget for its type, its Chinese label and help text. The form fields
themselves are lenient: the schema's own validation (`catalog.schema.validation`) decides what is
valid, so a page and the API give the same message for the same mistake, and a deployment that
swaps the schema file gets its fields on the page without code changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.catalog.schema import Field, Schema, get_schema, validation
from kaifang.core import codelists
from kaifang.core.errors import KaifangError
from kaifang.core.models import Region
from kaifang.organizations.models import NAME_RULE, Department

FIELD_LINE_HINT = gettext_lazy("名称,类型,长度,说明")
BLANK_CHOICE = ("", gettext_lazy("——请选择——"))


class ListField(forms.Field):
    """Several values from checkboxes; the schema checks them against the code list."""

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v) for v in values if str(v).strip()]


def _region_choices() -> list[tuple[str, str]]:
    """The site's region and every region under it, indented by level so the tree reads."""
    site = Region.objects.filter(code=settings.KAIFANG["SITE"]["region"]).first()
    regions = Region.objects.all()
    if site is not None:
        regions = regions.filter(code__startswith=site.prefix)
    indent = "\u3000"
    return [BLANK_CHOICE] + [
        (r.code, indent * (r.level - 1) + r.name) for r in regions.only("code", "name", "level")
    ]


def _code_choices(f: Field) -> list[tuple[str, str]]:
    return f.codes.choices() if f.codes is not None else []


def _text_widget(f: Field, input_type: str = "text") -> forms.Widget:
    attrs: dict[str, Any] = {"type": input_type}
    if f.max_length:
        attrs["maxlength"] = f.max_length
    return forms.TextInput(attrs=attrs)


def _field_lines_help() -> str:
    types = "、".join(f"{item.code} {item.label}" for item in codelists.get("field_data_type"))
    return _("每行一个信息项，格式“名称,类型,长度,说明”；数据类型：%(types)s。") % {"types": types}


def _boolean(f: Field, common: dict[str, Any], departments) -> forms.Field:
    return forms.BooleanField(**common)


def _codes(f: Field, common: dict[str, Any], departments) -> forms.Field:
    return ListField(widget=forms.CheckboxSelectMultiple(choices=_code_choices(f)), **common)


def _code(f: Field, common: dict[str, Any], departments) -> forms.Field:
    return forms.CharField(widget=forms.Select(choices=[BLANK_CHOICE, *_code_choices(f)]), **common)


def _department(f: Field, common: dict[str, Any], departments) -> forms.Field:
    """Only the departments the user may publish in are offered; another one is refused."""
    choices = [(str(d.pk), d.title) for d in departments]
    if len(choices) == 1:  # one department: nothing to choose, so it comes chosen
        common = {**common, "initial": choices[0][0]}
    else:
        choices = [BLANK_CHOICE, *choices]
    field = forms.ChoiceField(choices=choices, **{**common, "required": True})
    field.error_messages["required"] = _("请选择“%(label)s”。") % {"label": f.label}
    field.error_messages["invalid_choice"] = _("您不能在所选部门发布数据。")
    return field


def _region(f: Field, common: dict[str, Any], departments) -> forms.Field:
    return forms.CharField(widget=forms.Select(choices=_region_choices()), **common)


def _textarea(f: Field, common: dict[str, Any], departments) -> forms.Field:
    attrs: dict[str, Any] = {"rows": 4}
    if f.max_length:
        attrs["maxlength"] = f.max_length
    return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)


def _identifiers(f: Field, common: dict[str, Any], departments) -> forms.Field:
    common["help_text"] = f.help or _("每行一个信息资源代码。")
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)


def _fields(f: Field, common: dict[str, Any], departments) -> forms.Field:
    """信息项 as text, one field per line, which works without JavaScript and pastes from a
    spreadsheet (tabs are accepted as separators too)."""
    common["help_text"] = " ".join(filter(None, [f.help, _field_lines_help()]))
    attrs = {"rows": 6, "placeholder": FIELD_LINE_HINT, "spellcheck": "false"}
    return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)


def _tags(f: Field, common: dict[str, Any], departments) -> forms.Field:
    common["help_text"] = f.help or _("多个关键字用逗号分隔。")
    return forms.CharField(widget=_text_widget(f), **common)


def _input(input_type: str):
    def build(f: Field, common: dict[str, Any], departments) -> forms.Field:
        return forms.CharField(widget=_text_widget(f, input_type), **common)

    return build


#: the form field for each schema field type; a type not listed is a one-line text input
BUILDERS = {
    "boolean": _boolean,
    "codes": _codes,
    "code": _code,
    "department": _department,
    "region": _region,
    "textarea": _textarea,
    "identifiers": _identifiers,
    "fields": _fields,
    "tags": _tags,
    "date": _input("date"),
    "url": _input("url"),
    "email": _input("email"),
    "phone": _input("tel"),
    "integer": _input("number"),
}


def build_form_field(f: Field, *, departments: Iterable[Department] = ()) -> forms.Field:
    """The form field and widget for one schema field, chosen by its type. Form fields are not
    required: the schema's validation decides, with the same messages the API gives."""
    common: dict[str, Any] = {"label": f.label, "help_text": f.help, "required": False}
    field = BUILDERS.get(f.type, _input("text"))(f, common, departments)
    field.schema_field = f
    return field


def form_value(f: Field, value: Any) -> Any:
    """A stored value as the form shows it (lists as lines or commas, references as ids)."""
    if value is None:
        return [] if f.type == "codes" else ("" if f.type != "boolean" else False)
    if hasattr(value, "pk"):
        return str(value.pk)
    if f.type == "tags":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if f.type == "identifiers":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if f.type == "fields":
        return "\n".join(_field_line(row) for row in value) if isinstance(value, list) else value
    if f.type == "date" and hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if f.type == "codes":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return value


def _field_line(row: Any) -> str:
    if not isinstance(row, dict):
        return str(row)
    parts = [
        row.get("name", ""),
        row.get("type", ""),
        row.get("length", ""),
        row.get("description", ""),
    ]
    return ",".join(str(p if p is not None else "") for p in parts).rstrip(",")


class SchemaForm(forms.Form):
    """A form whose fields come from a tuple of schema fields. After `is_valid()`, `values`
    holds the values cleaned by the schema, keyed by field key, ready for a service."""

    def __init__(
        self,
        *args: Any,
        schema_fields: Iterable[Field],
        departments: Iterable[Department] = (),
        require: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        departments = list(departments)
        self.require = require
        self.schema_fields = tuple(
            f for f in schema_fields if not f.readonly and (f.type != "department" or departments)
        )
        self.values: dict[str, Any] = {}
        for f in self.schema_fields:
            self.fields[f.key] = build_form_field(f, departments=departments)

    def clean(self) -> dict[str, Any]:
        """Run the schema's validation on what was typed. A dataset draft needs only valid
        values (`require` false): its required ones are checked when it is submitted."""
        cleaned = super().clean()
        raw = {f.key: cleaned[f.key] for f in self.schema_fields if f.key in cleaned}
        values, errors = validation.validate(self.schema_fields, raw, require=self.require)
        for key, messages in errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
        self.values = {k: v for k, v in values.items() if k not in errors}
        return cleaned

    def add_service_errors(self, exc: KaifangError) -> None:
        """Show an error a service raised beside the fields it names, else above the form."""
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        if not exc.errors:
            self.add_error(None, exc.message)
            return
        for key, messages in exc.errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)

    def groups(self, schema: Schema | None = None) -> list[tuple[str, list[forms.BoundField]]]:
        """The bound fields in the schema's groups, for a form in sections."""
        schema = schema or get_schema()
        placed: set[str] = set()
        sections: list[tuple[str, list[forms.BoundField]]] = []
        for group, group_fields in schema.dataset_groups():
            keys = [f.key for f in group_fields if f.key in self.fields]
            if keys:
                sections.append((group.label, [self[k] for k in keys]))
                placed.update(keys)
        rest = [self[k] for k in self.fields if k not in placed]
        if rest:
            sections.append(("", rest))
        return sections


def data_from_values(fields: Iterable[Field], values: dict[str, Any]) -> dict[str, Any]:
    """Stored values turned into the data a bound form expects, so a form can show the
    errors of a submitted dataset beside its fields."""
    data: dict[str, Any] = {}
    for f in fields:
        if f.readonly or f.key not in values:
            continue
        value = form_value(f, values[f.key])
        if f.type == "boolean":
            if value:
                data[f.key] = "on"
        elif value not in (None, "", []):
            data[f.key] = value
    return data


def dataset_form(
    data: dict[str, Any] | None = None,
    *,
    values: dict[str, Any] | None = None,
    departments: Iterable[Department] = (),
) -> SchemaForm:
    """The dataset metadata form; `departments` non-empty adds the department choice (new
    datasets), `values` are the stored values shown as initial data."""
    schema = get_schema()
    fields = schema.editable_dataset_fields
    initial = {f.key: form_value(f, (values or {}).get(f.key)) for f in fields}
    return SchemaForm(data, initial=initial, schema_fields=fields, departments=departments)


class ResourceForm(SchemaForm):
    """A resource: the schema's resource fields plus the file for a file resource."""

    file = forms.FileField(
        label=gettext_lazy("上传文件"),
        required=False,
        allow_empty_file=True,
        help_text=gettext_lazy("文件类型按内容识别。"),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("schema_fields", get_schema().resource_fields)
        kwargs.setdefault("require", True)
        super().__init__(*args, **kwargs)
        self.order_fields([f.key for f in self.schema_fields] + ["file"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.values.get("kind") == "file" and not cleaned.get("file"):
            self.add_error("file", _("文件资源请上传文件。"))
        return cleaned

    def groups(self, schema: Schema | None = None) -> list[tuple[str, list[forms.BoundField]]]:
        return [("", [self[k] for k in self.fields])]


class VersionForm(forms.Form):
    """A new version of a file resource."""

    file = forms.FileField(
        label=gettext_lazy("新版本文件"),
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("请选择要上传的文件。")},
    )


class ReasonForm(forms.Form):
    """A reason, required for returning, withdrawing and taking down."""

    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写理由。")},
    )

    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


class OptionalReasonForm(forms.Form):
    """A note for an approval, which may be left empty."""

    reason = forms.CharField(
        label=gettext_lazy("审核意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RenameForm(forms.Form):
    """The dataset's English name (its address); the old name keeps redirecting."""

    name = forms.CharField(
        label=gettext_lazy("英文标识"),
        max_length=100,
        validators=[NAME_RULE],
        help_text=gettext_lazy("用于网址，只能使用 2–100 个小写字母、数字、下划线或连字符。"),
        error_messages={"required": gettext_lazy("请填写英文标识。")},
    )
