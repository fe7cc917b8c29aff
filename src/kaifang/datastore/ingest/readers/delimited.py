"""CSV and TSV: encoding, dialect and header from a sample, then DuckDB parses the whole
(UTF-8) file into one staging table."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kaifang.datastore.ingest import dialect as dialects
from kaifang.datastore.ingest import encoding
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.headers import clean_headers
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.readers import register
from kaifang.datastore.ingest.readers.staging import load_delimited


@register("CSV", "TSV")
def read_delimited(job: Job) -> list[Staged]:
    """One staged table from a delimited text file in any of the accepted encodings."""
    codec = encoding.detect_encoding(job.source)
    job.report("decode", 0, None)
    text = encoding.to_utf8(
        job.source, codec, job.workdir, lambda lines: job.report("decode", lines, None)
    )
    sample = dialects.read_sample(text)
    dialect = dialects.sniff(sample, job.fmt)
    header = dialects.first_record(sample, dialect)
    if header is None:
        raise IngestError(_("文件中没有任何文字内容（只有空白），没有可入库的数据。"), row=1)
    if sample.startswith(("\n", "\r")):
        raise IngestError(_("文件开头有空行，表头应在第 1 行，请删除开头的空行。"), row=1)
    labels = [cell.strip() for cell in header]
    ids = clean_headers(labels, job.notices)
    job.report("read", 0, None)
    rows = load_delimited(job, text, "raw_0", ids, dialect, same_bytes=codec == "utf-8")
    return [Staged(sheet="", relation="raw_0", ids=ids, labels=labels, rows=rows, first_line=2)]
