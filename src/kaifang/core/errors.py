"""Errors that services raise. Each carries a stable `code` for the API and a Chinese message
for people; pages and the API turn them into a message and a fitting status."""

from __future__ import annotations


class KaifangError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotAllowed(KaifangError):
    """The actor's role does not allow this operation."""

    code = "permission_denied"
    status = 403


class NotFound(KaifangError):
    code = "not_found"
    status = 404


class InvalidTransition(KaifangError):
    """The object is not in a state this operation starts from."""

    code = "invalid_state"
    status = 409


class Invalid(KaifangError):
    """Values break the rules; `errors` maps field key → Chinese messages."""

    code = "validation_error"
    status = 422


class UploadRejected(KaifangError):
    code = "upload_rejected"
    status = 400


class UploadTooLarge(UploadRejected):
    code = "upload_too_large"
    status = 413


class AccessRequired(KaifangError):
    """Conditional data: metadata is public, the data needs an access grant (需申请)."""

    code = "access_required"
    status = 403
