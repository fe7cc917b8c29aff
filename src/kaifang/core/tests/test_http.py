"""The outbound client refuses addresses inside the network, however they are spelled or
reached, and is bounded in time, retries and size. The servers here listen on 127.0.0.1 and
each test allows that host explicitly; the refused targets are never connected to (the check
runs before any connection)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kaifang.core import http

pytestmark = pytest.mark.engine_independent


class Routes(BaseHTTPRequestHandler):
    """Answers from a dict path → callable(handler); the callables write the response."""

    routes: dict = {}
    hits: list = []

    def do_GET(self):
        self.hits.append(self.path)
        self.routes[self.path.split("?")[0]](self)

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {"Content-Length": str(len(body))}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    class Handler(Routes):
        routes = {}
        hits = []

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_port}"
    httpd.handler = Handler
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def waits(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(http, "sleep", slept.append)
    return slept


def limits(**kw) -> http.Limits:
    values = {"timeout": 2, "max_bytes": 10_000, "retries": 2, "allowed_hosts": ("127.0.0.1",)}
    values.update(kw)
    return http.Limits(**values)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://localhost:8000/", "127.0.0.1"),
        ("http://10.1.2.3/api", "10.1.2.3"),
        ("http://192.168.0.1/", "192.168.0.1"),
        ("http://172.16.5.5/", "172.16.5.5"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),  # noqa: S104 (a target refused, nothing is bound)
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://100.64.0.1/", "100.64.0.1"),
    ],
)
def test_addresses_inside_the_network_are_refused_naming_host_and_address(url, address):
    with pytest.raises(http.OutboundRefused) as caught:
        http.get(url, limits=limits(allowed_hosts=()))

    assert "不允许访问" in caught.value.message
    assert address in caught.value.message


def test_the_ipv6_mapped_loopback_is_judged_by_its_ipv4_address():
    import ipaddress

    assert not http.is_public(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not http.is_public(ipaddress.ip_address("2002:7f00:1::"))  # 6to4 of 127.0.0.1
    assert http.is_public(ipaddress.ip_address("::ffff:8.8.8.8"))
    assert http.is_public(ipaddress.ip_address("8.8.8.8"))


def test_other_schemes_are_refused():
    with pytest.raises(http.OutboundRefused):
        http.get("file:///etc/passwd", limits=limits())
    with pytest.raises(http.OutboundRefused):
        http.get("ftp://example.org/x", limits=limits())


def test_a_host_named_in_the_setting_is_reached(server):
    server.handler.routes["/ok"] = lambda h: h.send(200, b'{"a": 1}')

    assert http.get_json(f"{server.base}/ok", limits=limits()) == {"a": 1}


def test_the_setting_is_read_when_no_limits_are_given(server, settings):
    server.handler.routes["/ok"] = lambda h: h.send(200, b"[]")
    settings.KAIFANG = {**settings.KAIFANG, "HARVEST_ALLOWED_HOSTS": ("127.0.0.0/8",)}

    assert http.get_json(f"{server.base}/ok") == []


def test_allowing_one_name_does_not_allow_another_name_for_the_same_address(server):
    server.handler.routes["/ok"] = lambda h: h.send(200, b"[]")

    assert (
        http.get_json(
            f"http://localhost:{server.server_port}/ok", limits=limits(allowed_hosts=("localhost",))
        )
        == []
    )
    with pytest.raises(http.OutboundRefused):
        http.get(f"{server.base}/ok", limits=limits(allowed_hosts=("localhost",)))


def test_a_redirect_into_the_network_is_refused_before_connecting(server):
    location = {"Location": "http://10.0.0.5/secret", "Content-Length": "0"}
    server.handler.routes["/go"] = lambda h: h.send(302, b"", location)

    with pytest.raises(http.OutboundRefused) as caught:
        http.get(f"{server.base}/go", limits=limits())

    assert "10.0.0.5" in caught.value.message


def test_an_allowed_redirect_is_followed(server):
    server.handler.routes["/go"] = lambda h: h.send(
        301, b"", {"Location": "/there", "Content-Length": "0"}
    )
    server.handler.routes["/there"] = lambda h: h.send(200, b'"here"')

    response = http.get(f"{server.base}/go", limits=limits())

    assert response.json() == "here"
    assert response.url.endswith("/there")


def test_endless_redirects_stop(server):
    server.handler.routes["/loop"] = lambda h: h.send(
        302, b"", {"Location": "/loop", "Content-Length": "0"}
    )

    with pytest.raises(http.FetchFailed, match="重定向次数过多"):
        http.get(f"{server.base}/loop", limits=limits())


def test_server_errors_are_retried_with_growing_waits(server, waits):
    answers = iter([503, 502, 200])
    server.handler.routes["/flaky"] = lambda h: h.send(next(answers), b"{}")

    assert http.get_json(f"{server.base}/flaky", limits=limits()) == {}
    assert waits == [http.BACKOFF_SECONDS, http.BACKOFF_SECONDS * 2]


def test_retries_are_bounded(server, waits):
    server.handler.routes["/down"] = lambda h: h.send(500, b"{}")

    with pytest.raises(http.FetchFailed, match="HTTP 500"):
        http.get(f"{server.base}/down", limits=limits(retries=3))

    assert len(server.handler.hits) == 4
    assert len(waits) == 3


def test_client_errors_are_not_retried(server, waits):
    server.handler.routes["/gone"] = lambda h: h.send(404, b"{}")

    with pytest.raises(http.FetchFailed, match="HTTP 404"):
        http.get(f"{server.base}/gone", limits=limits())

    assert waits == []


def test_a_slow_server_times_out(server, waits):
    import time

    def slow(handler):
        time.sleep(1.5)
        handler.send(200, b"{}")

    server.handler.routes["/slow"] = slow

    with pytest.raises(http.FetchFailed) as caught:
        http.get(f"{server.base}/slow", limits=limits(timeout=0.3, retries=1))

    assert "/slow" in caught.value.message
    assert len(waits) == 1


def test_a_refused_connection_is_retried_then_reported(waits):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(http.FetchFailed, match="请求"):
        http.get(f"http://127.0.0.1:{port}/", limits=limits(retries=2))

    assert len(waits) == 2


def test_a_body_past_the_limit_is_cut_off_even_without_a_length(server, waits):
    def endless(handler):
        handler.send_response(200)
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"x" * 1000)

    server.handler.protocol_version = "HTTP/1.0"
    server.handler.routes["/big"] = endless

    with pytest.raises(http.FetchFailed, match="超过 5000 字节"):
        http.get(f"{server.base}/big", limits=limits(max_bytes=5000))

    assert waits == []


def test_a_declared_length_past_the_limit_is_refused_before_reading(server):
    server.handler.routes["/big"] = lambda h: h.send(200, b"x" * 20_000)

    with pytest.raises(http.FetchFailed, match="超过 10000 字节"):
        http.get(f"{server.base}/big", limits=limits())


def test_broken_json_is_reported_with_the_url(server):
    server.handler.routes["/bad"] = lambda h: h.send(200, b"{not json")

    with pytest.raises(http.FetchFailed) as caught:
        http.get_json(f"{server.base}/bad", limits=limits())

    assert f"{server.base}/bad" in caught.value.message
    assert "JSON" in caught.value.message


def test_the_host_header_carries_the_name_not_the_address(server):
    seen = {}

    def echo(handler):
        seen["host"] = handler.headers["Host"]
        handler.send(200, b"{}")

    server.handler.routes["/h"] = echo

    http.get(f"{server.base}/h", limits=limits())

    assert seen["host"] == f"127.0.0.1:{server.server_port}"


def test_json_dumps_round_trip_for_completeness(server):
    payload = {"名称": "公交", "n": [1, 2]}
    server.handler.routes["/zh"] = lambda h: h.send(200, json.dumps(payload).encode())

    assert http.get_json(f"{server.base}/zh", limits=limits()) == payload
