"""The DuckDB engine: each table is immutable Parquet files (a base and its appended parts),
opened together through a locked-down in-process DuckDB connection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kaifang.datastore.engines.base import DatastoreEngine

if TYPE_CHECKING:
    from kaifang.datastore.models import DatastoreTable


class DuckDBEngine(DatastoreEngine):
    def connect(self, table: DatastoreTable, **limits: Any):
        from kaifang.datastore.query.connection import connect

        return connect(self.data_files(table), **limits)
