"""RapportError and its kinds; each knows the HTTP status the API answers with."""

from __future__ import annotations

from typing import Any, ClassVar


class RapportError(Exception):
    """A failure a person can act on. The message is shown to the caller as is."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(RapportError):
    status_code = 422
    code = "invalid"


class NotFound(RapportError):
    status_code = 404
    code = "not_found"


class Conflict(RapportError):
    status_code = 409
    code = "conflict"


class Unauthenticated(RapportError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(RapportError):
    status_code = 403
    code = "forbidden"


class TooLarge(RapportError):
    status_code = 413
    code = "too_large"


class Busy(RapportError):
    """A shared resource (database writer, model) is saturated; the caller should retry later."""

    status_code = 429
    code = "busy"

    def __init__(self, message: str, *, retry_after_s: int = 1, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s
