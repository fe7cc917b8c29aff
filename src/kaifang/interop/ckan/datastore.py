"""`datastore_search` and `datastore_search_sql` over the platform's datastore query layer.

The table is the one the native rows API serves (datastore.api.router.readable_table: the
visibility gate, 需申请 for conditional data, the call counted), the query is
datastore.query.rows / .sql, and the SQL action takes the SQL endpoint's rate limit and
concurrency cap (datastore.throttle). CKAN's shapes are made here: `_id` counts from 1 (our
`_row_id` from 0), field types are CKAN's names, `_links` give the first and next page.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp
from sqlglot.errors import SqlglotError

from kaifang.datastore import throttle
from kaifang.datastore.api.formats import SQL_LIMIT
from kaifang.datastore.api.router import readable_table
from kaifang.datastore.query.columns import ROW_ID
from kaifang.datastore.query.rows import MAX_LIMIT, RowsParams, parse_sort, query_rows
from kaifang.datastore.query.sql import run_sql
from kaifang.interop.ckan import params
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import invalid

CKAN_ID = "_id"
DEFAULT_LIMIT = 100
#: our column types as CKAN's datastore names them
CKAN_TYPES = {
    "integer": "int",
    "decimal": "numeric",
    "float": "numeric",
    "date": "date",
    "datetime": "timestamp",
    "boolean": "bool",
    "text": "text",
}


def _ours(name: str) -> str:
    return ROW_ID if name == CKAN_ID else name


def _row_filter(value: Any) -> Any:
    """A filter on `_id` as one on `_row_id`, which counts from 0."""
    if isinstance(value, list):
        return [_row_filter(v) for v in value]
    if isinstance(value, dict):
        return {op: _row_filter(v) for op, v in value.items()}
    try:
        return int(value) - 1
    except (TypeError, ValueError):
        return value  # the query layer names the bad value


def _filters(data: dict[str, Any]) -> dict[str, Any]:
    """`filters` ({column: value or [values]}), and a `q` given as {column: text}, which CKAN
    reads as a search in that column."""
    found = {
        _ours(k): (_row_filter(v) if k == CKAN_ID else v)
        for k, v in params.json_object(data, "filters").items()
    }
    q = params.decoded(data, "q")
    if isinstance(q, dict):
        for column, text in q.items():
            found.setdefault(str(column), {})
            if not isinstance(found[str(column)], dict):
                raise invalid("q", _("参数 q 与 filters 对同一列“%(c)s”重复。") % {"c": column})
            found[str(column)]["contains"] = text
    return found


def _rows_params(data: dict[str, Any]) -> RowsParams:
    if params.text(data, "records_format", "objects") != "objects":
        raise invalid("records_format", _("records_format 只支持 objects。"))
    if params.boolean(data, "distinct"):
        raise invalid("distinct", _("distinct 暂不支持。"))
    q = params.decoded(data, "q")
    fields = [_ours(name) for name in params.text_list(data, "fields")]
    return RowsParams(
        fields=[ROW_ID, *(f for f in fields if f != ROW_ID)] if fields else [],
        filters=_filters(data),
        q=q.strip() if isinstance(q, str) and q.strip() else None,
        sort=[(_ours(name), desc) for name, desc in parse_sort(params.text(data, "sort"))],
        limit=params.integer(data, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT),
        offset=params.integer(data, "offset", 0, 0),
    )


def _plain(value: Any) -> Any:
    """Values as CKAN's JSON gives them: numbers as numbers, times as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _field(column: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    body = {"id": column["id"], "type": CKAN_TYPES.get(column["type"], "text")}
    label, notes = info.get("label") or "", info.get("description") or ""
    if (label and label != column["id"]) or notes:
        body["info"] = {"label": label, "notes": notes}
    return body


def _record(row: dict[str, Any]) -> dict[str, Any]:
    record = {CKAN_ID: row[ROW_ID] + 1} if ROW_ID in row else {}
    record.update((k, _plain(v)) for k, v in row.items() if k != ROW_ID)
    return record


def _as_text(value: Any) -> str:
    """A parameter as a query string carries it: objects and lists as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _links(call: Call, resource_id: str, offset: int, limit: int) -> dict[str, str]:
    """The first and the next page, as CKAN gives them: this action's path with the same
    parameters and another offset."""
    path = call.action_url("datastore_search")
    kept = {k: _as_text(v) for k, v in call.data.items() if k != "offset"}
    kept["resource_id"] = resource_id
    return {
        "start": f"{path}?{urlencode(kept)}",
        "next": f"{path}?{urlencode({**kept, 'offset': offset + limit})}",
    }


def _resource_id(data: dict[str, Any]) -> str:
    ref = params.text(data, "resource_id") or params.text(data, "id")
    if not (ref or "").strip():
        raise invalid("resource_id", _("缺少参数 resource_id。"))
    return ref.strip()


def datastore_search(call: Call) -> dict[str, Any]:
    data = call.data
    resource_id = _resource_id(data)
    table = readable_table(call.request, resource_id)
    asked = _rows_params(data)
    if not asked.fields:
        asked.fields = [ROW_ID, *(f["id"] for f in table.fields)]
    result = query_rows(table, asked)
    info = {f["id"]: f for f in table.fields}
    body: dict[str, Any] = {
        "resource_id": str(table.resource_id),
        "fields": [{"id": CKAN_ID, "type": "int"}]
        + [_field(c, info.get(c["id"], {})) for c in result.fields if c["id"] != ROW_ID],
        "records": [_record(row) for row in result.records],
        "records_format": "objects",
        "limit": asked.limit,
        "offset": asked.offset,
        "_links": _links(call, resource_id, asked.offset, asked.limit),
        "include_total": params.boolean(data, "include_total", True),
    }
    if body["include_total"]:
        body.update(total=result.total, total_was_estimated=False)
    return body


def _named_table(sql: str) -> str:
    """The resource id the SQL reads, as CKAN names tables: exactly one, in double quotes."""
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except (SqlglotError, RecursionError, ValueError) as exc:
        raise invalid(
            "sql", _("参数 sql 无法解析：%(reason)s") % {"reason": str(exc).splitlines()[0][:200]}
        ) from None
    names = set()
    for tree in trees:
        for table in tree.find_all(exp.Table):
            try:
                names.add(str(uuid.UUID(table.name)))
            except ValueError:
                continue
    if len(names) != 1:
        raise invalid(
            "sql",
            _('参数 sql 应以资源 ID 为表名查询一个资源，如 SELECT * FROM "<资源 ID>"'
              "（一次只能查询一个资源）。"),
        )  # fmt: skip
    return names.pop()


def datastore_search_sql(call: Call) -> dict[str, Any]:
    sql = params.required(call.data, "sql")
    table = readable_table(call.request, _named_table(sql))
    with throttle.limited(call.request, "sql"):
        result = run_sql(table, sql, limit=SQL_LIMIT)
    body = {
        "sql": sql,
        "fields": [
            {"id": f["id"], "type": CKAN_TYPES.get(f["type"], "text")} for f in result.fields
        ],
        "records": [{k: _plain(v) for k, v in row.items()} for row in result.records],
    }
    if result.extra.get("truncated"):
        body["records_truncated"] = True
    return body
