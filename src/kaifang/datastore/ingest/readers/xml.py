"""XML: the repeated row elements of a document become rows; each row's attributes and child
elements (by local name, text content) become its columns.

The row element is the one (below the root) that repeats most among the first SAMPLE_EVENTS
elements, preferring elements with children or attributes over leaves. Parsing goes through
defusedxml, which refuses entity declarations (so entity expansion — the "billion laughs" —
and external entities never happen), and streams: each row is written out and dropped as soon
as it ends. The rows go to a JSON Lines file that the JSON reader's staging then reads."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import defusedxml
from defusedxml import ElementTree
from django.utils.translation import gettext as _

from kaifang.datastore.ingest.errors import IngestError
from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.readers import register
from kaifang.datastore.ingest.readers.json import Shape, stage_json

SAMPLE_EVENTS = 5000
REPORT_EVERY = 50_000


@register("XML")
def read_xml(job: Job) -> list[Staged]:
    """One staged table from the repeated row elements of an XML document."""
    path = row_path(job.source)
    lines = job.workdir / "rows.jsonl"
    count = _write_rows(job, path, lines)
    if count == 0:
        raise IngestError(_("XML 文件中没有找到重复的数据行元素。"))
    return [stage_json(job, lines, Shape("lines"), "raw_0")]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _events(source: Path, events=("start", "end")):
    """Parse events, with every defusedxml refusal and parse error turned into IngestError."""
    try:
        yield from ElementTree.iterparse(
            str(source), events=events, forbid_dtd=False, forbid_entities=True
        )
    except defusedxml.EntitiesForbidden as exc:
        line = _line_of(source, b"<!ENTITY")
        raise IngestError(
            _(
                "XML 文件第 %(line)d 行声明了实体“%(name)s”，"
                "为防止实体膨胀攻击，不接受带实体声明的 XML。"
            )
            % {"line": line, "name": exc.name},
            row=line,
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise IngestError(
            _("XML 文件含有不安全的内容（%(detail)s），已拒绝。") % {"detail": exc}
        ) from None
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise IngestError(
            _("XML 格式错误：第 %(line)d 行第 %(column)d 列。")
            % {"line": line, "column": column + 1},
            row=line,
            column=str(column + 1),
        ) from None


def _line_of(source: Path, needle: bytes) -> int:
    with source.open("rb") as f:
        head = f.read(1024 * 1024)
    at = head.find(needle)
    return head[: max(at, 0)].count(b"\n") + 1


def row_path(source: Path) -> tuple[str, ...]:
    """The tag path of the row elements, from the first SAMPLE_EVENTS elements."""
    stack: list[str] = []
    counts: Counter = Counter()
    structured: set[tuple[str, ...]] = set()
    for seen, (event, element) in enumerate(_events(source)):
        if event == "start":
            stack.append(_local(element.tag))
            continue
        path = tuple(stack)
        stack.pop()
        if len(path) > 1:
            counts[path] += 1
            if len(element) or element.attrib:
                structured.add(path)
        if seen > SAMPLE_EVENTS:
            break
    ranked = sorted(counts, key=lambda p: (p not in structured, -counts[p], len(p)))
    if not ranked or counts[ranked[0]] < 1:
        raise IngestError(_("XML 文件中没有找到重复的数据行元素。"))
    return ranked[0]


def _write_rows(job: Job, path: tuple[str, ...], target: Path) -> int:
    """Write each row element as one JSON object per line; return how many."""
    stack: list = []
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for event, element in _events(job.source):
            if event == "start":
                stack.append(element)
                continue
            if tuple(_local(e.tag) for e in stack) == path:
                out.write(json.dumps(row_values(element), ensure_ascii=False) + "\n")
                count += 1
                if len(stack) > 1:
                    stack[-2].remove(element)  # the row is written: free it
                if count % REPORT_EVERY == 0:
                    job.report("read", count, None)
            stack.pop()
    return count


def row_values(element) -> dict[str, str | None]:
    """A row's attributes, then its child elements' text (nested text joined)."""
    values: dict[str, str | None] = {_local(k): v for k, v in element.attrib.items()}
    for child in element:
        text = "".join(child.itertext()).strip()
        values[_local(child.tag)] = text or None
    if not len(element) and not element.attrib:
        values[_local(element.tag)] = (element.text or "").strip() or None
    return values
