"""The registry of the CKAN Action API: every action name, its handler, its permission, the
methods it takes and its help. Only what is listed here answers; an unknown name is CKAN's
400 "Action name not known". A meta-test (interop/tests/test_ckan_registry.py) checks that each
action has a permission and that every write needs an API token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kaifang.interop.ckan import datastore, reads, search, writes
from kaifang.interop.ckan.call import Call
from kaifang.interop.ckan.errors import NotAuthorized

GET_POST = frozenset({"GET", "POST"})
POST = frozenset({"POST"})


@dataclass(frozen=True)
class Permission:
    """Who may call an action. Reads are open, and what they show passes the visibility gate;
    writes need an API token, and the catalog services they call check the token user's
    role in the dataset's department."""

    name: str
    description: str
    needs_token: bool = False

    def check(self, call: Call) -> None:
        if self.needs_token and call.token is None:
            raise NotAuthorized(
                _("该操作需要 API 令牌：请在 Authorization 请求头中提供令牌（登录会话不能写入）。")
            )


ANYONE = Permission("anyone", "任何人；只看到可见性控制允许的数据集")
DATA_READER = Permission(
    "data-reader", "任何人；数据行经可见性控制，有条件开放的数据需持有访问授权"
)
AUTHOR_TOKEN = Permission(
    "author-token",
    "API 令牌；令牌用户须为数据集所属部门的数据发布员或管理员（由目录服务检查）",
    needs_token=True,
)


@dataclass(frozen=True)
class Action:
    handler: Callable[[Call], Any]
    permission: Permission
    methods: frozenset[str]
    help: str

    @property
    def writes(self) -> bool:
        return "GET" not in self.methods


def _read(handler: Callable[[Call], Any], help_text: str, permission: Permission = ANYONE):
    return Action(handler, permission, GET_POST, help_text)


def _write(handler: Callable[[Call], Any], help_text: str) -> Action:
    return Action(handler, AUTHOR_TOKEN, POST, help_text)


ACTIONS: dict[str, Action] = {
    "status_show": _read(reads.status_show, "站点信息与所遵循的 CKAN 接口版本。"),
    "site_read": _read(reads.site_read, "站点可读时返回 true。"),
    "help_show": _read(reads.help_show, "name：操作名。返回该操作的说明。"),
    "package_list": _read(
        reads.package_list, "公开数据集的英文标识列表，按标识排序。limit、offset 分页。"
    ),
    "current_package_list_with_resources": _read(
        reads.current_package_list_with_resources,
        "公开数据集（含资源），最近修改的在前。limit（默认 10）、offset 或 page 分页。",
    ),
    "package_search": _read(
        search.package_search,
        "查找数据集。q（关键词，及 name:xxx 等字段条件；*:* 为全部）、fq（organization:、"
        "groups:、tags:、res_format:、license_id:、metadata_modified:[… TO …] 等）、rows（默认 "
        "10，最多 1000）、start、sort（如 metadata_modified desc、score desc, metadata_modified "
        "desc、title_string asc、name asc）、facet.field（JSON 列表）、facet.limit、"
        "include_private（含本部门的私有数据集）、fl。",
    ),
    "package_show": _read(
        reads.package_show, "id：数据集的 ID 或英文标识。本部门成员也可看到草稿和审核中的数据集。"
    ),
    "resource_show": _read(reads.resource_show, "id：资源 ID。"),
    "organization_list": _read(
        reads.organization_list,
        "开放部门（组织）列表。all_fields、sort（name、title、package_count，asc/desc）、"
        "limit、offset、organizations。",
    ),
    "organization_show": _read(
        reads.organization_show,
        "id：部门的 ID 或英文标识。include_datasets 列出其数据集（最多 1000 个）。",
    ),
    "group_list": _read(
        reads.group_list, "21 个领域（分组，名称形如 domain-6）。all_fields、sort、limit、offset。"
    ),
    "group_show": _read(
        reads.group_show, "id：领域的名称（domain-6）、ID 或代码。include_datasets 列出其数据集。"
    ),
    "tag_list": _read(
        reads.tag_list, "公开数据集的关键字。query 按包含筛选，all_fields 返回标签对象。"
    ),
    "license_list": _read(reads.license_list, "使用要求（许可协议）代码表。"),
    "datastore_search": _read(
        datastore.datastore_search,
        "resource_id；filters（JSON 对象）、q（文本，或 {列: 文本}）、fields、sort、limit（默认 "
        "100，最多 10000）、offset、include_total。_id 从 1 起。",
        DATA_READER,
    ),
    "datastore_search_sql": _read(
        datastore.datastore_search_sql,
        'sql：一条只读 SELECT，以资源 ID 为表名（如 SELECT * FROM "<资源 ID>"），一次一个资源；'
        "最多返回 10000 行，受查询频率和并发上限约束。",
        DATA_READER,
    ),
    "package_create": _write(
        writes.package_create,
        "新建数据集（草稿）。owner_org 必填；state 为 active 时同时提交审核。resources 中的链接和"
        "接口资源一并添加；文件请用 resource_create 上传。",
    ),
    "package_update": _write(
        writes.package_update,
        "整体替换数据集的元数据（未给出的字段清空）。已发布的数据集的修改进入待审修订，"
        "state 为 active 时提交审核。",
    ),
    "package_patch": _write(writes.package_patch, "只修改给出的字段；其余同 package_update。"),
    "package_delete": _write(
        writes.package_delete, "下线已发布的数据集；reason 为下线理由（可选）。"
    ),
    "resource_create": _write(
        writes.resource_create,
        "package_id；upload（multipart 文件）或 url（外部链接，resource_type 为 api 时为接口）；"
        "name、description、format。",
    ),
    "resource_update": _write(
        writes.resource_update,
        "id；upload 为文件资源上传新版本（已发布数据集的新版本经审核后生效）。资源的其他信息"
        "创建后不能修改。",
    ),
}
