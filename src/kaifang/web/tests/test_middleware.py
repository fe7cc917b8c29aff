def test_pages_are_chinese_whatever_the_browser_asks(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert page["Content-Language"] == "zh-hans"
    assert "数据目录" in page.content.decode()


def test_the_language_switch_turns_pages_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/")

    assert page["Content-Language"] == "en"
    assert "Datasets" in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(client, db):
    client.cookies["django_language"] = "xx"

    assert client.get("/")["Content-Language"] == "zh-hans"


def test_a_body_declared_over_the_upload_limit_is_refused_before_it_is_read(client, db, settings):
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 1024}
    huge = str(50 * 1024 * 1024)

    page = client.generic("POST", "/workspace/datasets/new/", b"", CONTENT_LENGTH=huge)
    api = client.generic("POST", "/api/v1/datasets", b"", CONTENT_LENGTH=huge)

    assert page.status_code == 413
    assert "上传内容超过大小上限 1.0\xa0KB" in page.content.decode()
    assert api.status_code == 413
    assert api.json()["error"]["code"] == "upload_too_large"
