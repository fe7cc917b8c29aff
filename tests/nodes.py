"""Helpers for tests that run a second Kaifang instance as its own processes: its environment,
its `kaifang` commands and a free port on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

KAIFANG = Path(sys.executable).with_name("kaifang")


def node_environment(home: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any KAIFANG_ or database setting, so the node is
    the embedded default (SQLite in `home`), plus `settings`."""
    kept = {
        k: v for k, v in os.environ.items() if not k.startswith("KAIFANG_") and k != "DATABASE_URL"
    }
    return {**kept, "KAIFANG_HOME": str(home), **settings}


def kaifang(env: dict[str, str], *args: str) -> str:
    """Run one `kaifang` command in the node's environment; its output."""
    done = subprocess.run(
        [str(KAIFANG), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"kaifang {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
