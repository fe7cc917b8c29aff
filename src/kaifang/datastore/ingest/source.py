"""Stage `read`: the version's stored file as a local path the later stages can open."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.errors import IngestError

if TYPE_CHECKING:
    from kaifang.catalog.models import ResourceVersion

COPY_CHUNK = 1024 * 1024


def local_source(version: ResourceVersion, workdir: Path) -> Path:
    """The file on local disk (storages without paths are copied in chunks into `workdir`),
    refused when over settings.KAIFANG["UPLOAD_MAX_BYTES"] or empty."""
    check_size(version.size)
    try:
        path = Path(version.file.path)
    except NotImplementedError:
        path = workdir / "source"
        with version.file.open("rb") as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst, COPY_CHUNK)
    if not path.is_file():
        raise IngestError(_("找不到该版本的原始文件，请重新上传。"))
    size = path.stat().st_size
    check_size(size)
    if size == 0:
        raise IngestError(_("文件是空的（0 字节），没有可入库的数据。"), byte=0)
    return path


def check_size(size: int) -> None:
    limit = settings.KAIFANG["UPLOAD_MAX_BYTES"]
    if size > limit:
        raise IngestError(
            _(
                "文件大小 %(size)s 超过入库上限 %(limit)s（第 %(byte)d 字节起超出），"
                "请拆分后再上传。"
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit), "byte": limit + 1},
            byte=limit + 1,
        )
