"""The browser the end-to-end tests rely on starts and renders a page, so a broken browser set-up
fails here with a clear cause rather than inside a long flow."""

from __future__ import annotations

import pytest

from tests.browser import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


def test_chromium_renders_chinese_text_and_runs_script():
    # given a page with Chinese text and a script that changes it
    from playwright.sync_api import sync_playwright

    html = "<title>开放</title><p id=t>数据</p><script>t.textContent += '平台'</script>"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            # when the browser loads it
            page.set_content(html)
            # then the title and the script's change are there
            assert page.title() == "开放"
            assert page.text_content("#t") == "数据平台"
        finally:
            browser.close()
