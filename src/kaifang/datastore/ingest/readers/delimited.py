"""CSV and TSV: encoding, dialect and header from a sample, then a view through which DuckDB
parses the whole (UTF-8) file: the types stage reads it once into a table of typed values (or
straight into the data file: write.write_typed). Other encodings are transcoded to UTF-8 first
(which checks every byte). A UTF-8 file is not read twice: DuckDB refuses an invalid byte
sequence in any value it reads, and only then are the file's bytes checked, to name the first
bad one (staging.view_delimited)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kaifang.datastore.ingest import dialect as dialects
from kaifang.datastore.ingest import encoding
from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.headers import clean_headers
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.readers import register
from kaifang.datastore.ingest.readers.staging import loader, view_delimited


@register("CSV", "TSV")
def read_delimited(job: Job) -> list[Staged]:
    """One staged view of a delimited text file in any of the accepted encodings."""
    codec = encoding.detect_encoding(job.source)
    job.report("decode", 0, None)
    if codec == "utf-8":  # its bytes are checked by the read itself (see the docstring)
        text = job.source
    else:
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
    utf8 = codec == "utf-8"
    scan = view_delimited(
        job, text, "raw_0", ids, dialect, same_bytes=utf8, unchecked=text if utf8 else None
    )
    load = loader(job, scan)
    return [Staged("", "raw_0", ids, labels, rows=0, first_line=2, load=load, scan=scan)]
