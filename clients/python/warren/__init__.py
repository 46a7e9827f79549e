"""Warren's Python SDK: sandboxes, shell sessions and browsers for AI agents (standard library only).

    from warren import Warren
    with Warren("http://127.0.0.1:7070", token) as w, w.sandboxes.create(memory_mb=512) as sbx:
        print(sbx.exec("echo hi").stdout)
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from ._http import Transport
from .computer import Computer
from .browsers import Actions, Browser, BrowserInfo, Browsers, Handoff, Profiles
from .errors import (ConflictError, InvalidInputError, LimitExceededError, NotFoundError, UnauthorizedError, UnavailableError,
                     WarrenError)
from .sandboxes import (Command, CommandResult, ExecResult, FileEntry, Files, Sandbox, SandboxInfo, Sandboxes, Session, Sessions,
                        Snapshots)
from .images import Images
from .volumes import Volumes

__all__ = ["Warren", "Computer", "Sandbox", "SandboxInfo", "Sandboxes", "ExecResult", "FileEntry", "Files", "Session", "Sessions", "Snapshots", "Command",
           "CommandResult", "Images", "Volumes", "Browser", "BrowserInfo", "Browsers", "Actions", "Handoff", "Profiles", "WarrenError", "InvalidInputError",
           "UnauthorizedError", "NotFoundError", "ConflictError", "LimitExceededError", "UnavailableError"]
__version__ = "0.1.0"


class Warren:
    """A client of one Warren server. Thread-safe; ``close()`` (or ``with``) releases it but deletes nothing.

    ``url`` and ``token`` default to ``$WARREN_URL`` and ``$WARREN_TOKEN``. Calls time out after
    ``timeout`` seconds and are retried with exponential backoff and jitter (``max_attempts``) when safe."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0, max_attempts: int = 5):
        self._http = Transport(url or os.environ.get("WARREN_URL", "http://127.0.0.1:7070"), token or os.environ.get("WARREN_TOKEN", ""),
                               timeout, max_attempts)
        self.sandboxes = Sandboxes(self._http)
        self.browsers = Browsers(self._http)
        self.profiles = Profiles(self._http)
        self.snapshots = Snapshots(self._http)
        self.volumes = Volumes(self._http)
        self.images = Images(self._http)

    def health(self) -> Dict[str, Any]:
        """``/readyz``: ``{"status": "ready"|…, "checks": {…}}`` (a server that is not ready answers too)."""
        return self._http.request("GET", "/readyz", ok=(503,)).json()

    def ping(self) -> bool:
        try:
            return self._http.request("GET", "/healthz", retry="connect").status == 200
        except WarrenError:
            return False

    def close(self) -> None:
        self._http.closed = True

    def __enter__(self) -> "Warren":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
