"""Readers turn one file format into staged tables (`job.Staged`), one per sheet.

A registry, keyed by format code (core/codelists/format.yaml): the built-in readers register
through `register` like any other, so a deployment can add one for a format of its own."""

from __future__ import annotations

from collections.abc import Callable

from kaifang.datastore.ingest.job import Job, Staged

Reader = Callable[[Job], list[Staged]]
_READERS: dict[str, Reader] = {}


def register(*formats: str) -> Callable[[Reader], Reader]:
    """Register the decorated function as the reader of `formats`."""

    def decorator(reader: Reader) -> Reader:
        for fmt in formats:
            _READERS[fmt.upper()] = reader
        return reader

    return decorator


def reader_for(fmt: str) -> Reader | None:
    _load_builtin()
    return _READERS.get((fmt or "").upper())


def formats() -> frozenset[str]:
    """Every format some reader reads: the tabular formats."""
    _load_builtin()
    return frozenset(_READERS)


def _load_builtin() -> None:
    from kaifang.datastore.ingest.readers import delimited, excel, json, xml  # noqa: F401
