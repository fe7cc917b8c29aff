"""The entry points of a spawned ingest worker. This module imports nothing of Django's models
at import time: a spawned process imports it before Django is set up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def start() -> None:
    """Load Django in the new process (the settings module comes from the environment)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaifang.config.settings")
    import django

    django.setup()


def process(item: dict[str, Any]) -> list[dict]:
    """Run the chain on one file, writing under the parent's datastore root: a spawned process
    reads its settings afresh, so a root the parent was given at run time comes with the item."""
    from django.conf import settings

    from kaifang.datastore.ingest.pipeline import process_stored_file

    root = item.get("datastore_root")
    if root and str(settings.KAIFANG["DATASTORE_ROOT"]) != root:
        settings.KAIFANG = {**settings.KAIFANG, "DATASTORE_ROOT": Path(root)}
    return process_stored_file(item)
