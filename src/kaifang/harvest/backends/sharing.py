"""Importing from the government data-sharing platform (共享平台): its catalog export, in the
catalog-guide layout (XLSX or JSON, as `catalog_sheet` reads it), lists every resource the
departments share among themselves; only the entries flagged open to society (向社会开放) may
come to the open portal. Those are harvested like any catalog-sheet entry — their data file
addresses and API endpoints become link and API resources — and the rest are left out and
counted in the job's report.

An entry is open to society when its 开放类型 is 无条件开放 or 有条件开放, or, in exports that carry
the guide's yes/no element instead, when 是否向社会开放 says 是. An entry this source harvested
before and that is no longer open is withdrawn at once (on any run, not only a full one): data
the sharing platform stopped marking open must not stay public here. See
docs/sharing-platform.md for the format.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaifang.harvest.backends.base import RemoteRecord, register
from kaifang.harvest.backends.catalog_sheet import CatalogSheetBackend
from kaifang.harvest.models import HarvestedRecord
from kaifang.interop.catalog_xlsx.rows import cell_text

#: the guide's yes/no element, as exports name it
OPEN_FLAGS = ("是否向社会开放", "向社会开放")
YES = {"是", "1", "true", "yes", "y", "开放", "向社会开放"}
#: open types whose entries are open to society
OPEN_TYPES = {"open", "conditional", "无条件开放", "有条件开放", "受限开放"}


@register
class SharingPlatformBackend(CatalogSheetBackend):
    key = "sharing"
    label = gettext_lazy("共享平台导出（仅向社会开放的目录）")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped = 0

    def _entries(self) -> list[dict[str, Any]]:
        """The open entries, and the closed ones this source had harvested (to withdraw)."""
        entries = super()._entries()
        closed = [e for e in entries if not self.open_to_society(e["rows"][0][1])]
        known = set(
            HarvestedRecord.objects.filter(
                source=self.source,
                remote_id__in=[e["id"] for e in closed],
                withdrawn_by_source=False,
            ).values_list("remote_id", flat=True)
        )
        for entry in closed:
            entry["closed"] = True
        self.skipped = sum(1 for e in closed if e["id"] not in known)
        return [e for e in entries if not e.get("closed") or e["id"] in known]

    def open_to_society(self, cells: dict[str, Any]) -> bool:
        """Flagged open by whichever of the two elements the export has, and contradicted by
        neither."""
        flag = cell_text(next((cells[k] for k in OPEN_FLAGS if k in cells), None))
        open_type = cell_text(cells.get(self.header["open_type"]))
        if not flag and not open_type:
            return False
        return (not flag or flag.lower() in YES) and (not open_type or open_type in OPEN_TYPES)

    def parse(self, raw: Any) -> RemoteRecord:
        """An entry no longer open is withdrawn as it is, however its other cells read."""
        if raw.get("closed"):
            return RemoteRecord(raw["id"][:200], self.source.url, raw={}, deleted=True)
        return super().parse(raw)

    def notes(self) -> dict[str, Any]:
        return {
            "skipped": {
                "count": self.skipped,
                "reason": _("共享平台未标记为向社会开放，未采集。"),
            }
        }
