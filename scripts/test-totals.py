"""Print the tests of the given JUnit XML reports added up, as `tests: N passed, N failed, N
skipped`: the last line of `make test`. A missing report (a pass that never ran) counts as a
failure, so the line never reads as a clean run when a pass is missing."""

from __future__ import annotations

import sys
from pathlib import Path

from defusedxml import ElementTree


def totals(paths: list[Path]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for path in paths:
        if not path.exists():
            counts["failed"] += 1
            continue
        for suite in ElementTree.parse(path).getroot().iter("testsuite"):
            tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            counts["passed"] += tests - skipped - failed
            counts["failed"] += failed
            counts["skipped"] += skipped
    return counts


if __name__ == "__main__":
    counts = totals([Path(arg) for arg in sys.argv[1:]])
    passed, failed, skipped = counts["passed"], counts["failed"], counts["skipped"]
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
