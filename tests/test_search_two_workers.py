"""A withdrawn dataset disappears from search, facets and suggest at once, with two web workers
running — end to end, as a node runs in production.

The scenario, in its own KAIFANG_HOME with a file-based SQLite database (so every process of
the node sees the same rows): the small demo catalog, `kaifang serve --workers 2` on a free port
(gunicorn gthread workers, the index built at start, its follower `searchindex --follow` a child
of the server), both workers warmed until each has the index open. The follower is then paused
(SIGSTOP), so nothing can be the follower's doing: a separate process withdraws the top answer
to a query through the real service, and at once, on fresh connections that both workers
answer, the API list (count, results, every facet), the HTML list page and the suggest route
must leave it out. The index on disk is checked to be still behind the change log at that
moment; then the follower resumes, applies the change, and the answers stay the same.

All requests go out before any assertion (the `scenario` fixture), so each test only reads what
was recorded. The server and its children are stopped whatever happens. The test runs the
engines' processes itself, so it belongs to the SQLite pass (engine_independent).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.nodes import KAIFANG, free_port, kaifang, node_environment

pytestmark = pytest.mark.engine_independent

QUERY = "名录"  # four published demo datasets in four domains and departments
ROUNDS = 24  # requests per surface, each on a fresh connection, so both workers answer
START_TIMEOUT = 60.0
SINGLE_VALUED = ("domain", "department", "open_type", "update_frequency", "high_value")
SETUP = (
    "from django.core.management import call_command; "
    "call_command('init', interactive=False, verbosity=0); "
    "call_command('loaddemo', scale='small', verbosity=0)"
)
WITHDRAW = """
from kaifang.accounts.models import User
from kaifang.catalog import services
from kaifang.catalog.models import Dataset
from kaifang.core.audit import Actor
from kaifang.search.selectors import latest_seq
admin = User.objects.filter(is_platform_admin=True).order_by("username").first()
services.withdraw(Actor.for_user(admin), Dataset.objects.get(name={name!r}), "数据有误，暂时下线")
print("seq", latest_seq())
"""


@dataclass
class Answers:
    """What every surface answered in one round of fresh-connection requests."""

    api: list[dict] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    suggest: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Scenario:
    gone: dict  # the withdrawn dataset as the API listed it before
    before: Answers
    after: Answers
    after_applied: Answers
    withdrawn_seq: int
    applied_while_paused: int | None
    applied_at_end: int | None
    workers: list[int]
    workers_with_index: list[int]
    timings: dict[str, float]


# --- the node: its own home, a server, its processes ---------------------------------------


def _environment(home: Path) -> dict[str, str]:
    """This process's environment without any database, cache, queue or search setting, so
    the node is the embedded default (SQLite in KAIFANG_HOME, locmem cache, tantivy)."""
    return node_environment(home, KAIFANG_SEARCH_INDEX_SYNC="follower")


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _processes(server: subprocess.Popen) -> tuple[int, list[int]]:
    """The follower's pid and the gunicorn workers' pids under `kaifang serve`."""
    children = _children(server.pid)
    follower = [p for p in children if "searchindex --follow" in _cmdline(p)]
    master = [p for p in children if "gunicorn" in _cmdline(p)]
    assert len(follower) == 1, "kaifang serve 未启动检索索引的跟随进程 / no follower child"
    assert len(master) == 1, "kaifang serve 未启动 gunicorn / no gunicorn child"
    return follower[0], sorted(_children(master[0]))


def _maps_index(pid: int, index_root: Path) -> bool:
    """Whether process `pid` has files of the search index mapped: it holds a searcher."""
    try:
        return str(index_root) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _applied_seq(index_root: Path) -> int | None:
    """The change-log seq the current index on disk has applied, read as a searcher would."""
    from kaifang.search.backends import tantivy_index as ti

    generation = ti.current_generation(index_root)
    assert generation is not None, f"{index_root} 下没有检索索引 / no index"
    return ti.applied_seq(ti.open_index(generation).searcher())


def _stop(server: subprocess.Popen, paused: list[int]) -> None:
    """Resume anything paused, then stop the server (it stops its children); kill if stuck."""
    for pid in paused:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- requests -------------------------------------------------------------------------------


def _get(port: int, path: str) -> tuple[int, str]:
    """One request on a connection of its own, so gunicorn may hand it to either worker."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "zh-hans"})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert server.poll() is None, f"kaifang serve 已退出 / exited:\n{log.read_text()}"
        try:
            if _get(port, "/api/v1/datasets?limit=1")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"服务未能启动 / not up:\n{log.read_text()}"
        time.sleep(0.2)


def _api(port: int) -> dict:
    status, body = _get(port, f"/api/v1/datasets?q={quote(QUERY)}&limit=100")
    assert status == 200, body
    return json.loads(body)


def _round(port: int, suggest_q: str) -> Answers:
    answers = Answers()
    for _ in range(ROUNDS):
        answers.api.append(_api(port))
        status, page = _get(port, f"/datasets/?q={quote(QUERY)}")
        assert status == 200, page
        answers.pages.append(page)
        answers.suggest.append(_get(port, f"/api/v1/search/suggest?q={quote(suggest_q)}"))
    return answers


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


# --- the scenario ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Iterator[Scenario]:
    timings: dict[str, float] = {}
    started = time.monotonic()
    home = tmp_path_factory.mktemp("two-workers") / "home"
    env = _environment(home)
    index_root = home / "search-index"
    kaifang(env, "shell", "-c", SETUP)
    timings["catalog"] = time.monotonic() - started
    port, log = free_port(), home / "serve.log"
    command = [str(KAIFANG), "serve", "--port", str(port), "--workers", "2", "--no-worker"]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    paused: list[int] = []
    try:
        _wait_until_up(port, server, log)
        timings["server up"] = time.monotonic() - started
        follower, workers = _processes(server)
        assert len(workers) == 2, f"应有 2 个工作进程 / expected 2 workers, found {workers}"
        gone = _api(port)["results"][0]
        before = _round(port, gone["title"])
        with_index = [p for p in workers if _maps_index(p, index_root)]
        timings["warmed"] = time.monotonic() - started

        os.kill(follower, signal.SIGSTOP)  # from here on nothing applies the change log
        paused.append(follower)
        mark = time.monotonic()
        output = kaifang(env, "shell", "-c", WITHDRAW.format(name=gone["name"]))
        withdrawn_seq = int(output.split("seq", 1)[1].split()[0])
        timings["withdraw (separate process)"] = time.monotonic() - mark
        mark = time.monotonic()
        after = _round(port, gone["title"])
        timings["checks while paused"] = time.monotonic() - mark
        applied_while_paused = _applied_seq(index_root)

        os.kill(follower, signal.SIGCONT)
        paused.remove(follower)
        mark = time.monotonic()
        _wait_for(
            lambda: (_applied_seq(index_root) or 0) >= withdrawn_seq,
            30,
            "跟随进程未应用下线变更 / the follower did not apply the withdrawal",
        )
        timings["follower applied after resuming"] = time.monotonic() - mark
        applied_at_end = _applied_seq(index_root)
        after_applied = _round(port, gone["title"])
        timings["total"] = time.monotonic() - started
    finally:
        _stop(server, paused)
    print("\n" + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    yield Scenario(
        gone=gone,
        before=before,
        after=after,
        after_applied=after_applied,
        withdrawn_seq=withdrawn_seq,
        applied_while_paused=applied_while_paused,
        applied_at_end=applied_at_end,
        workers=workers,
        workers_with_index=with_index,
        timings=timings,
    )


# --- what it proves -------------------------------------------------------------------------


def _facet(listing: dict, name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in listing["facets"][name] if v["count"]}


def _names(listing: dict) -> list[str]:
    return [d["name"] for d in listing["results"]]


def test_both_workers_searched_the_index_before_the_withdrawal(scenario):
    assert scenario.workers_with_index == scenario.workers
    listing = scenario.before.api[0]
    assert listing["count"] >= 2 and scenario.gone["name"] in _names(listing)
    assert all(a == listing for a in scenario.before.api)  # every worker answered alike


def test_the_checks_ran_before_the_follower_applied_the_withdrawal(scenario):
    assert scenario.applied_while_paused is not None
    assert scenario.applied_while_paused < scenario.withdrawn_seq


def test_the_api_list_leaves_it_out_at_once(scenario):
    before = scenario.before.api[0]
    for listing in scenario.after.api:
        assert scenario.gone["name"] not in _names(listing)
        assert listing["count"] == before["count"] - 1 == len(listing["results"])
        assert _names(listing) == [n for n in _names(before) if n != scenario.gone["name"]]


def test_the_facets_leave_it_out_at_once(scenario):
    gone, before = scenario.gone, scenario.before.api[0]
    own = {"domain": gone["domain"], "department": gone["department"]["name"]}
    for listing in scenario.after.api:
        for name, value in own.items():
            expected = _facet(before, name)
            expected[value] -= 1
            assert _facet(listing, name) == {k: n for k, n in expected.items() if n}, name
        for name in SINGLE_VALUED:  # one value per dataset: the counts add up to the count
            assert sum(_facet(listing, name).values()) == listing["count"], name
        for fmt in gone["formats"]:
            assert _facet(listing, "format").get(fmt, 0) == _facet(before, "format")[fmt] - 1


def _shown(count: int) -> str:
    """The list page's result line for `count` datasets."""
    return f"共找到 <strong>{count}</strong> 个数据集"


def test_the_html_list_page_leaves_it_out_at_once(scenario):
    link = f"/datasets/{scenario.gone['name']}/"
    count = scenario.before.api[0]["count"]
    assert all(link in page and _shown(count) in page for page in scenario.before.pages)
    for page in scenario.after.pages:
        assert link not in page
        assert _shown(count - 1) in page


def test_suggest_leaves_it_out_at_once(scenario):
    statuses = {status for status, _ in scenario.before.suggest + scenario.after.suggest}
    if statuses == {404}:
        pytest.skip(
            "/api/v1/search/suggest 尚不存在（404），未检查联想 / the route is not there yet"
        )
    assert statuses == {200}, statuses
    name = scenario.gone["name"]
    assert all(name in _suggested(body) for _, body in scenario.before.suggest)
    for _, body in scenario.after.suggest + scenario.after_applied.suggest:
        assert name not in _suggested(body)


def _suggested(body: str) -> list[str]:
    """The dataset names a suggest answer offers as titles."""
    return [t["name"] for t in json.loads(body)["titles"]]


def test_once_applied_the_answers_stay_the_same(scenario):
    assert scenario.applied_at_end >= scenario.withdrawn_seq
    assert all(a == scenario.after.api[0] for a in scenario.after.api + scenario.after_applied.api)
    assert all(scenario.gone["name"] not in page for page in scenario.after_applied.pages)
