"""The search change log: every change that can alter what search shows writes a row here, in
the same transaction as the change, so a search index (one per node) can follow the catalog by
applying the rows after the last one it applied — and a search can tell which datasets changed
since its index last caught up."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchChange(models.Model):
    """One changed dataset. `seq` orders the log: it is handed out in commit order (see
    SearchLogLock), so an index that applied every row up to some seq has missed none below
    it. `dataset_id` is no foreign key: a deleted dataset's row must outlive it."""

    class Kind(models.TextChoices):
        UPSERT = "upsert", _("更新")
        DELETE = "delete", _("删除")

    seq = models.BigAutoField(primary_key=True)
    dataset_id = models.UUIDField(_("数据集"), db_index=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.UPSERT)
    reason = models.CharField(_("原因"), max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("检索变更")
        verbose_name_plural = _("检索变更")

    def __str__(self) -> str:
        return f"{self.seq} {self.kind} {self.dataset_id}"


class SearchLogLock(models.Model):
    """A single row every transaction writing to the change log locks first (SELECT … FOR
    UPDATE), so the log's sequence numbers are handed out in commit order: without it, on
    PostgreSQL a transaction could take seq 10, commit after another took 11, and an index
    that had already applied 11 would never see 10. SQLite serialises writers anyway."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        verbose_name = _("检索变更锁")
        verbose_name_plural = _("检索变更锁")

    def __str__(self) -> str:
        return "search log lock"


class SearchQuery(models.Model):
    """One search someone made with words (the dataset list and the API's first page), for
    热门搜索 and for the data office's list of what citizens look for and cannot find. No
    personal data: no user, no address — the normalized words, the day and what was found."""

    day = models.DateField(_("日期"), db_index=True)
    query = models.CharField(_("检索词"), max_length=200)
    results = models.PositiveIntegerField(_("结果数"), default=0)
    zero = models.BooleanField(_("无结果"), default=False, db_index=True)

    class Meta:
        ordering = ["-day", "query"]
        indexes = [models.Index(fields=["day", "query"])]
        verbose_name = _("检索记录")
        verbose_name_plural = _("检索记录")

    def __str__(self) -> str:
        return f"{self.day} {self.query} ({self.results})"


class SearchDocument(models.Model):
    """One dataset as the PostgreSQL full-text backend (search.backends.postgres) holds it:
    the columns the visibility gate, the facets and the sorts read. On PostgreSQL the table
    also has, made by its migrations only there, the analysed text (`words`, a tsvector under
    a GIN index, `rank_words`, the smaller one the full ranking reads — both kept out of the
    row —, and `rank_head`, the small one in the row that the first ranking stage reads) and
    the region and format arrays the facets count; on SQLite the table exists but the backend
    is unavailable.

    `seq` is the change log seq the row was built at: a row older than its dataset's last
    change log row is stale and left out of searches until it is built again."""

    dataset_id = models.UUIDField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    name = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    title_exact = models.TextField(blank=True)
    state = models.CharField(max_length=16)
    is_private = models.BooleanField(default=False)
    open_type = models.CharField(max_length=16)
    department_id = models.UUIDField(null=True)
    department_name = models.CharField(max_length=100, blank=True)
    department_title = models.CharField(max_length=200, blank=True)
    domain = models.CharField(max_length=8, blank=True)
    update_frequency = models.CharField(max_length=16, blank=True)
    is_high_value = models.BooleanField(default=False)
    is_realtime = models.BooleanField(default=False)
    has_api = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    download_count = models.BigIntegerField(default=0)
    recent_use = models.BigIntegerField(default=0)
    freshness = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("全文检索文档")
        verbose_name_plural = _("全文检索文档")

    def __str__(self) -> str:
        return f"{self.title} ({self.seq})"


class SearchDocumentState(models.Model):
    """How far the PostgreSQL full-text index has caught up: every change log row up to
    `applied_seq` is reflected in its rows. `use_refreshed_at` is when recent use was last
    copied into them. A single row, written only by whoever holds the log's lock."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    applied_seq = models.BigIntegerField(default=0)
    use_refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("全文检索进度")
        verbose_name_plural = _("全文检索进度")

    def __str__(self) -> str:
        return f"applied {self.applied_seq}"
