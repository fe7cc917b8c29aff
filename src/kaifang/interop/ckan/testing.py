"""The real `ckanapi` client in tests without a server: a requests transport that hands each
request to Django's test client, so everything ckanapi does — JSON bodies, multipart uploads,
its headers, turning CKAN's errors back into its exceptions — runs for real, while the test
keeps its transaction (rolled back at the end, with no live server to flush).

The live-server tests (interop/tests/test_ckan_live.py) drive the same client over HTTP.
Only tests import this module: it needs the dev extras (`ckanapi`, which brings `requests`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from ckanapi import RemoteCKAN
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

ADDRESS = "http://testserver"
KEPT_APART = frozenset({"content-type", "content-length"})


class DjangoClientAdapter(BaseAdapter):
    """Sends a prepared request through `client` and turns the answer into a requests one."""

    def __init__(self, client: Client):
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {
            "HTTP_" + key.upper().replace("-", "_"): value
            for key, value in request.headers.items()
            if key.lower() not in KEPT_APART
        }
        body = request.body or b""
        answer = self.client.generic(
            request.method,
            path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            **headers,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


def remote(client: Client, apikey: str | None = None, *, get_only: bool = False) -> RemoteCKAN:
    """A `ckanapi.RemoteCKAN` talking to the test client."""
    session = requests.Session()
    session.mount(ADDRESS, DjangoClientAdapter(client))
    return RemoteCKAN(ADDRESS, apikey=apikey, get_only=get_only, session=session)
