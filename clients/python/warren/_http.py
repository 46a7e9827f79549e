"""The HTTP transport: bearer token, timeouts, retries with backoff and jitter, problem errors."""
from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Iterator, Mapping, Optional, TypeVar

from .errors import UnavailableError, WarrenError, for_status

RETRIED_STATUS = {429, 502, 503, 504}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Transport:
    """Thread-safe: every call opens its own connection (urllib)."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0, max_attempts: int = 5,
                 backoff_base: float = 0.1, backoff_max: float = 5.0):
        if not base_url:
            raise ValueError("base_url is required, e.g. http://127.0.0.1:7070")
        if not token:
            raise ValueError("token is required (the server's is in $WARREN_DATA/token)")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.closed = False

    def request(self, method: str, path: str, *, json_body: Any = None, body: Optional[bytes] = None,
                content_type: Optional[str] = None, query: Optional[Mapping[str, Any]] = None,
                headers: Optional[Mapping[str, str]] = None, retry: str = "safe", timeout: Optional[float] = None,
                ok: tuple[int, ...] = ()) -> Response:
        """One call. ``retry``: "safe" (connection errors, 429, 502-504), "idempotent" (the same, with one
        Idempotency-Key for every attempt) or "connect" (only when nothing was sent)."""
        if self.closed:
            raise RuntimeError("the Warren client is closed")
        url = self.base_url + path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                url += ("&" if "?" in url else "?") + urllib.parse.urlencode(q, doseq=True)
        data = body
        h = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        elif body is not None:
            h["Content-Type"] = content_type or "application/octet-stream"
        if retry == "idempotent":
            h["Idempotency-Key"] = str(uuid.uuid4())
        h.update(headers or {})
        attempt = 0
        while True:
            attempt += 1
            req = urllib.request.Request(url, data=data, method=method, headers=h)
            try:
                with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
                    return Response(r.status, r.read(), {k.lower(): v for k, v in r.headers.items()})
            except urllib.error.HTTPError as e:
                resp = Response(e.code, e.read(), {k.lower(): v for k, v in e.headers.items()})
                if e.code in ok:
                    return resp
                if e.code in RETRIED_STATUS and retry != "connect" and attempt < self.max_attempts:
                    time.sleep(self._wait(attempt, resp.headers.get("retry-after")))
                    continue
                raise self._error(method, path, resp) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                reason = getattr(e, "reason", e)
                refused = isinstance(reason, ConnectionRefusedError)
                if (retry != "connect" or refused) and attempt < self.max_attempts:
                    time.sleep(self._wait(attempt, None))
                    continue
                raise UnavailableError(method, path, 0, {}, f"{method} {path} failed: {reason}") from e

    def stream(self, path: str, query: Mapping[str, Any], headers: Mapping[str, str]) -> Iterator[bytes]:
        """Lines of a Server-Sent Events answer, as they arrive."""
        url = self.base_url + path + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        h = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream", **headers}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=h), timeout=60) as r:
                for line in r:
                    yield line
        except urllib.error.HTTPError as e:
            raise self._error("GET", path, Response(e.code, e.read(), {})) from None

    def _wait(self, attempt: int, retry_after: Optional[str]) -> float:
        if retry_after:
            try:
                return min(60.0, float(retry_after))
            except ValueError:
                try:
                    return min(60.0, max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time()))
                except (TypeError, ValueError):
                    pass
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    @staticmethod
    def _error(method: str, path: str, resp: Response) -> WarrenError:
        try:
            problem = json.loads(resp.body) if resp.body else {}
            if not isinstance(problem, dict):
                problem = {}
        except ValueError:
            problem = {"detail": resp.body.decode("utf-8", "replace")}
        return for_status(resp.status)(method, path, resp.status, problem)


def quote(segment: str) -> str:
    """A path segment, with nothing that could leave it."""
    if not segment or "/" in segment:
        raise ValueError(f"not an id: {segment!r}")
    return urllib.parse.quote(segment, safe="")


H = TypeVar("H", bound="Owned")


class Owned:
    """A handle that may own what it names: ``close()`` then deletes it (already gone is fine); a context manager."""

    _http: Transport
    _path: str
    _owns: bool
    _closed: bool

    def delete(self) -> None:
        """Deletes it now, owning or not; already gone is fine."""
        self._closed = True
        self._http.request("DELETE", self._path, ok=(404,))

    def close(self) -> None:
        if self._owns and not self._closed:
            self.delete()
        self._closed = True

    def __enter__(self: H) -> H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
