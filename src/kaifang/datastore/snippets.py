"""Ready-to-copy code for a resource's rows and aggregate endpoints: curl, Python and JavaScript.

The snippets use the site's public domain and the resource's real column names, so a developer
can paste one and get data at once. Chinese column names are left to each tool's own URL
encoding (curl's --data-urlencode, urlencode, URLSearchParams) rather than pre-encoded, so the
snippet stays readable. Conditional data needs an API token; only then the snippets carry the
Authorization header, with a placeholder the developer replaces.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.catalog.models import Resource
from kaifang.datastore.models import DatastoreTable, FieldType

TOKEN_PLACEHOLDER = "<API令牌>"  # noqa: S105 - a placeholder the reader replaces


@dataclass(frozen=True)
class Snippet:
    key: str  # curl | python | javascript
    title: str
    code: str


@dataclass(frozen=True)
class Endpoint:
    key: str  # rows | aggregate
    title: str
    url: str
    params: dict[str, str]
    snippets: tuple[Snippet, ...]


def base_url() -> str:
    """The site's public address, from KAIFANG_SITE_DOMAIN."""
    return f"https://{settings.KAIFANG['SITE']['domain']}"


def endpoints(resource: Resource, table: DatastoreTable) -> list[Endpoint]:
    """The rows and aggregate endpoints of `resource`, each with its three snippets."""
    token = resource.dataset.open_type == "conditional"
    root = f"{base_url()}/api/v1/resources/{resource.pk}"
    wanted = [
        ("rows", _("按行查询"), f"{root}/rows", {"limit": "100"}),
        ("aggregate", _("分组统计"), f"{root}/aggregate", aggregate_example(table)),
    ]
    return [
        Endpoint(key, title, url, params, snippets_for(url, params, token=token))
        for key, title, url, params in wanted
    ]


def aggregate_example(table: DatastoreTable) -> dict[str, str]:
    """group_by the first text column (else the first column), counting rows and summing the
    first numeric column when there is one."""
    fields = table.fields
    text = [f["id"] for f in fields if f["type"] == FieldType.TEXT]
    numeric = [f["id"] for f in fields if f["type"] in (FieldType.INTEGER, FieldType.DECIMAL)]
    numeric = numeric or [f["id"] for f in fields if f["type"] == FieldType.FLOAT]
    group = (text or [f["id"] for f in fields] or [""])[0]
    metrics = "count" + (f",sum:{numeric[0]}" if numeric else "")
    return {"group_by": group, "metrics": metrics}


def snippets_for(url: str, params: dict[str, str], *, token: bool) -> tuple[Snippet, ...]:
    return (
        Snippet("curl", "curl", curl(url, params, token=token)),
        Snippet("python", "Python", python(url, params, token=token)),
        Snippet("javascript", "JavaScript", javascript(url, params, token=token)),
    )


def curl(url: str, params: dict[str, str], *, token: bool) -> str:
    lines = [f"curl -G {shlex.quote(url)}"]
    lines += [f"  --data-urlencode {shlex.quote(f'{k}={v}')}" for k, v in params.items()]
    if token:
        lines.append(f"  -H {shlex.quote(f'Authorization: Bearer {TOKEN_PLACEHOLDER}')}")
    return " \\\n".join(lines)


def _literal(value: Any) -> str:
    """A string or dict literal valid in both Python and JavaScript (JSON's escapes are)."""
    return json.dumps(value, ensure_ascii=False)


def python(url: str, params: dict[str, str], *, token: bool) -> str:
    headers = {"Authorization": f"Bearer {TOKEN_PLACEHOLDER}"} if token else {}
    return "\n".join(
        [
            "import json",
            "import urllib.parse",
            "import urllib.request",
            "",
            f"params = urllib.parse.urlencode({_literal(params)})",
            f'request = urllib.request.Request({_literal(url)} + "?" + params, '
            f"headers={_literal(headers)})",
            "with urllib.request.urlopen(request) as response:",
            "    data = json.load(response)",
            'print(data["total"], data["records"][:5])',
        ]
    )


def javascript(url: str, params: dict[str, str], *, token: bool) -> str:
    headers = {"Authorization": f"Bearer {TOKEN_PLACEHOLDER}"} if token else {}
    return "\n".join(
        [
            f"const params = new URLSearchParams({_literal(params)});",
            f'const response = await fetch({_literal(url)} + "?" + params, '
            f"{{ headers: {_literal(headers)} }});",
            "const data = await response.json();",
            "console.log(data.total, data.records.slice(0, 5));",
        ]
    )
