"""The demo catalog: a plausible province's open data, built reproducibly from a seed.

`build_demo()` is what `kaifang loaddemo` runs; tests build the small scale once per session.
`DEMO_ACCOUNTS` lists the demo logins (username, role, password) for the CLI and the README.
"""

from kaifang.catalog.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from kaifang.catalog.demo.build import (
    DEMO_SEED,
    GENERATOR_VERSION,
    SCALES,
    DemoResult,
    build_demo,
    remove_demo,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DEMO_SEED",
    "GENERATOR_VERSION",
    "SCALES",
    "DemoResult",
    "build_demo",
    "remove_demo",
]
