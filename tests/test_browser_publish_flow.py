"""A person's path through the platform in a real browser (Debian's Chromium under Playwright):
a publisher creates a dataset with a CSV and submits it, a reviewer approves it, a visitor finds
it on the public page and downloads the file, the publisher withdraws it and it is gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import launch_chromium

pytestmark = pytest.mark.browser

CSV = "站点名称,经度,纬度\n武林广场,120.1645,30.2741\n西湖文化广场,120.1650,30.2820\n"


@pytest.fixture
def browser_page(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    between browser steps are plain blocking calls, which Django would otherwise refuse."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        yield context.new_page()
        context.close()
        browser.close()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Kaifang-test-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _sign_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def _fill_dataset_form(page) -> None:
    page.fill("#id_title", "杭州市公交站点")
    page.fill("#id_identifier", "330100000001/000001")
    page.fill("#id_summary", "杭州市公交站点的名称和经纬度。")
    page.fill("#id_keywords", "公交, 站点")
    page.select_option("#id_domain", "6")
    page.select_option("#id_resource_class", "3")
    page.select_option("#id_open_type", "open")
    page.check("#id_open_method_0")
    page.select_option("#id_licence", "kaifang-open-1.0")
    page.select_option("#id_share_type", "1")
    page.select_option("#id_format_class", "2")
    page.fill("#id_fields", "站点名称,C,100,站名\n经度,N,12\n纬度,N,12")
    page.select_option("#id_update_frequency", "monthly")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()


def test_publish_review_find_download_withdraw(
    live_server, browser_page, publisher, reviewer, department, tmp_path, settings
):
    settings.KAIFANG = {**settings.KAIFANG, "PLATFORM_REVIEW": False}
    from kaifang.catalog.models import Dataset, State
    from kaifang.core.models import AuditEntry

    page, base = browser_page, live_server.url
    csv_file = tmp_path / "公交站点.csv"
    csv_file.write_text(CSV, encoding="utf-8")

    # the publisher makes the dataset, adds the CSV and submits it
    _sign_in(page, base, "publisher")
    page.goto(f"{base}/workspace/datasets/new/")
    _fill_dataset_form(page)
    dataset = Dataset.objects.get(title="杭州市公交站点")
    assert page.url.endswith(f"/workspace/datasets/{dataset.name}/")
    page.goto(f"{base}/workspace/datasets/{dataset.name}/resources/new/")
    page.fill("#id_title", "公交站点表")
    page.select_option("#id_kind", "file")
    page.set_input_files("#id_file", str(csv_file))
    page.get_by_role("button", name="添加").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state()
    dataset.refresh_from_db()
    assert dataset.state == State.IN_REVIEW
    _sign_out(page)

    # not public yet
    assert page.goto(f"{base}/datasets/{dataset.name}/").status == 404

    # the reviewer approves it from the queue
    _sign_in(page, base, "reviewer")
    page.goto(f"{base}/review/")
    page.get_by_role("link", name="杭州市公交站点").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    dataset.refresh_from_db()
    assert dataset.state == State.PUBLISHED
    _sign_out(page)

    # a visitor finds it through search, reads its page and downloads the file
    page.goto(f"{base}/datasets/?q=公交")
    page.get_by_role("link", name="杭州市公交站点").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="杭州市公交站点")).to_be_visible()
    expect(page.get_by_text("信息资源代码").first).to_be_visible()
    expect(page.get_by_text("330100000001/000001").first).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载").first.click()
    download = download_info.value
    assert download.suggested_filename == "公交站点.csv"
    assert Path(download.path()).read_text(encoding="utf-8") == CSV

    # the publisher withdraws it and it leaves the public pages
    _sign_in(page, base, "publisher")
    page.goto(f"{base}/workspace/datasets/{dataset.name}/")
    page.fill("textarea[name=reason]", "数据需要更正")
    page.get_by_role("button", name="下线").click()
    page.wait_for_load_state()
    _sign_out(page)
    assert page.goto(f"{base}/datasets/{dataset.name}/").status == 404
    page.goto(f"{base}/datasets/?q=公交")
    assert "杭州市公交站点" not in page.content()

    moves = list(
        AuditEntry.objects.filter(target_id=str(dataset.pk))
        .order_by("id")
        .values_list("action", "actor_label")
    )
    workflow = {"dataset.submit", "dataset.approve", "dataset.withdraw"}
    assert [m for m in moves if m[0] in workflow] == [
        ("dataset.submit", "publisher"),
        ("dataset.approve", "reviewer"),
        ("dataset.withdraw", "publisher"),
    ]
