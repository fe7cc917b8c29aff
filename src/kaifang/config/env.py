"""Every setting Kaifang reads from the environment, declared once.

`load()` reads and checks them all when the settings module is built, so a bad value stops the
process at start-up with a message naming the variable; no other module reads `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A setting in the environment has a value Kaifang cannot use."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _size(raw: str) -> int:
    """Parse a byte size such as `200MB`, `1G` or `1048576`."""
    text = raw.strip().upper().removesuffix("B")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    value = int(float(number) * factor)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _seconds(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _index_sync(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"follower", "search", "rebuild"}:
        raise ValueError("expected follower, search or rebuild")
    return value


def _tile_url(raw: str) -> str:
    """A map tile address template: empty, or http(s) with {z}, {x} and {y} in it."""
    value = raw.strip()
    if value and not (
        value.startswith(("https://", "http://")) and all(k in value for k in ("{z}", "{x}", "{y}"))
    ):
        raise ValueError("expected an http(s) URL containing {z}, {x} and {y}")
    return value


_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _rate(raw: str) -> tuple[int, int]:
    """A rate such as `60/min` as (count, seconds); units s, min, hour, day."""
    count, sep, unit = raw.strip().partition("/")
    if not sep or unit.strip().lower() not in _PERIODS:
        raise ValueError("expected a rate such as 60/min (units: s, min, hour, day)")
    return _int(count), _PERIODS[unit.strip().lower()]


@dataclass(frozen=True)
class Setting:
    name: str
    help: str
    default: str | None = None
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("KAIFANG_HOME", "data folder (database, uploads, queue, secret key)", "./var"),
    Setting(
        "DATABASE_URL", "database; default SQLite in KAIFANG_HOME, PostgreSQL when postgres://"
    ),
    Setting("SECRET_KEY", "Django secret key; generated and kept in KAIFANG_HOME when absent"),
    Setting("KAIFANG_DEBUG", "debug mode (never in production)", "false", _bool),
    Setting("KAIFANG_ALLOWED_HOSTS", "comma-separated host names served", "127.0.0.1,localhost"),
    Setting("KAIFANG_SITE_NAME", "site name", "开放数据平台"),
    Setting("KAIFANG_SITE_NAME_EN", "site name in English", "Open Data Portal"),
    Setting("KAIFANG_SITE_REGION", "GB/T 2260 code of the region the site serves", "330000"),
    Setting("KAIFANG_SITE_DOMAIN", "public domain of the site", "data.example.gov.cn"),
    Setting("KAIFANG_SITE_HOST_ORG", "主办单位", "省大数据发展管理局"),
    Setting("KAIFANG_SITE_ID_CODE", "网站标识码", ""),
    Setting("KAIFANG_SITE_ICP", "ICP备案号", ""),
    Setting("KAIFANG_SITE_PSB", "公安备案号", ""),
    Setting("KAIFANG_UPLOAD_MAX_BYTES", "largest accepted upload, e.g. 200MB", "200MB", _size),
    Setting("KAIFANG_SESSION_AGE", "seconds a login session lasts", "7200", _int),
    Setting("KAIFANG_PLATFORM_REVIEW", "datasets also need the platform's review", "false", _bool),
    Setting(
        "KAIFANG_SEARCH_BACKEND",
        "dotted path of the search backend: tantivy (an index on each node), "
        "kaifang.search.backends.postgres.PostgresSearchBackend (PostgreSQL full text) or "
        "kaifang.search.backends.database.DatabaseSearchBackend (SQL only)",
        "kaifang.search.backends.tantivy.TantivySearchBackend",
    ),
    Setting(
        "KAIFANG_SEARCH_INDEX",
        "folder of this node's search index (tantivy backend); default KAIFANG_HOME/search-index",
    ),
    Setting(
        "KAIFANG_SEARCH_INDEX_SYNC",
        "who keeps the search index current: follower (the `kaifang serve` child), search (each "
        "search applies the change log first: one process, no follower) or rebuild (each search "
        "rebuilds it in memory: test suites)",
        "follower",
        _index_sync,
    ),
    Setting(
        "KAIFANG_SEARCH_CACHE_SECONDS",
        "seconds an anonymous search answer is kept; 0 turns the cache off",
        "60",
        _seconds,
    ),
    Setting("KAIFANG_METADATA_SCHEMA", "path of the metadata schema file (default: built-in)"),
    Setting(
        "KAIFANG_QUERY_CONCURRENCY",
        "SQL and aggregate queries running at once on the whole site",
        "8",
        _int,
    ),
    Setting(
        "KAIFANG_QUERY_RATE", "SQL and aggregate calls per client, e.g. 60/min", "60/min", _rate
    ),
    Setting(
        "KAIFANG_QUERY_TIMEOUT", "seconds a data query may run before it is stopped", "10", _int
    ),
    Setting("KAIFANG_QUERY_MEMORY", "memory one data query may use, e.g. 1GB", "1GB", _size),
    Setting(
        "KAIFANG_QUERY_KEPT_MEMORY",
        "memory the table connections one process keeps open may hold together, e.g. 4GB; "
        "it keeps this over KAIFANG_QUERY_MEMORY of them",
        "4GB",
        _size,
    ),
    Setting(
        "KAIFANG_DATASTORE_ENGINE",
        "dotted path of the datastore engine: DuckDB's own file per table (DuckFileEngine) or "
        "kaifang.datastore.engines.duckdb.DuckDBEngine (Parquet)",
        "kaifang.datastore.engines.duckdb.DuckFileEngine",
    ),
    Setting("KAIFANG_QUEUE", "background queue: sqlite, redis://… or immediate", "sqlite"),
    Setting(
        "KAIFANG_DATASTORE_MEMORY",
        "memory one ingest job may use (DuckDB memory_limit), e.g. 512MB; more spills to disk",
        "512MB",
        _size,
    ),
    Setting(
        "KAIFANG_APPEND_MAX_ROWS",
        "records one call may append to (or replace in) a table through the API",
        "10000",
        _int,
    ),
    Setting("KAIFANG_CACHE_URL", "cache: locmem or redis://…", "locmem"),
    Setting(
        "KAIFANG_HARVEST_ALLOWED_HOSTS",
        "comma-separated host names or networks (CIDR) harvesting may reach although not public",
        "",
        _list,
    ),
    Setting("KAIFANG_HTTP_TIMEOUT", "seconds an outbound request may wait", "20", _int),
    Setting("KAIFANG_HTTP_MAX_BYTES", "largest outbound response read, e.g. 50MB", "50MB", _size),
    Setting(
        "KAIFANG_MAP_TILES",
        "tile URL with {z}, {x} and {y} drawn under coordinate charts (e.g. 天地图); empty: none",
        "",
        _tile_url,
    ),
)


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read and check every declared setting; raise ConfigError listing all that are wrong."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    errors: list[str] = []
    for setting in SETTINGS:
        raw = env.get(setting.name, setting.default)
        if raw is None:
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            errors.append(f"{setting.name}={raw!r}: {exc}")
    if errors:
        raise ConfigError("环境变量配置有误 / invalid configuration: " + "; ".join(errors))
    home = Path(values["KAIFANG_HOME"]).resolve()
    values["KAIFANG_HOME"] = home
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{home / 'kaifang.sqlite3'}"
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _kept_secret_key(home)
    return values


def _kept_secret_key(home: Path) -> str:
    """Return the secret key stored in KAIFANG_HOME, creating it on first start."""
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
