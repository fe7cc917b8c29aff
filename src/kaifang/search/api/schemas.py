"""Shapes of the search API's answers."""

from __future__ import annotations

from ninja import Schema


class TitleSuggestion(Schema):
    name: str
    title: str
    highlight: str  # the title, HTML-escaped, with the typed text in <mark>


class DepartmentSuggestion(Schema):
    name: str
    title: str


class SuggestOut(Schema):
    q: str
    titles: list[TitleSuggestion]
    departments: list[DepartmentSuggestion]
    keywords: list[str]


class HotOut(Schema):
    queries: list[str]
