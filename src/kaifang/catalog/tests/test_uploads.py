"""Uploads: streaming hash and size, the size limit (413), empty files, format by content, a
declared extension that contradicts the content, and safe file names."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.template.defaultfilters import filesizeformat

from kaifang.catalog import services
from kaifang.catalog.models import Resource, ResourceVersion, State
from kaifang.catalog.tests import factories
from kaifang.catalog.tests.workflow_data import CSV, act, csv_upload
from kaifang.catalog.uploads import (
    COPY_CHUNK,
    HEAD_BYTES,
    detect_format,
    sanitize_filename,
    store_upload,
)
from kaifang.core.errors import UploadRejected, UploadTooLarge
from kaifang.datastore.ingest.pipeline import ingest_version

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 40


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, ["医院名称", "地址"])
    book.close()
    return buffer.getvalue()


def _zip(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def resource(department):
    dataset = factories.make_dataset(department, state=State.DRAFT)
    return Resource.objects.create(dataset=dataset, name="res", title="资源", kind="file")


def _store(resource, publisher, name: str, content: bytes) -> ResourceVersion:
    return store_upload(resource, SimpleUploadedFile(name, content), actor=act(publisher))


def test_a_csv_is_stored_with_hash_size_and_format(resource, publisher):
    version = _store(resource, publisher, "公交站点.csv", CSV)

    assert version.sha256 == hashlib.sha256(CSV).hexdigest()
    assert (version.size, version.number) == (len(CSV), 1)
    assert (version.detected_format, version.media_type) == ("CSV", "text/csv")
    assert version.original_name == "公交站点.csv"
    assert version.status == ResourceVersion.Status.READY
    assert version.created_by == publisher
    assert version.file.name.startswith(f"resources/{resource.pk}/{version.pk}/")
    with version.file.open("rb") as stored:
        assert stored.read() == CSV


def _big_csv() -> bytes:
    return "编号,名称\n".encode() + b"".join(f"{n},name-{n}\n".encode() for n in range(300_000))


def test_a_file_from_disk_is_copied_whole_and_hashed_as_stored(resource, publisher, tmp_path):
    content = _big_csv()
    path = tmp_path / "大表.csv"
    path.write_bytes(content)

    with path.open("rb") as handle:
        version = store_upload(resource, File(handle, name=path.name), actor=act(publisher))

    assert len(content) > 3 * COPY_CHUNK
    assert (version.sha256, version.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert version.file.name.startswith(f"resources/{resource.pk}/{version.pk}/")
    with version.file.open("rb") as stored:
        assert stored.read() == content
    assert path.read_bytes() == content  # the source is copied, never moved


def test_a_file_from_disk_is_copied_in_chunks_where_the_kernel_cannot(
    resource, publisher, tmp_path, monkeypatch
):
    def refused(*args, **kwargs):
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", refused)
    content = _big_csv()
    path = tmp_path / "跨盘.csv"
    path.write_bytes(content)

    with path.open("rb") as handle:
        version = store_upload(resource, File(handle, name=path.name), actor=act(publisher))

    assert version.sha256 == hashlib.sha256(content).hexdigest()
    with version.file.open("rb") as stored:
        assert stored.read() == content


def test_a_file_from_disk_that_grew_after_it_was_checked_is_refused_and_nothing_kept(
    resource, publisher, tmp_path, settings
):
    path = tmp_path / "增长.csv"
    path.write_bytes(CSV)
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        assert upload.size == len(CSV)  # checked now; the file grows before it is stored
        path.write_bytes(CSV + b"x,1,2\n" * 10)
        with pytest.raises(UploadRejected) as refused:
            store_upload(resource, upload, actor=act(publisher))

    _assert_refused_as_changed(refused.value, "增长.csv", resource, settings)


def test_a_web_upload_spooled_to_disk_is_hashed_and_moved_into_place(resource, publisher):
    content = _big_csv()
    upload = TemporaryUploadedFile("大表.csv", "text/csv", len(content), None)
    upload.write(content)
    upload.flush()
    spooled = Path(upload.temporary_file_path())

    version = store_upload(resource, upload, actor=act(publisher))

    assert (version.sha256, version.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert version.detected_format == "CSV"
    with version.file.open("rb") as stored:
        assert stored.read() == content
    assert not spooled.exists()  # renamed into place, not copied
    upload.close()  # as a request's end does: the temporary file it named is gone already


def test_a_file_that_changes_size_while_stored_is_refused_and_nothing_kept(
    resource, publisher, settings
):
    upload = SimpleUploadedFile("变化.csv", CSV + b"x,1,2\n" * 10)
    upload.size = len(CSV)  # what was checked before the file grew

    with pytest.raises(UploadRejected) as refused:
        store_upload(resource, upload, actor=act(publisher))

    _assert_refused_as_changed(refused.value, "变化.csv", resource, settings)


def _assert_refused_as_changed(error, name: str, resource, settings) -> None:
    """The upload was refused as changed while stored, and nothing of it was kept."""
    assert error.message == f"文件“{name}”在上传过程中发生了变化，请重新上传。"
    assert not ResourceVersion.objects.exists()
    stored = Path(settings.MEDIA_ROOT) / "resources" / str(resource.pk)
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def test_versions_are_numbered(resource, publisher):
    _store(resource, publisher, "a.csv", CSV)

    second = _store(resource, publisher, "a.csv", CSV + b"x,1,2\n")

    assert second.number == 2


def test_an_empty_file_is_rejected(resource, publisher):
    with pytest.raises(UploadRejected) as refused:
        _store(resource, publisher, "空.csv", b"")

    assert refused.value.message == "文件“空.csv”是空文件，请检查后重新上传。"
    assert not ResourceVersion.objects.exists()


def test_a_file_over_the_limit_is_413_with_the_limit_named(settings, resource, publisher):
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 1024}

    with pytest.raises(UploadTooLarge) as refused:
        _store(resource, publisher, "big.csv", b"a,b\n" * 1000)

    assert refused.value.status == 413
    assert filesizeformat(1024) in refused.value.message
    assert "上限" in refused.value.message
    assert not ResourceVersion.objects.exists()


def test_the_limit_holds_while_streaming_when_the_size_is_unknown(settings, resource, publisher):
    settings.KAIFANG = {**settings.KAIFANG, "UPLOAD_MAX_BYTES": 1024}
    upload = SimpleUploadedFile("big.csv", b"a,b\n" * 1000)
    upload.size = None

    with pytest.raises(UploadTooLarge):
        store_upload(resource, upload, actor=act(publisher))


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("报告.csv", PDF, "PDF"),
        ("数据.csv", os.urandom(4096) + b"\x00", "OTHER"),
        ("表格.csv", _xlsx(), "XLSX"),
        ("表格.xlsx", "名称,地址\n".encode(), "CSV"),
        ("文件.pdf", PNG, "PNG"),
        ("文档.docx", _zip("data/readme.txt"), "ZIP"),
    ],
)
def test_content_that_contradicts_the_extension_is_rejected(
    resource, publisher, name, content, detected
):
    with pytest.raises(UploadRejected) as refused:
        _store(resource, publisher, name, content)

    assert name in refused.value.message
    assert "扩展名" in refused.value.message
    if detected != "OTHER":
        assert detected in refused.value.message
    assert not ResourceVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "stored"),
    [
        ("医院.xlsx", _xlsx(), "XLSX"),
        ("说明.pdf", PDF, "PDF"),
        ("合同.docx", _zip("[Content_Types].xml", "word/document.xml"), "DOCX"),
        ("包.zip", _zip("a.txt"), "ZIP"),
        ("边界.zip", _zip("county.shp", "county.dbf", "county.shx"), "SHP"),
        ("单列.csv", "名称\n西湖\n".encode(), "CSV"),
        ("制表.txt", b"a\tb\n1\t2\n", "TSV"),
        ("区划.json", b'{"type": "FeatureCollection", "features": []}', "GEOJSON"),
        ("区划.geojson", b'[{"a": 1}]', "GEOJSON"),
        ("目录.xml", b"<?xml version='1.0'?><rdf:RDF></rdf:RDF>", "RDF"),
        ("照片.jpg", JPG, "JPG"),
        ("图.png", PNG, "PNG"),
    ],
)
def test_format_is_detected_by_content(resource, publisher, name, content, stored):
    assert _store(resource, publisher, name, content).detected_format == stored


def test_gb18030_text_is_recognised(resource, publisher):
    content = "医院名称,地址,电话\n浙江大学医学院附属第一医院,庆春路79号,0571-87236114\n".encode(
        "gb18030"
    )

    version = _store(resource, publisher, "医院.csv", content * 40)

    assert version.detected_format == "CSV"


def test_only_the_first_64_kb_are_sniffed(resource, publisher):
    row = "区县,站点名称,经度,纬度\n西湖区,武林广场,120.1651,30.2741\n".encode("gb18030")
    content = row * (3 * HEAD_BYTES // len(row))

    version = _store(resource, publisher, "站点.csv", content)

    assert version.detected_format == "CSV"
    assert version.size == len(content)


def test_a_zip_whose_members_lie_beyond_the_head_is_still_recognised(resource, publisher):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("padding.bin", os.urandom(2 * HEAD_BYTES))
        archive.writestr("xl/workbook.xml", "<workbook/>")

    assert _store(resource, publisher, "大表.xlsx", buffer.getvalue()).detected_format == "XLSX"


def test_a_name_without_extension_gets_the_detected_one(resource, publisher):
    assert _store(resource, publisher, "站点数据", CSV).original_name == "站点数据.csv"


def test_ole2_is_told_apart_by_its_streams_or_extension():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600

    assert detect_format(ole2 + "Workbook".encode("utf-16-le"), "x.bin") == "XLS"
    assert detect_format(ole2 + "WordDocument".encode("utf-16-le"), "x.bin") == "DOC"
    assert detect_format(ole2, "旧表.xls") == "XLS"
    assert detect_format(ole2, "x.bin") == "OTHER"


def test_text_formats_are_sniffed():
    assert detect_format(b"<html><body>x</body></html>") == "HTML"
    assert detect_format(b"<?xml version='1.0'?><root/>") == "XML"
    assert detect_format(b"just words\nand more words\n") == "TXT"
    assert detect_format(b"a;b;c\n1;2;3\n") == "CSV"
    assert detect_format("a,b\n1,2\n".encode("utf-16")) == "CSV"
    assert detect_format(b"") == "OTHER"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\windows\\系统.csv", "系统.csv"),
        ("C:\\Users\\张三\\公交 站点.CSV", "公交 站点.csv"),
        ("bad\x00name\x1f\x7f.csv", "badname.csv"),
        ("right\u202eto-left.csv", "rightto-left.csv"),
        ('what?<is>:"this"|*.csv', "what__is___this___.csv"),
        (".hidden", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("数据.c s v", "数据.csv"),
    ],
)
def test_file_names_are_sanitised(given, safe):
    assert sanitize_filename(given) == safe


def test_long_names_are_cut_keeping_the_extension():
    name = sanitize_filename("很长的文件名" * 40 + ".xlsx")

    assert name.endswith(".xlsx")
    assert len(name.encode("utf-8")) <= 180
    assert name.startswith("很长的文件名")


def test_a_file_named_with_path_separators_is_stored_under_its_resource(resource, publisher):
    version = _store(resource, publisher, "../../../outside.csv", CSV)

    assert version.original_name == "outside.csv"
    assert version.file.name == f"resources/{resource.pk}/{version.pk}/outside.csv"


def test_add_resource_stores_the_upload_as_version_1(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    resource = services.add_resource(
        act(publisher), dataset, data={"title": "站点表"}, upload=csv_upload()
    )

    assert resource.kind == "file" and resource.format == "CSV"
    assert resource.name == "zhan-dian-biao"
    # a table becomes the current version once the datastore has ingested it
    version = resource.versions.get()
    assert resource.current_version is None and version.status == "pending"
    ingest_version(version)
    resource.refresh_from_db()
    assert resource.current_version.number == 1


def test_a_rejected_upload_leaves_no_resource(department, publisher):
    dataset = factories.make_dataset(department, state=State.DRAFT)

    with pytest.raises(UploadRejected):
        services.add_resource(
            act(publisher), dataset, data={"title": "坏文件"}, upload=csv_upload(content=PDF)
        )

    assert not Resource.objects.filter(dataset=dataset).exists()


def test_uploaded_files_are_not_served_from_storage(client, resource, publisher):
    version = _store(resource, publisher, "a.csv", CSV)

    assert client.get(f"/{version.file.name}").status_code == 404
    assert client.get(f"/media/{version.file.name}").status_code == 404
