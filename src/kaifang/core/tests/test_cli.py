"""The `kaifang` command line: help, init, tokens, pass-through to Django, configuration errors,
and serve starting and stopping its web server, task worker and search index follower.

Tests that run the console script in a subprocess give it a fresh KAIFANG_HOME with its own
SQLite database, so they do not touch the suite's database engine (engine_independent).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

KAIFANG = Path(sys.executable).with_name("kaifang")
ADMIN_PASSWORD = "Kaifang-admin-2026"


def run_cli(home: Path, *args: str, timeout: float = 120, **env: str):
    """Run the installed console script with only the given configuration."""
    return subprocess.run(  # noqa: S603
        [str(KAIFANG), *args],
        env=cli_env(home, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without any Kaifang configuration, plus `extra`."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KAIFANG_") and key not in {"DATABASE_URL", "SECRET_KEY"}
    }
    return {**keep, "KAIFANG_HOME": str(home), **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_pids(pid: int) -> set[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def wait_for_http(url: str, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- help and configuration ---------------------------------------------------------------


@pytest.mark.engine_independent
def test_help_lists_the_main_commands_without_reading_configuration(tmp_path):
    # given a configuration that would not load
    # when asking for help
    result = run_cli(tmp_path, "--help", KAIFANG_SESSION_AGE="never")
    # then the commands are listed and nothing complains
    assert result.returncode == 0
    for command in ("init", "serve", "demo", "loaddemo", "token create", "migrate"):
        assert command in result.stdout


@pytest.mark.engine_independent
def test_invalid_configuration_is_reported_in_words_not_a_traceback(tmp_path):
    # given an upload limit that is not a size
    # when any command runs
    result = run_cli(tmp_path, "check", KAIFANG_UPLOAD_MAX_BYTES="lots")
    # then it stops with a message naming the variable, in Chinese and English
    assert result.returncode == 2
    assert "KAIFANG_UPLOAD_MAX_BYTES" in result.stderr
    assert "环境变量配置有误" in result.stderr
    assert "invalid configuration" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.engine_independent
def test_unknown_database_kind_is_reported_as_configuration_error(tmp_path):
    result = run_cli(tmp_path, "check", DATABASE_URL="nosuchdb://localhost/kaifang")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def initialised_home(tmp_path_factory):
    """A data folder prepared by `kaifang init` with the admin from the environment; shared by
    the subprocess tests below, since each start of the command costs a few seconds."""
    home = tmp_path_factory.mktemp("home")
    env = {"KAIFANG_ADMIN_USER": "boss", "KAIFANG_ADMIN_PASSWORD": ADMIN_PASSWORD}
    return home, run_cli(home, "init", **env)


@pytest.mark.engine_independent
def test_init_from_the_environment_creates_an_admin_who_can_sign_in(initialised_home):
    # given init ran unattended with the admin's name and password in the environment
    home, init = initialised_home
    # when the admin signs in
    login = run_cli(
        home,
        "shell",
        "-c",
        "from django.contrib.auth import authenticate;"
        f"u = authenticate(username='boss', password='{ADMIN_PASSWORD}');"
        "print(u.is_superuser, u.is_platform_admin)",
    )
    # then init reported the new admin, whose password works
    assert init.returncode == 0, init.stderr
    assert "已创建平台管理员 boss" in init.stdout
    assert login.stdout.strip().splitlines()[-1] == "True True"


@pytest.mark.engine_independent
def test_django_commands_pass_through(initialised_home):
    # given a data folder after init
    home, _ = initialised_home
    # when running one of Django's own commands through kaifang
    shown = run_cli(home, "showmigrations", "core")
    # then it behaves as under django-admin, on the database in KAIFANG_HOME
    assert shown.returncode == 0, shown.stderr
    assert (home / "kaifang.sqlite3").exists()
    assert "[X] 0001_initial" in shown.stdout


# --- init, in the suite's database ----------------------------------------------------------


def test_init_keeps_an_existing_admins_password(db, monkeypatch, django_user_model):
    # given an admin who changed the password after the first init
    monkeypatch.setenv("KAIFANG_ADMIN_USER", "boss")
    monkeypatch.setenv("KAIFANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
    call_command("init", interactive=False, stdout=io.StringIO())
    admin = django_user_model.objects.get(username="boss")
    admin.set_password("Changed-by-owner-2026")
    admin.save()
    # when init runs again with the old password in the environment
    call_command("init", interactive=False, stdout=io.StringIO())
    # then the owner's password still works
    admin.refresh_from_db()
    assert admin.check_password("Changed-by-owner-2026")
    assert admin.is_platform_admin and admin.is_superuser and admin.is_staff


def test_init_rejects_a_weak_admin_password(db, monkeypatch, django_user_model):
    monkeypatch.setenv("KAIFANG_ADMIN_USER", "boss")
    monkeypatch.setenv("KAIFANG_ADMIN_PASSWORD", "12345")
    with pytest.raises(CommandError, match="KAIFANG_ADMIN_PASSWORD 不符合口令规则"):
        call_command("init", interactive=False, stdout=io.StringIO())
    assert not django_user_model.objects.filter(username="boss").exists()


def test_init_needs_both_admin_variables(db, monkeypatch):
    monkeypatch.setenv("KAIFANG_ADMIN_USER", "boss")
    monkeypatch.delenv("KAIFANG_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="须同时设置"):
        call_command("init", interactive=False, stdout=io.StringIO())


def test_unattended_init_without_variables_creates_no_admin(db, monkeypatch, django_user_model):
    monkeypatch.delenv("KAIFANG_ADMIN_USER", raising=False)
    monkeypatch.delenv("KAIFANG_ADMIN_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("init", interactive=False, stdout=out)
    assert "未创建管理员" in out.getvalue()
    assert not django_user_model.objects.filter(is_superuser=True).exists()


# --- tokens ---------------------------------------------------------------------------------


def test_token_create_prints_a_secret_that_authenticates(citizen):
    from kaifang.accounts.services import authenticate_token

    # given a user
    out, err = io.StringIO(), io.StringIO()
    # when a token is made for a week
    call_command(
        "token", "create", "--user", "citizen", "--expires", "7", "--name", "脚本",
        stdout=out, stderr=err,
    )  # fmt: skip
    # then standard output holds only the secret, and the secret signs the user in
    secret = out.getvalue().strip()
    assert "\n" not in secret and secret.startswith("kf_")
    token = authenticate_token(secret)
    assert token is not None and token.user == citizen and token.name == "脚本"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert "只显示这一次" in err.getvalue()


def test_token_list_and_revoke(citizen):
    from kaifang.accounts.services import authenticate_token

    # given a token
    out = io.StringIO()
    call_command("token", "create", "--user", "citizen", stdout=out, stderr=io.StringIO())
    secret = out.getvalue().strip()
    listing = io.StringIO()
    call_command("token", "list", "--user", "citizen", stdout=listing)
    prefix = listing.getvalue().split("\t")[0]
    # when it is revoked by its prefix
    call_command("token", "revoke", "--user", "citizen", prefix, stdout=io.StringIO())
    # then it no longer authenticates
    assert secret.startswith(prefix)
    assert authenticate_token(secret) is None


def test_token_create_for_an_unknown_user_fails_in_words(db):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        call_command("token", "create", "--user", "nobody", stdout=io.StringIO())


def test_token_create_reports_the_services_refusal_in_words(citizen):
    with pytest.raises(CommandError, match="有效天数应在 1 到 3650 之间"):
        call_command("token", "create", "--user", "citizen", "--expires", "100000")


@pytest.mark.parametrize("days", ["0", "-3", "soon"])
def test_token_expiry_must_be_positive_days(citizen, days):
    with pytest.raises(CommandError, match="正整数天数"):
        call_command("token", "create", "--user", "citizen", "--expires", days)


# --- serve ------------------------------------------------------------------------------------


@pytest.mark.engine_independent
def test_serve_runs_web_and_worker_and_stops_both_on_sigterm(initialised_home):
    # given an initialised data folder
    home, _ = initialised_home
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(KAIFANG), "serve", "--port", str(port), "--workers", "1"],
        env=cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        # when it is serving
        status = wait_for_http(f"http://127.0.0.1:{port}/admin/login/")
        children = child_pids(server.pid)
        # then a page answers, and gunicorn, the Huey consumer and the search index's follower
        # run as its children, the index built before the first request
        assert status == 200
        assert len(children) == 3
        assert (home / "search-index" / "CURRENT").exists()
        assert wait_for_http(f"http://127.0.0.1:{port}/datasets/?q=%E5%85%AC%E4%BA%A4") == 200
        # when it gets SIGTERM
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    # then it exits cleanly and takes both children with it
    assert server.returncode == 0, output
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert f"http://127.0.0.1:{port}" in output
    assert (home / "static" / "vendor" / "htmx.min.js").exists()


@pytest.mark.engine_independent
def test_serve_refuses_a_database_that_was_not_initialised(tmp_path):
    result = run_cli(tmp_path, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "请先运行 kaifang init" in result.stderr


def test_serve_reports_a_port_in_use(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match="端口可能已被占用"):
            call_command("serve", port=port)


def test_serve_rejects_impossible_options(db):
    with pytest.raises(CommandError, match="--port"):
        call_command("serve", port=70000)
    with pytest.raises(CommandError, match="--workers"):
        call_command("serve", workers=0)
