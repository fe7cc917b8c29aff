"""The harvest benchmark: `kaifang harvest` of 1,000 and of 10,000 datasets (links only) from a
local CKAN Action API (bench/harvest/fixture.py, packages made on the fly), each into a fresh
data folder with SQLite; then a re-run over the 10,000 with nothing changed. Goals: under 60 s
for 10,000, memory flat (the peak RSS at 10,000 close to the one at 1,000), a re-run under 10 s.

    .venv/bin/python bench/harvest/run.py [--sizes 1000,10000] [--workdir var/bench-harvest]
        [--no-write]                                          (or: make bench-harvest)

Each run is the command line's own process, timed from start to end, its peak resident memory
read from the kernel (wait4); its report line is checked against what the fixture served. The
report replaces this benchmark's section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.common import machine, replace_section  # noqa: E402
from bench.harvest.fixture import Fixture  # noqa: E402
from bench.harvest.source import SOURCE  # noqa: E402

KAIFANG = Path(sys.executable).with_name("kaifang")
START = "<!-- bench/harvest/run.py: start -->"
END = "<!-- bench/harvest/run.py: end -->"
REPORT = re.compile(r"新增 (\d+)，更新 (\d+)，未变 (\d+)，下线 (\d+)，失败 (\d+)")
GOAL_FULL, GOAL_RERUN = 60.0, 10.0


@dataclass
class Run:
    label: str
    size: int
    seconds: float
    peak_mb: float
    counts: tuple[int, ...]


def environment(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "KAIFANG_HOME": str(home),
        "KAIFANG_ADMIN_USER": "bench",
        "KAIFANG_ADMIN_PASSWORD": "bench-harvest-2026",
        "KAIFANG_HARVEST_ALLOWED_HOSTS": "127.0.0.1",
        "KAIFANG_QUEUE": "immediate",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    return env


def _check(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} 失败 / failed:\n{done.stdout}\n{done.stderr}")


def measured(label: str, size: int, env: dict[str, str]) -> Run:
    """`kaifang harvest` in its own process: wall time, peak RSS and its counts."""
    command = [str(KAIFANG), "harvest", SOURCE, "--full"]
    started = time.monotonic()
    child = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    found = REPORT.search(output)
    if child.returncode != 0 or found is None:
        raise SystemExit(f"kaifang harvest 失败 / failed:\n{output}")
    counts = tuple(int(n) for n in found.groups())
    return Run(label, size, seconds, usage.ru_maxrss / 1024, counts)


def bench_size(work: Path, size: int, rerun: bool) -> list[Run]:
    home = work / f"home-{size}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = environment(home)
    _check([str(KAIFANG), "init", "--no-input", "-v", "0"], env)
    runs = []
    with Fixture(size) as fixture:
        _check([sys.executable, "-m", "bench.harvest.source", fixture.url], env)
        runs.append(expect(measured("首次采集 / first run", size, env), (size, 0, 0, 0, 0)))
        if rerun:
            runs.append(expect(measured("无变化重采 / re-run", size, env), (0, 0, size, 0, 0)))
    return runs


def expect(run: Run, counts: tuple[int, ...]) -> Run:
    if run.counts != counts:
        raise SystemExit(f"{run.label}: 计数 {run.counts}，应为 {counts} / counts differ")
    print(f"{run.label:28} {run.size:>6}  {run.seconds:7.1f} s  {run.peak_mb:6.0f} MB")
    return run


def render(runs: list[Run]) -> str:
    rows = [
        "## 采集 / Harvest (bench/harvest/run.py)",
        "",
        f"`kaifang harvest --full` from a local CKAN Action API (packages made on the fly, "
        f"2 link resources each), SQLite, links only; {machine()}.",
        "",
        "| 运行 / run | 数据集 / datasets | 用时 / time | 峰值内存 / peak RSS | 目标 / goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        goal = GOAL_RERUN if run.counts[0] == 0 else (GOAL_FULL if run.size >= 10_000 else None)
        verdict = "" if goal is None else ("< %d s ✓" if run.seconds < goal else "< %d s ✗") % goal
        cells = [run.label, f"{run.size:,}", f"{run.seconds:.1f} s", f"{run.peak_mb:.0f} MB"]
        rows.append(f"| {' | '.join(cells)} | {verdict} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-harvest")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    runs: list[Run] = []
    for size in sizes:
        runs.extend(bench_size(options.workdir.resolve(), size, rerun=size == max(sizes)))
    section = render(runs)
    print(section)
    if not options.no_write:
        replace_section(options.output, section, START, END)
        print(f"\nwritten to {options.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
