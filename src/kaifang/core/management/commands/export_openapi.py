"""`kaifang export_openapi`: write the /api/v1 OpenAPI spec to docs/openapi.json.

The committed file is what API users read and what CI compares with the code
(tests/test_openapi_drift.py), so it is written the same way every time: keys sorted, two-space
indents, Chinese as it is, a final newline — and in Chinese, whatever the shell's language.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

import kaifang

SPEC_NAME = Path("docs") / "openapi.json"


def default_path() -> Path:
    """docs/openapi.json of the source checkout when running from one, else of the current
    folder."""
    checkout = Path(kaifang.__file__).resolve().parents[2]
    root = checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()
    return root / SPEC_NAME


def render_spec() -> str:
    """The spec as the committed file holds it."""
    from kaifang.config.api import api

    with translation.override("zh-hans"):
        # A round trip turns lazy strings into text and status-code keys into strings, so the
        # keys can be sorted.
        spec = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    return json.dumps(spec, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "导出接口说明 docs/openapi.json / write the API's OpenAPI spec"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=f"写到此文件 / file to write (default: {SPEC_NAME})",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="只比较，不一致时以非零状态退出 / compare only; fail when the file differs",
        )

    def handle(self, *args: Any, output: Path | None, check: bool, **options: Any) -> None:
        path = output or default_path()
        text = render_spec()
        if check:
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if current != text:
                raise CommandError(f"{path} 与代码不一致，请运行 `kaifang export_openapi`。")
            self.stdout.write(f"{path} 与代码一致 / is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 / wrote {path}")
