"""Harvest backends, one per kind of remote catalog, found by key in a registry. The built-in
ones register here exactly as a deployment's own would (`register` on a `HarvestBackend`)."""

from kaifang.harvest.backends import catalog_sheet as _catalog_sheet  # noqa: F401
from kaifang.harvest.backends import ckan as _ckan  # noqa: F401  (registers itself)
from kaifang.harvest.backends import datajson as _datajson  # noqa: F401
from kaifang.harvest.backends import dcat as _dcat  # noqa: F401
from kaifang.harvest.backends import kaifang as _kaifang  # noqa: F401
from kaifang.harvest.backends import sharing as _sharing  # noqa: F401
from kaifang.harvest.backends.base import (
    HarvestBackend,
    RecordFailed,
    RemoteRecord,
    backend_choices,
    get_backend,
    register,
)

__all__ = [
    "HarvestBackend",
    "RecordFailed",
    "RemoteRecord",
    "backend_choices",
    "get_backend",
    "register",
]
