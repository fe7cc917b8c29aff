"""The documentation keeps up with the code: every setting the environment can carry is described
in README.md, and the commands the README tells a new user to run exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaifang.config.env import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.engine_independent


def documented_variables() -> set[str]:
    """Variables named in the first column of a README table row: | `NAME` | … |"""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", README, flags=re.MULTILINE))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_in_the_readme(setting):
    assert setting.name in documented_variables(), (
        f"README.md 的配置表缺少 {setting.name} / add {setting.name} to README.md's table"
    )


def test_the_readme_documents_no_setting_that_does_not_exist():
    known = {s.name for s in SETTINGS} | {"KAIFANG_ADMIN_USER", "KAIFANG_ADMIN_PASSWORD"}
    assert documented_variables() <= known


def test_the_readme_names_the_two_commands_and_make_has_them():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE)


def test_ci_runs_the_test_command_the_readme_names():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, flags=re.MULTILINE)


def test_the_readme_lists_every_demo_login():
    from kaifang.catalog.demo import DEMO_ACCOUNTS

    for username, _role, password in DEMO_ACCOUNTS:
        assert f"`{username}`" in README
        assert f"`{password}`" in README
