"""The page benchmark's own check, run on the small demo catalog: the paths it times answer the
right content (the timings themselves never run in the suite)."""

from __future__ import annotations

from bench.pages import bench_targets, verify_targets


class _Connection:
    """The two calls bench/pages.py makes of an HTTP connection, answered by the test client."""

    def __init__(self, client):
        self.client = client
        self.response = None

    def request(self, method, path, headers=None):
        self.response = self.client.get(path)

    def getresponse(self):
        response = self.response
        response.status = response.status_code
        response.read = lambda: response.content
        return response


def test_the_benchmark_s_paths_answer_the_right_content(demo_catalog, client):
    targets = bench_targets(_Connection(client))

    def fetch(path):
        response = client.get(path)
        return response.status_code, response.content

    verify_targets(fetch, targets)  # raises SystemExit naming the path that is wrong
    assert targets["dataset page"].startswith("/datasets/")
