"""The committed docs/openapi.json must be what the code generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kaifang.core.management.commands.export_openapi import default_path, render_spec

pytestmark = pytest.mark.engine_independent

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_committed_spec_matches_the_code():
    generated = render_spec()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.is_file() else ""

    assert committed == generated, (
        "docs/openapi.json 与代码不一致 / is out of date: run `kaifang export_openapi` "
        "and commit the result"
    )


def test_the_command_writes_to_the_committed_file_by_default():
    assert default_path() == COMMITTED


def test_the_spec_is_written_deterministically(tmp_path):
    out = tmp_path / "openapi.json"

    call_command("export_openapi", output=out)
    first = out.read_bytes()
    call_command("export_openapi", output=out)

    assert out.read_bytes() == first
    text = first.decode("utf-8")
    assert text.endswith("}\n")
    assert "领域" in text  # Chinese kept as it is
    spec = json.loads(text)
    assert list(spec) == sorted(spec)
    assert text == json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_check_fails_on_a_stale_file(tmp_path):
    out = tmp_path / "openapi.json"
    out.write_text("{}\n", encoding="utf-8")

    with pytest.raises(CommandError, match="kaifang export_openapi"):
        call_command("export_openapi", output=out, check=True)
    call_command("export_openapi", output=out)
    call_command("export_openapi", output=out, check=True)
