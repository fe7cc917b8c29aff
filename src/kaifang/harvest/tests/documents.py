"""A tiny HTTP server of fixed documents on 127.0.0.1, for the tests of the catalog-standard
sources (DCAT, data.json, catalog sheets): each path answers the bytes and content type the test
put there, and the test may change them between runs. The harvest client refuses loopback, so
the fixture allows 127.0.0.1 in the settings explicitly."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest


class DocumentHandler(BaseHTTPRequestHandler):
    documents: dict[str, tuple[bytes, str]] = {}
    calls: list[str] = []

    def do_GET(self):
        self.calls.append(self.path)
        path = urlsplit(self.path)
        found = self.documents.get(self.path) or self.documents.get(path.path)
        if found is None:
            self._send(404, b"not found", "text/plain")
            return
        self._send(200, *found)

    def _send(self, status: int, body: bytes, media: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class DocumentServer:
    def __init__(self, httpd: ThreadingHTTPServer, handler: type[DocumentHandler]):
        self.httpd, self.handler = httpd, handler
        self.url = f"http://127.0.0.1:{httpd.server_port}"

    def put(self, path: str, body: bytes | str, media: str) -> str:
        """Serve `body` at `path`; its full address."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.handler.documents[path] = (data, media)
        return self.url + path

    @property
    def calls(self) -> list[str]:
        return self.handler.calls


@pytest.fixture
def documents(settings):
    class Handler(DocumentHandler):
        documents = {}
        calls = []

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.1",)}
    yield DocumentServer(httpd, Handler)
    httpd.shutdown()
    httpd.server_close()
