"""A CKAN Action API that serves `package_search` over any number of packages made on the fly:
package n is a pure function of n, so nothing is stored or committed, and a page is computed
from `start` and `rows` alone. Packages are modified one minute apart, in order, so CKAN's
`metadata_modified:[since TO *]` filter of an incremental run is a start index.

    python -m bench.harvest.fixture --count 10000 --port 8765   (serves until interrupted)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE_TIME = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
ORGANIZATION = "bench-transport"
GROUP = "traffic"
STAMP = "%Y-%m-%dT%H:%M:%S"


def modified(n: int) -> dt.datetime:
    return BASE_TIME + dt.timedelta(minutes=n)


def identifier(n: int) -> str:
    return f"3300000{n // 1000000:02d}{n % 1000000 // 1000:03d}/{n:06d}"


def package(n: int) -> dict:
    """Package n (from 1), complete for the default metadata schema through its `ckan:`
    mapping: two link resources, two tags, one group."""
    extras = {
        "identifier": identifier(n),
        "resource_class": "3",
        "open_type": "open",
        "open_method": '["download"]',
        "share_type": "1",
        "format_class": "1",
        "update_frequency": "monthly",
        "contact_phone": "0571-88888888",
    }
    return {
        "id": f"bench-{n:06d}",
        "name": f"bench-dataset-{n}",
        "title": f"基准数据集{n}",
        "notes": f"采集基准的第 {n} 个数据集。",
        "state": "active",
        "license_id": "kaifang-open-1.0",
        "maintainer": "基准",
        "metadata_modified": modified(n).strftime(STAMP),
        "organization": {"name": ORGANIZATION, "title": "基准交通局"},
        "groups": [{"name": GROUP}],
        "tags": [{"name": "基准"}, {"name": f"标签{n % 50}"}],
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "resources": [
            {
                "name": f"数据{n}",
                "url": f"https://bench.example.org/files/{n}.csv",
                "format": "CSV",
            },
            {
                "name": f"接口{n}",
                "url": f"https://bench.example.org/api/{n}",
                "format": "API",
                "resource_type": "api",
            },
        ],
    }


def first_since(fq: str, count: int) -> int:
    """The first package number an fq `metadata_modified:[<since> TO *]` admits."""
    if not fq.startswith("metadata_modified:["):
        return 1
    text = fq.removeprefix("metadata_modified:[").split(" TO ")[0].rstrip("Z")
    since = dt.datetime.strptime(text, STAMP).replace(tzinfo=dt.UTC)
    minutes = -(-(since - BASE_TIME) // dt.timedelta(minutes=1))
    return max(1, min(count + 1, int(minutes)))


def handler_for(count: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != "/api/3/action/package_search":
                self._send(404, {"success": False, "error": {"message": "Not found"}})
                return
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            first = first_since(query.get("fq", ""), count)
            start, rows = int(query.get("start", 0)), min(int(query.get("rows", 10)), 1000)
            numbers = range(first + start, min(first + start + rows, count + 1))
            result = {"count": count - first + 1, "results": [package(n) for n in numbers]}
            self._send(200, {"success": True, "result": result})

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


class Fixture:
    """The server in a thread of this process, on 127.0.0.1 and a free port."""

    def __init__(self, count: int, port: int = 0):
        self.count = count
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler_for(count))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Fixture:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8765)
    options = parser.parse_args()
    with Fixture(options.count, options.port) as fixture:
        print(f"{fixture.url}/api/3/action/package_search ({options.count} packages)")
        fixture.thread.join()


if __name__ == "__main__":
    main()
