"""CKAN's errors: the `__type` a client switches on and the status that goes with it.

CKAN answers a failed action with `{"success": false, "error": {"__type", "message", <field>:
[messages]}}`. The platform's own errors (kaifang.core.errors) are turned into these by class,
so a service's refusal reaches a CKAN client as the exception `ckanapi` raises for CKAN's: a
role refused → NotAuthorized, a missing object → NotFound, a bad value or a move the workflow
does not allow → ValidationError.
"""

from __future__ import annotations

from typing import Any

from kaifang.core.errors import (
    AccessRequired,
    KaifangError,
    NotAllowed,
    NotFound,
    UploadTooLarge,
)

NOT_FOUND = "Not Found Error"
VALIDATION = "Validation Error"
AUTHORIZATION = "Authorization Error"
SEARCH_QUERY = "Search Query Error"


class CkanError(Exception):
    """An answer in CKAN's error shape. `type` is None for CKAN's bare "bad request" answers
    (an unknown action, an unreadable body), which carry only a message."""

    status = 409
    type: str | None = VALIDATION

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.type is not None:
            error["__type"] = self.type
        error.update(self.fields)
        return error


class BadRequest(CkanError):
    status = 400
    type = None


class SearchQueryError(CkanError):
    """A `q`, `fq` or search parameter CKAN's search could not read either (400)."""

    status = 400
    type = SEARCH_QUERY


class ValidationError(CkanError):
    status = 409
    type = VALIDATION


class NotAuthorized(CkanError):
    status = 403
    type = AUTHORIZATION


class ObjectNotFound(CkanError):
    status = 404
    type = NOT_FOUND


class Throttled(CkanError):
    """The datastore's query limits (429, with Retry-After); CKAN has no such answer, so the
    type is ours and a client sees a plain error."""

    status = 429
    type = "Throttled"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def invalid(field: str, message: str) -> ValidationError:
    """A Validation Error naming one field."""
    return ValidationError(message, {field: [message]})


def from_kaifang(exc: KaifangError, rename: dict[str, str] | None = None) -> CkanError:
    """The CKAN error for one of ours; `rename` maps our field keys to CKAN's names."""
    if isinstance(exc, NotFound):
        return ObjectNotFound(exc.message)
    if isinstance(exc, NotAllowed | AccessRequired) or exc.status in (401, 403):
        return NotAuthorized(exc.message)
    if exc.status == 429:
        return Throttled(exc.message, getattr(exc, "retry_after", 1))
    rename = rename or {}
    fields = {rename.get(key, key): list(messages) for key, messages in exc.errors.items()}
    if isinstance(exc, UploadTooLarge):
        error = ValidationError(exc.message, fields or {"upload": [exc.message]})
        error.status = 413
        return error
    return ValidationError(exc.message, fields)
