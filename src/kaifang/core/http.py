"""The one outbound HTTP client. Harvesting (and later federation and link checks) fetch other
people's URLs, which an administrator types in and a remote server may redirect anywhere; a
careless client lets such a URL reach the machine's own services (127.0.0.1, 10.x, the cloud
metadata address 169.254.169.254 …). So every request here:

* resolves the host once, refuses it when any address is not a public one (private, loopback,
  link-local, multicast, reserved, shared, IPv4 inside IPv6) unless the host or address is
  named in KAIFANG_HARVEST_ALLOWED_HOSTS, and then connects to exactly that checked address:
  the check and the connection cannot see two different DNS answers (no rebinding window);
* follows redirects itself, checking every new target the same way;
* has connect and read timeouts, retries connection errors and 5xx answers a bounded number of
  times with exponential backoff, and streams the body, stopping past a size limit.

Built on urllib3 rather than httpx or requests: urllib3 is already installed with our other
dependencies, is well kept, and its connection pools take the address to connect to apart from
the name used for the Host header, TLS SNI and certificate check (`server_hostname`,
`assert_hostname`), which is exactly what pinning the checked address needs; requests would
hide that behind adapters, httpx would need a transport of our own for the same effect.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from kaifang.core.errors import KaifangError

#: redirects followed before giving up
MAX_REDIRECTS = 5
#: the first wait before a retry, in seconds; doubled at each further retry
BACKOFF_SECONDS = 0.5
CHUNK = 64 * 1024
USER_AGENT = "Kaifang-harvester/1.0"
#: replaced in tests, so retries need not wait
sleep = time.sleep

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(KaifangError):
    """The URL leads somewhere this platform must not connect to."""

    code = "outbound_refused"


class FetchFailed(KaifangError):
    """The remote server could not be reached or gave no usable answer."""

    code = "fetch_failed"
    status = 502


class ConnectionFailed(FetchFailed):
    """The server was not reached or the answer broke off: worth another try."""


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """The body as JSON; a broken body is reported with the URL it came from."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchFailed(
                _("%(url)s 返回的内容不是有效的 JSON：%(error)s") % {"url": self.url, "error": exc}
            ) from exc


@dataclass(frozen=True)
class Limits:
    """How long to wait, how often to retry and how much to read; from settings by default."""

    timeout: float
    max_bytes: int
    retries: int = 3
    allowed_hosts: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, **overrides: Any) -> Limits:
        conf = settings.KAIFANG
        values = {
            "timeout": conf.get("HTTP_TIMEOUT", 20),
            "max_bytes": conf.get("HTTP_MAX_BYTES", 50 * 1024 * 1024),
            "allowed_hosts": tuple(conf.get("HARVEST_ALLOWED_HOSTS", ())),
        }
        values.update(overrides)
        return cls(**values)


def get(
    url: str,
    *,
    limits: Limits | None = None,
    headers: dict[str, str] | None = None,
    sink: BinaryIO | None = None,
):
    """GET `url` under the rules above and return the final 2xx Response. With `sink` (a
    binary file open for writing) a 2xx body is streamed into it instead of memory, under the
    same size limit, and the Response's body is empty."""
    limits = limits or Limits.from_settings()
    for _hop in range(MAX_REDIRECTS + 1):
        response = _get_with_retries(url, limits, headers or {}, sink)
        if response.status in {301, 302, 303, 307, 308}:
            location = response.headers.get("location")
            if not location:
                raise FetchFailed(_("%(url)s 的重定向没有给出目标地址。") % {"url": url})
            url = urljoin(url, location)
            continue
        if not 200 <= response.status < 300:
            raise FetchFailed(
                _("请求 %(url)s 失败：HTTP %(status)s。") % {"url": url, "status": response.status}
            )
        return response
    raise FetchFailed(_("%(url)s 重定向次数过多。") % {"url": url})


def get_json(url: str, *, limits: Limits | None = None) -> Any:
    """GET `url` and parse its JSON body."""
    return get(url, limits=limits, headers={"Accept": "application/json"}).json()


def _get_with_retries(
    url: str, limits: Limits, headers: dict[str, str], sink: BinaryIO | None = None
) -> Response:
    """One hop: retried on connection errors and 5xx, with waits of 0.5, 1, 2 … seconds."""
    attempt = 0
    while True:
        try:
            response = _get_once(url, limits, headers, sink)
        except ConnectionFailed:
            if attempt >= limits.retries:
                raise
        else:
            if response.status < 500 or attempt >= limits.retries:
                return response
        sleep(BACKOFF_SECONDS * 2**attempt)
        attempt += 1


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, allowed_hosts: tuple[str, ...] = ()) -> Target:
    """Parse `url`, resolve its host and check every address; the checked address to use."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise OutboundRefused(_("只能访问 http 或 https 地址：%(url)s") % {"url": url})
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused(_("地址的端口无效：%(url)s") % {"url": url}) from exc
    addresses = _resolve(host, port)
    for address in addresses:
        if not _allowed(host, address, allowed_hosts):
            raise OutboundRefused(
                _("不允许访问“%(host)s”：它解析到非公网地址 %(address)s。")
                % {"host": host, "address": address}
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        message = _("无法解析主机“%(host)s”：%(error)s") % {"host": host, "error": exc}
        raise ConnectionFailed(message) from exc
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise FetchFailed(_("无法解析主机“%(host)s”。") % {"host": host})
    return found


def is_public(address: Address) -> bool:
    """Only globally routed unicast addresses; an IPv4 address inside IPv6 (::ffff:a.b.c.d,
    6to4, Teredo) is judged by the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo:
            inner = address.teredo[1]
        if inner is not None:
            return is_public(inner)
    return address.is_global and not address.is_multicast


def _allowed(host: str, address: Address, allowed_hosts: tuple[str, ...]) -> bool:
    """Public addresses always; others only when the host name, or a network holding the
    address, is listed in the setting."""
    if is_public(address):
        return True
    for entry in allowed_hosts:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if entry == host:
                return True
    return False


def _get_once(
    url: str, limits: Limits, headers: dict[str, str], sink: BinaryIO | None = None
) -> Response:
    target = check_url(url, limits.allowed_hosts)
    pool = _pool(target, limits)
    host_header = target.host if target.port in {80, 443} else f"{target.host}:{target.port}"
    if ":" in target.host:
        host_header = f"[{target.host}]:{target.port}"
    sent = {"Host": host_header, "User-Agent": USER_AGENT, **headers}
    try:
        raw = pool.urlopen(
            "GET", target.path, headers=sent, redirect=False, retries=False, preload_content=False
        )
        try:
            into = sink if 200 <= raw.status < 300 else None
            body = _read_limited(raw, url, limits.max_bytes, into)
        finally:
            raw.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        message = _("请求 %(url)s 失败：%(error)s") % {"url": url, "error": exc}
        raise ConnectionFailed(message) from exc
    finally:
        pool.close()
    names = {k.lower(): v for k, v in raw.headers.items()}
    return Response(url=url, status=raw.status, headers=names, body=body)


def _pool(target: Target, limits: Limits) -> urllib3.HTTPConnectionPool:
    """A pool that connects to the checked address, while Host, SNI and the certificate check
    use the name from the URL."""
    timeout = urllib3.Timeout(connect=min(limits.timeout, 10), read=limits.timeout)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, maxsize=1)


def _read_limited(raw, url: str, max_bytes: int, sink: BinaryIO | None = None) -> bytes:
    """Read the body in chunks and stop as soon as it passes `max_bytes`, whatever the
    Content-Length header claimed; into `sink` when given (emptied first, as a retry may
    follow a broken-off attempt)."""
    declared = raw.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)
    if sink is not None:
        return _stream_into(raw, url, max_bytes, sink)
    chunks: list[bytes] = []
    size = 0
    for chunk in raw.stream(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(url, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _stream_into(raw, url: str, max_bytes: int, sink: BinaryIO) -> bytes:
    sink.seek(0)
    sink.truncate()
    size = 0
    for chunk in raw.stream(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(url, max_bytes)
        sink.write(chunk)
    sink.flush()
    return b""


def _too_large(url: str, max_bytes: int) -> FetchFailed:
    return FetchFailed(
        _("%(url)s 的响应超过 %(limit)s 字节上限，已停止读取。") % {"url": url, "limit": max_bytes}
    )
