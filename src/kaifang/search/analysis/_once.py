"""Lazy, thread-safe, one-time construction of the analyzer's heavy parts (the segmenter and
its dictionary, the converter tables, the synonym map), so importing the package costs nothing
and concurrent first requests build each part once."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(factory: Callable[[], T]) -> Callable[[], T]:
    """Wrap a no-argument `factory` so its result is made on first call and then reused."""
    lock = threading.Lock()
    box: list[T] = []

    @functools.wraps(factory)
    def get() -> T:
        if not box:
            with lock:
                if not box:
                    box.append(factory())
        return box[0]

    return get
