"""Parquet downloads: a copy of the table's data files (whatever their format), as one file,
without the internal `_row_id` column, so the download holds exactly the published fields,
typed as stored. DuckDB writes it directly from the data files (zstd), streaming."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kaifang.datastore.exporters.base import Exporter, open_sources, sql_string


class ParquetExporter(Exporter):
    key = "parquet"
    format = "parquet"
    #: a Parquet data file itself is `<table>.parquet`
    suffix = ".export.parquet"
    content_type = "application/vnd.apache.parquet"

    def export(self, sources: Sequence[Path], target: Path) -> None:
        con = open_sources(sources)
        try:
            con.execute(
                f"COPY ({self.select_sql()}) TO {sql_string(str(target))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        finally:
            con.close()
