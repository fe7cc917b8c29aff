"""The workspace pages of the catalog spreadsheet: export, upload with preview, confirm."""

from __future__ import annotations

import io

import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile

from kaifang.catalog.models import Dataset, State
from kaifang.catalog.tests import factories
from kaifang.interop.tests.test_catalog_xlsx import _row, _workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(path, name="catalog.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)


def test_a_publisher_exports_their_department_s_catalog(client, publisher, department):
    factories.make_dataset(department, title="公交线路", state=State.DRAFT)
    other = factories.make_department(title="别的部门")
    factories.make_dataset(other, title="别人的数据")
    client.force_login(publisher)

    response = client.get("/workspace/catalog/export", {"department": department.name})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(response.streaming_content))
    )
    rows = book.get_sheet_by_name("目录").to_python()
    assert [r[1] for r in rows[1:]] == ["公交线路"]


def test_only_platform_admins_export_the_whole_catalog(client, publisher, outsider, department):
    client.force_login(publisher)

    assert client.get("/workspace/catalog/export").status_code == 403
    client.force_login(outsider)
    assert (
        client.get("/workspace/catalog/export", {"department": department.name}).status_code == 404
    )


def test_an_upload_is_previewed_then_imported_on_confirmation(
    client, publisher, department, tmp_path
):
    path = _workbook(tmp_path / "new.xlsx", [_row(department)])
    client.force_login(publisher)

    preview = client.post(
        "/workspace/catalog/import", {"department": department.name, "file": _upload(path)}
    )

    assert preview.status_code == 200
    assert "导入预览" in preview.content.decode() and "新建" in preview.content.decode()
    assert Dataset.objects.count() == 0
    done = client.post("/workspace/catalog/import/confirm")
    assert done.status_code == 200 and "导入完成" in done.content.decode()
    assert Dataset.objects.get().title == "公交线路"
    assert client.post("/workspace/catalog/import/confirm").status_code == 403


def test_a_bad_upload_shows_the_report_and_cannot_be_confirmed_into_the_catalog(
    client, publisher, department, tmp_path
):
    path = _workbook(tmp_path / "bad.xlsx", [_row(department, 更新周期="每两月")])
    client.force_login(publisher)

    response = client.post(
        "/workspace/catalog/import", {"department": department.name, "file": _upload(path)}
    )

    assert response.status_code == 422
    assert "第 2 行，“更新周期”：“每两月”不在代码表中" in response.content.decode()
    assert "确认导入" not in response.content.decode()


def test_the_workspace_links_to_the_catalog_spreadsheet(client, publisher):
    client.force_login(publisher)

    assert "/workspace/catalog/" in client.get("/workspace/").content.decode()
    assert client.get("/workspace/catalog/").status_code == 200
