"""The one error an ingest stage raises for bad input."""

from __future__ import annotations

from typing import Any


class IngestError(Exception):
    """Bad input: `message` is in Chinese and names where the fault is; `row`, `column` and
    `byte` say it again for programs (row and byte 1-based as people count; column a header or
    an Excel cell column)."""

    def __init__(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        byte: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column
        self.byte = byte

    def as_dict(self) -> dict[str, Any]:
        """The form stored in DatastoreTable.error."""
        return {"message": self.message, "row": self.row, "column": self.column, "byte": self.byte}
