"""Typed errors carrying the server's RFC 9457 problem (docs/api.md, "Errors")."""
from __future__ import annotations

from typing import Any, Mapping, Optional


class WarrenError(Exception):
    """A call failed: the method, path, HTTP status (0 when no answer came) and the problem body."""

    def __init__(self, method: str, path: str, status: int, problem: Mapping[str, Any], message: Optional[str] = None):
        self.method = method
        self.path = path
        self.status = status
        self.problem = dict(problem)
        self.type: str = str(problem.get("type", "")).rsplit("/", 1)[-1]
        self.detail: str = str(problem.get("detail", message or ""))
        self.field: Optional[str] = problem.get("field")
        text = message or f"{method} {path} failed with {status} {self.type}: {self.detail}"
        if self.field and not message:
            text += f" (field {self.field})"
        super().__init__(text)


class InvalidInputError(WarrenError):
    """400: bad input; ``field`` names the member."""


class UnauthorizedError(WarrenError):
    """401 or 403: no valid token, or a token not valid for this target."""


class NotFoundError(WarrenError):
    """404: no such id or path."""


class ConflictError(WarrenError):
    """409: the resource is in the wrong state (``state`` says which, when the server says)."""

    @property
    def state(self) -> Optional[str]:
        return self.problem.get("state")


class LimitExceededError(WarrenError):
    """429: too many sandboxes, or past the rate limit (after the retries)."""


class UnavailableError(WarrenError):
    """502, 503, 504 or no connection, after the retries."""


def for_status(status: int) -> type[WarrenError]:
    return {400: InvalidInputError, 401: UnauthorizedError, 403: UnauthorizedError, 404: NotFoundError, 409: ConflictError,
            429: LimitExceededError, 502: UnavailableError, 503: UnavailableError, 504: UnavailableError}.get(status, WarrenError)
