"""A recorded CKAN server for the harvest tests: a tiny HTTP server on 127.0.0.1 in a thread
serving `package_search` over a list of package dicts the test can change between runs, and the
files under /files/ a mirror source fetches (a dict of name → content the test can change too).
The harvest client refuses loopback, so the fixture allows 127.0.0.1 in the settings
explicitly."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from kaifang.harvest.backends.ckan import CkanBackend
from kaifang.harvest.models import HarvestSource
from kaifang.harvest.tests.documents import documents  # noqa: F401  (a fixture)

BASE_TIME = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def package(n: int, **overrides) -> dict:
    """One CKAN package dict as a CKAN (or Kaifang) serves it, with every value our schema
    requires, through the `ckan:` mapping of the default schema."""
    extras = {
        "identifier": f"330000000{n:03d}/{n:06d}",
        "resource_class": "3",
        "open_type": "open",
        "open_method": json.dumps(["download"]),
        "share_type": "1",
        "format_class": "2",
        "fields": json.dumps([{"name": "名称", "type": "C", "length": 100}], ensure_ascii=False),
        "update_frequency": "monthly",
        "contact_phone": "0571-88888888",
        "high_value": "false",
    }
    data = {
        "id": f"remote-{n:04d}",
        "name": f"remote-dataset-{n}",
        "title": f"远端数据集{n}",
        "notes": f"远端数据集{n}的摘要。",
        "state": "active",
        "license_id": "kaifang-open-1.0",
        "maintainer": "李工",
        "metadata_modified": (BASE_TIME + dt.timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S"),
        "organization": {"name": "transport-bureau", "title": "交通局"},
        "groups": [{"name": "traffic"}],
        "tags": [{"name": "公交"}, {"name": f"标签{n}"}],
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "resources": [
            {
                "name": f"数据文件{n}",
                "url": f"https://remote.example.org/files/{n}.csv",
                "format": "csv",
                "resource_type": "file",
            }
        ],
    }
    data.update(overrides)
    return data


def set_extra(pkg: dict, key: str, value) -> None:
    pkg["extras"] = [e for e in pkg["extras"] if e["key"] != key] + [{"key": key, "value": value}]


class CkanHandler(BaseHTTPRequestHandler):
    packages: list = []
    calls: list = []
    files: dict = {}

    def do_GET(self):
        parts = urlsplit(self.path)
        self.calls.append(self.path)
        if parts.path.startswith("/files/"):
            self._send_file(parts.path.removeprefix("/files/"))
            return
        if parts.path != "/api/3/action/package_search":
            self._send(404, {"success": False, "error": {"message": "Not found"}})
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found = [p for p in self.packages if _matches(p, query.get("fq", ""))]
        found.sort(key=lambda p: p["metadata_modified"])
        start, rows = int(query.get("start", 0)), int(query.get("rows", 10))
        result = {"count": len(found), "results": found[start : start + rows]}
        self._send(200, {"success": True, "result": result})

    def _send(self, status: int, body) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_file(self, name: str) -> None:
        content = self.files.get(name)
        if content is None:
            self._send(404, {"success": False, "error": {"message": "Not found"}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


def _matches(package: dict, fq: str) -> bool:
    if not fq:
        return True
    since = fq.removeprefix("metadata_modified:[").split(" TO ")[0].rstrip("Z")
    return package["metadata_modified"] >= since


@pytest.fixture
def ckan_server(settings):
    class Handler(CkanHandler):
        packages = [package(n) for n in range(1, 31)]
        calls = []
        files = {}

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1",)}
    httpd.url = f"http://127.0.0.1:{httpd.server_port}"
    httpd.handler = Handler
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _two_pages(monkeypatch):
    """30 packages over two pages."""
    monkeypatch.setattr(CkanBackend, "rows", 20)


def make_source(url: str, department, **kw) -> HarvestSource:
    defaults = {
        "name": "remote-ckan",
        "title": "远端开放平台",
        "type": "ckan",
        "url": url,
        "department": department,
        "trusted": True,
        "domain_map": {"traffic": "6"},
    }
    defaults.update(kw)
    return HarvestSource.objects.create(**defaults)
