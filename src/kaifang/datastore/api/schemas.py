"""Shapes of the datastore API, for the OpenAPI document. Parameters are read and checked by
the query functions (RowsParams.from_query and friends), the same checks every caller gets;
these classes only describe them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field as ApiField
from ninja import Schema

from kaifang.datastore.query.aggregate import DEFAULT_LIMIT as AGGREGATE_LIMIT
from kaifang.datastore.query.rows import DEFAULT_LIMIT, MAX_LIMIT

FILTERS_HELP = (
    'JSON 对象：{"城市": "杭州"} 为等于，{"城市": ["杭州", "宁波"]} 为其一，'
    '{"数值": {"gte": 10, "lt": 20}} 使用运算符 eq、ne、lt、lte、gt、gte、in、between、'
    "contains、startswith、isnull"
)
WHERE_HELP = (
    "条件表达式（类似 SQL 的 WHERE），如 数值 >= 10 AND 城市 IN ('杭州', '宁波')。"
    "可用列名、常量、比较、AND/OR/NOT、IN、BETWEEN、LIKE、IS NULL、算术和常用函数"
)


class TableQuery(Schema):
    sheet: str = ApiField("", description="工作表名（多工作表的资源）；默认第一个")


class FilterQuery(TableQuery):
    filters: str = ApiField("", description=FILTERS_HELP)
    where: str = ApiField("", description=WHERE_HELP)
    q: str = ApiField("", description="在全部文本列中查找子串，不区分大小写；中文按原文匹配")


class RowsQuery(FilterQuery):
    fields: str = ApiField("", description="返回的列，逗号分隔；默认全部")
    sort: str = ApiField(
        "", description="排序，如 数值 desc, 日期；行号总是最后一个排序键，翻页不重不漏"
    )
    limit: int = ApiField(DEFAULT_LIMIT, description=f"每页行数，0–{MAX_LIMIT}")
    offset: int = ApiField(0, description="跳过的行数（深翻页请用 cursor）")
    cursor: str = ApiField("", description="上一页答复中的 next；其余参数须保持不变")
    format: str = ApiField(
        "json",
        description="json、csv、xlsx、xml；含经纬度列时另有 geojson",
        json_schema_extra={"enum": ["json", "csv", "xlsx", "xml", "geojson"]},
    )


class AggregateQuery(FilterQuery):
    group_by: str = ApiField(
        "",
        description="分组列，逗号分隔；日期列可按时间分段，如 日期:month"
        "（year、quarter、month、week、day）",
    )
    metrics: str = ApiField(
        "count",
        description="统计量，逗号分隔：count、sum:列、avg:列、min:列、max:列、count_distinct:列；"
        "结果列名为 count、sum_列 …",
    )
    sort: str = ApiField("", description="按结果列排序，如 count desc；默认按分组列")
    limit: int = ApiField(AGGREGATE_LIMIT, description=f"每页组数，0–{MAX_LIMIT}")
    offset: int = ApiField(0, description="跳过的组数")
    format: str = ApiField(
        "json",
        description="json、csv、xlsx、xml",
        json_schema_extra={"enum": ["json", "csv", "xlsx", "xml"]},
    )


class FieldOut(Schema):
    id: str = ApiField(description="列名（数据文件中的名称）")
    type: str = ApiField(description="类型：integer、decimal、float、date、datetime、boolean、text")
    label: str = ApiField(description="显示名称")


class RowsOut(Schema):
    fields: list[FieldOut]
    records: list[dict[str, Any]] = ApiField(description="每行一个对象，键为列名")
    total: int | None = ApiField(description="符合条件的行数（聚合时为组数）")
    next: str | None = ApiField(description="下一页的 cursor；最后一页为 null")


class SchemaField(FieldOut):
    description: str = ""
    unit: str = ""


class TableOut(Schema):
    sheet: str = ApiField(description="工作表名；单表资源为空")
    row_count: int | None
    fields: list[SchemaField]


class SchemaOut(Schema):
    resource: str
    version: int = ApiField(description="数据所属的资源版本号")
    sheet: str = ApiField(description="本答复所述的工作表")
    row_count: int | None
    refreshed_at: dt.datetime | None = ApiField(
        description="最近一次通过接口追加或替换数据行的时间；从未更新为 null"
    )
    generation: int = ApiField(
        description="数据的代次：每次追加、替换或后台合并后加一；据此可判断数据是否有变化"
    )
    fields: list[SchemaField]
    tables: list[TableOut] = ApiField(description="该版本的全部数据表（工作表）")
    table_names: list[str] = ApiField(description="SQL 中可用的表名：data 和资源 ID")


class SqlIn(Schema):
    sql: str = ApiField(
        description="一条只读 SELECT 语句；表名为 data（也可用资源 ID），如 "
        "SELECT 城市, count(*) FROM data GROUP BY 城市"
    )
    sheet: str = ApiField("", description="工作表名（多工作表的资源）；默认第一个")


class SqlOut(RowsOut):
    truncated: bool = ApiField(description="结果超过行数上限、已截断时为 true")


class RowsIn(Schema):
    records: list[Any] = ApiField(
        description="要写入的记录，每条一个 JSON 对象，键为列名（数据结构接口中的 id，"
        "不是显示名）；缺少的列为空值，未知的列和不符合列类型的值会被拒绝",
        json_schema_extra={"items": {"type": "object", "additionalProperties": True}},
        examples=[[{"城市": "杭州", "数量": 3, "日期": "2024-05-01"}]],
    )
    mode: str = ApiField(
        "append",
        description="append：追加到现有数据之后；replace：以这些记录替换全部数据",
        json_schema_extra={"enum": ["append", "replace"]},
    )
    sheet: str = ApiField("", description="工作表名（多工作表的资源）；默认第一个")


class RowsWrittenOut(Schema):
    resource: str
    sheet: str = ApiField(description="写入的工作表；单表资源为空")
    mode: str = ApiField(description="append 或 replace")
    rows_added: int = ApiField(description="本次写入的记录数")
    row_count: int = ApiField(description="写入后数据表的总行数")
    refreshed_at: dt.datetime = ApiField(description="本次写入的时间")
    generation: int = ApiField(description="写入后数据的代次")
