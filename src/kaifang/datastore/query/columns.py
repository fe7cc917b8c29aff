"""The columns a query may name: the stored schema of the table (its `fields`) plus the row id.
Every identifier that reaches SQL is one of these, quoted here; request text never is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kaifang.core.errors import Invalid

ROW_ID = "_row_id"
NUMERIC = {"integer", "decimal", "float"}
TEMPORAL = {"date", "datetime"}


class BadParameter(Invalid):
    """A query parameter the table cannot answer: an unknown column or operator, a value of the
    wrong type. 400, with the parameter named in `errors`."""

    code = "bad_parameter"
    status = 400

    def __init__(self, parameter: str, message: str):
        super().__init__(message, errors={parameter: [message]})
        self.parameter = parameter


@dataclass(frozen=True)
class Column:
    id: str
    type: str
    label: str

    @property
    def sql(self) -> str:
        return quote(self.id)

    def out(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type, "label": self.label}


def quote(name: str) -> str:
    """A DuckDB identifier; the name comes from the stored schema."""
    return '"' + name.replace('"', '""') + '"'


class Schema:
    """The columns of one table, by id, in file order."""

    def __init__(self, fields: list[dict[str, Any]]):
        self.columns = [
            Column(f["id"], f.get("type") or "text", f.get("label") or f["id"]) for f in fields
        ]
        self.by_id = {c.id: c for c in self.columns}
        self.row_id = Column(ROW_ID, "integer", _("行号"))
        self._folded = {}
        for c in self.columns:
            self._folded.setdefault(c.id.casefold(), []).append(c)

    @classmethod
    def of(cls, table) -> Schema:
        return cls(table.fields or [])

    def get(self, name: str, parameter: str, *, row_id: bool = True) -> Column:
        """The column called `name` (exactly, else the one column equal ignoring case), or a
        400 naming `parameter`."""
        name = name.strip()
        if row_id and name == ROW_ID:
            return self.row_id
        found = self.by_id.get(name)
        if found is None:
            folded = self._folded.get(name.casefold(), [])
            found = folded[0] if len(folded) == 1 else None
        if found is None:
            raise BadParameter(parameter, unknown_column(parameter, name, self))
        return found

    @property
    def text_columns(self) -> list[Column]:
        return [c for c in self.columns if c.type == "text"]


def unknown_column(parameter: str, name: str, schema: Schema) -> str:
    known = "、".join(c.id for c in schema.columns[:30])
    return _("参数 %(param)s：没有名为“%(name)s”的列。可用的列：%(known)s。") % {
        "param": parameter,
        "name": name[:100],
        "known": known,
    }
