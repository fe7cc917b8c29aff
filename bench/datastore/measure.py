"""How the datastore benchmark measures a child process: wall time, and peak memory over the
child's whole process tree (a command may start workers), read from /proc.

Every SAMPLE_EVERY seconds the sampler sums the resident memory (VmRSS) of the child and all
its descendants; the peak is the largest such sum, or the largest single process's own high
water mark (VmHWM, exact even between samples) when that is larger."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_EVERY = 0.05
PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and every process descended from it (as far as /proc still shows them)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += _children(current)
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class PeakMemory:
    """Samples one process tree in a thread until `stop()`; `peak` is in bytes."""

    pid: int
    peak_kb: int = 0
    _high_water: dict[int, int] = field(default_factory=dict)
    _stopped: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(SAMPLE_EVERY)

    def sample(self) -> None:
        total = 0
        for pid in process_tree(self.pid):
            total += _status_kb(pid, "VmRSS")
            hwm = _status_kb(pid, "VmHWM")
            if hwm:
                self._high_water[pid] = max(self._high_water.get(pid, 0), hwm)
        self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def peak(self) -> int:
        return max(self.peak_kb, *self._high_water.values(), 0) * 1024


@dataclass
class ChildRun:
    """One timed run of a command: seconds from start to exit, peak memory in bytes, exit
    status and the output's tail."""

    seconds: float
    peak_bytes: int
    returncode: int
    output: str


def run_measured(command: list[str], **popen) -> ChildRun:
    """Run `command` to its end, timing it and sampling its process tree's memory."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen
    )
    sampler = PeakMemory(child.pid).start()
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    text = output.decode("utf-8", "replace")
    return ChildRun(seconds, sampler.peak, child.returncode, text[-2000:])
