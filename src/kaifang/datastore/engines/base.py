"""The datastore engine interface. One engine serves a deployment, named by dotted path in
settings.KAIFANG["DATASTORE_ENGINE"]; ingestion writes a table's data file in its format
(`file_format`: the base files of new versions, replaces and merges) and every read (rows,
aggregates, SQL, exports, preview) opens the table through it — over all of the table's files
(`data_files`), never its base file alone. Files written before a change of engine keep being
read in their own format (kaifang.datastore.relation)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from kaifang.datastore.models import DatastoreTable


class DatastoreEngine:
    """Where tables live, the format their base files are written in, how they are opened."""

    #: the format new base files are written in (a key of kaifang.datastore.relation.SUFFIXES)
    file_format: ClassVar[str] = "parquet"

    @property
    def suffix(self) -> str:
        """The file name suffix of a base file in this engine's format."""
        from kaifang.datastore.relation import SUFFIXES

        return SUFFIXES[self.file_format]

    def root(self) -> Path:
        return Path(settings.KAIFANG["DATASTORE_ROOT"])

    def data_file(self, table: DatastoreTable) -> Path:
        """The absolute path of a table's immutable base file (where ingest wrote it, or the
        last merge or replace); its folder holds the table's other files too."""
        return self.root() / table.data_path

    def data_files(self, table: DatastoreTable) -> list[Path]:
        """The absolute paths of every file of the table's data in row order: the base file,
        then the parts appended since, oldest first."""
        root = self.root()
        return [root / table.data_path, *(root / part for part in table.parts or ())]

    def connect(self, table: DatastoreTable, **limits: Any):
        """A read-only connection in which the table is the relation `data`."""
        raise NotImplementedError  # pragma: no cover - every engine defines it


@cache
def _load(path: str) -> DatastoreEngine:
    engine = import_string(path)()
    if not isinstance(engine, DatastoreEngine):
        raise TypeError(f"{path} is not a DatastoreEngine")
    return engine


def get_engine() -> DatastoreEngine:
    return _load(settings.KAIFANG["DATASTORE_ENGINE"])
