"""The task consumer (`run_huey`) finds tasks by importing each installed app's `tasks` module.
A task defined anywhere else but never imported from there is queued by the web process and then
dropped by the consumer ("not found in TaskRegistry"): this test starts a fresh interpreter the
way the consumer does and checks that every task defined in the code is registered."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "kaifang"
DECORATORS = {"db_task", "task", "db_periodic_task", "periodic_task"}

PROBE = """
import json, django
django.setup()
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
autodiscover_modules("tasks")
print(json.dumps(sorted(HUEY._registry._registry)))
"""


def defined_tasks() -> set[str]:
    """`module.function` of every function decorated as a task under src/kaifang."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                _name(d) in DECORATORS for d in node.decorator_list
            ):
                found.add(f"{module}.{node.name}")
    return found


def _name(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


@pytest.mark.engine_independent
def test_every_task_is_registered_when_the_consumer_starts(tmp_path):
    tasks = defined_tasks()
    assert tasks, "no task found: the scan is broken"
    env = {"KAIFANG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "kaifang.config.settings"},
        check=True,
    )
    registered = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert tasks <= registered, f"tasks the consumer would not find: {sorted(tasks - registered)}"
