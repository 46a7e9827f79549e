"""Browser sessions (Chromium in a sandbox, driven over CDP or with simple actions), profiles and handoffs."""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from ._http import Owned, Transport, quote
from .errors import NotFoundError
from .sandboxes import egress_body, egress_reach, parse_time


@dataclass(frozen=True)
class BrowserInfo:
    id: str
    key: Optional[str]
    state: str
    sandbox_id: Optional[str]
    generation: int
    created_at: datetime
    cdp_url: Optional[str] = field(repr=False)
    """A CDP WebSocket URL with a token signed for one hour: a credential, kept out of repr."""
    cdp_discovery_url: Optional[str] = field(repr=False)
    """The DevTools HTTP root with the token, for Playwright's connect_over_cdp without headers."""
    live_view_url: Optional[str] = field(repr=False)
    live_control_url: Optional[str] = field(repr=False)
    state_reason: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
    reach: List[str] = field(default_factory=list)
    """egress.reach: the sandboxes (``sbx_…`` or ``sbx_…:3000``) whose apps the session's pages may open."""
    idle_action: str = "close"
    """What its idle timeout does: ``close`` it, or ``pause`` it (frozen; the next connection resumes it)."""
    paused: bool = False
    """Ready and frozen now: the next CDP connection, live view or call on it resumes it."""

    @staticmethod
    def of(j: Dict[str, Any]) -> "BrowserInfo":
        return BrowserInfo(j["id"], j.get("key"), j["state"], j.get("sandboxId"), j.get("generation", 0), parse_time(j["createdAt"]),
                           j.get("cdpUrl"), j.get("cdpDiscoveryUrl"), j.get("liveViewUrl"), j.get("liveControlUrl"), j.get("stateReason"), j,
                           reach=egress_reach(j), idle_action=j.get("idleAction", "close"), paused=bool(j.get("paused", False)))


class Actions:
    """Simple actions on the session's first page, for callers that do not speak CDP."""

    def __init__(self, http: Transport, browser_id: str):
        self._http, self._base = http, f"/v1/browsers/{quote(browser_id)}/actions/"

    def _do(self, action: str, body: Dict[str, Any], timeout: float, retry: str = "safe") -> Any:
        body = {k: v for k, v in body.items() if v is not None}
        body["timeoutSeconds"] = max(1, int(-(-timeout // 1)))
        return self._http.request("POST", self._base + action, json_body=body, retry=retry, timeout=timeout + 30)

    def navigate(self, url: str, wait_until: str = "load", timeout: float = 30) -> Dict[str, Any]:
        return self._do("navigate", {"url": url, "waitUntil": wait_until}, timeout).json()

    def wait_for(self, selector: str, timeout: float = 30) -> bool:
        return bool(self._do("waitFor", {"selector": selector}, timeout).json()["found"])

    def click(self, selector: str, timeout: float = 30) -> None:
        self._do("click", {"selector": selector}, timeout, retry="connect")

    def type(self, text: str, selector: Optional[str] = None, timeout: float = 30) -> None:
        self._do("type", {"selector": selector, "text": text}, timeout, retry="connect")

    def upload(self, selector: str, path: Optional[str] = None, name: Optional[str] = None, content: Optional[bytes] = None,
               timeout: float = 30) -> Dict[str, Any]:
        """Fills a file input with a file in the browser's sandbox (path), or with content written there as name first.

        Answers {selector, path, name, size} as the page sees the chosen file.
        """
        if (path is None) == (content is None):
            raise ValueError("give path, or name and content")
        body: Dict[str, Any] = {"selector": selector}
        if path is not None:
            body["path"] = path
        else:
            body["name"], body["content"] = name, base64.b64encode(content or b"").decode("ascii")
        return self._do("upload", body, timeout).json()

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        return self._do("evaluate", {"expression": expression}, timeout, retry="connect").json()["value"]

    def text(self, timeout: float = 30) -> str:
        return self._do("content", {"format": "text"}, timeout).json()["content"]

    def html(self, timeout: float = 30) -> str:
        return self._do("content", {"format": "html"}, timeout).json()["content"]

    def screenshot(self, full_page: bool = False, timeout: float = 30) -> bytes:
        return self._do("screenshot", {"fullPage": full_page}, timeout).body

    def pdf(self, timeout: float = 30) -> bytes:
        return self._do("pdf", {}, timeout).body


class Handoff:
    """A request for a person to take over the browser; ``wait`` returns once it is handed back."""

    def __init__(self, http: Transport, browser_id: str, j: Dict[str, Any]):
        self._http, self.id, self.browser_id, self.raw = http, j["id"], browser_id, j
        self._path = f"/v1/browsers/{quote(browser_id)}/handoffs/{quote(self.id)}"

    @property
    def state(self) -> str:
        return self.raw["state"]

    def wait(self, timeout: float = 600) -> "Handoff":
        deadline = time.monotonic() + timeout
        while self.state in ("waiting", "in-progress") and time.monotonic() < deadline:
            step = max(0.0, min(60.0, deadline - time.monotonic()))
            self.raw = self._http.request("GET", self._path, query={"waitSeconds": f"{step:.1f}"}, timeout=step + 30).json()
        return self

    def complete(self) -> "Handoff":
        self.raw = self._http.request("POST", self._path + "/complete", json_body={}).json()
        return self

    def cancel(self, reason: str = "cancelled by the agent") -> "Handoff":
        self.raw = self._http.request("POST", self._path + "/cancel", json_body={"reason": reason}).json()
        return self


class Browser(Owned):
    """A handle to one browser session; closing an owning handle closes the session (saving its profile)."""

    def __init__(self, http: Transport, info: BrowserInfo | str, owns: bool, reused: bool = False):
        self._http = http
        self.id = info if isinstance(info, str) else info.id
        self._info = None if isinstance(info, str) else info
        self._owns, self._closed, self.reused = owns, False, reused
        self._path = f"/v1/browsers/{quote(self.id)}"
        self.actions = Actions(http, self.id)

    def computer(self) -> "Computer":
        """Computer use on the session's page: the same actions by coordinates as on a desktop."""
        from .computer import Computer
        return Computer(self._http, f"{self._path}/actions")

    @property
    def info(self) -> BrowserInfo:
        return self._info or self.refresh()

    def refresh(self) -> BrowserInfo:
        self._info = BrowserInfo.of(self._http.request("GET", self._path).json())
        return self._info

    @property
    def cdp_url(self) -> str:
        """A freshly signed CDP WebSocket URL, for Playwright's connect_over_cdp, Puppeteer, browser-use."""
        url = self.refresh().cdp_url
        if url is None:
            raise RuntimeError(f"browser session {self.id} is {self.info.state}")
        return url

    def devtools_root(self) -> str:
        """A loopback DevTools root (``http://127.0.0.1:PORT``) for clients that take only a root URL
        (Puppeteer's browserURL); it answers this machine's user that asked, and closes with the session."""
        return self._http.request("POST", self._path + "/devtools-root").json()["browserUrl"]

    def downloads(self) -> List[Dict[str, Any]]:
        """The files the session's pages downloaded, oldest first: {name, size, url, state, startedAt}."""
        return self._http.request("GET", self._path + "/downloads").json()["downloads"]

    def download(self, name: str) -> bytes:
        """The bytes of a download, by its name in downloads()."""
        return self._http.request("GET", self._path + "/downloads/" + quote(name)).body

    def keepalive(self) -> BrowserInfo:
        self._info = BrowserInfo.of(self._http.request("POST", self._path + "/keepalive").json())
        return self._info

    def pause(self) -> BrowserInfo:
        """Freezes the browser's sandbox: pages, cookies and memory kept, no CPU used. The next CDP connection
        (or a client's next message), live view or call on it resumes it."""
        self._info = BrowserInfo.of(self._http.request("POST", self._path + "/pause").json())
        return self._info

    def resume(self) -> BrowserInfo:
        self._info = BrowserInfo.of(self._http.request("POST", self._path + "/resume").json())
        return self._info

    def restart(self) -> BrowserInfo:
        self._info = BrowserInfo.of(self._http.request("POST", self._path + "/restart").json())
        return self._info

    def handoff(self, reason: str) -> Handoff:
        return Handoff(self._http, self.id, self._http.request("POST", self._path + "/handoffs", json_body={"reason": reason}).json())



class Browsers:
    def __init__(self, http: Transport):
        self._http = http

    def create(self, key: Optional[str] = None, profile: Optional[str] = None, profile_read_only: bool = False,
               allow_egress: Optional[Sequence[str]] = None, upstream_proxy: Optional[str] = None, width: Optional[int] = None,
               height: Optional[int] = None, headless: Optional[bool] = None, idle_timeout: Optional[int] = None,
               max_lifetime: Optional[int] = None, reach: Optional[Sequence[str]] = None, idle_action: Optional[str] = None,
               paused_timeout: Optional[int] = None) -> Browser:
        """Starts a browser (or answers the live session holding ``key``: ``reused`` is then True).

        ``reach`` names the sandboxes whose apps the pages may open (``sbx_…:3000`` one port, ``sbx_…`` every port),
        e.g. the app an agent serves in its own sandbox, at ``http://sbx_…:3000/``; it goes in ``egress.reach``.

        ``idle_action="pause"`` freezes the browser once idle for ``idle_timeout`` seconds instead of closing it (the
        next CDP connection resumes it, pages and cookies as they were); ``paused_timeout`` seconds paused closes it."""
        body: Dict[str, Any] = {k: v for k, v in {"key": key, "profile": profile, "headless": headless, "idleTimeoutSeconds": idle_timeout,
                                                  "maxLifetimeSeconds": max_lifetime, "idleAction": idle_action,
                                                  "pausedTimeoutSeconds": paused_timeout}.items() if v is not None}
        if profile_read_only:
            body["profileReadOnly"] = True
        egress = egress_body(allow_egress, upstream_proxy, reach)
        if egress:
            body["egress"] = egress
        if width or height:
            body["viewport"] = {k: v for k, v in {"width": width, "height": height}.items() if v}
        r = self._http.request("POST", "/v1/browsers", json_body=body, retry="idempotent")
        return Browser(self._http, BrowserInfo.of(r.json()), owns=True, reused=r.status == 200)

    def get(self, browser_id: str) -> Optional[Browser]:
        try:
            return Browser(self._http, BrowserInfo.of(self._http.request("GET", f"/v1/browsers/{quote(browser_id)}").json()), owns=False)
        except NotFoundError:
            return None

    def list(self) -> List[Browser]:
        return [Browser(self._http, BrowserInfo.of(b), owns=False) for b in self._http.request("GET", "/v1/browsers").json()["browsers"]]

    def attach(self, browser_id: str, owns: bool = False) -> Browser:
        return Browser(self._http, browser_id, owns=owns)

    def delete(self, browser_id: str) -> bool:
        return self._http.request("DELETE", f"/v1/browsers/{quote(browser_id)}", ok=(404,)).status != 404

    def delete_by_key_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("prefix must not be empty (delete_all closes every session)")
        return self._http.request("DELETE", "/v1/browsers", query={"keyPrefix": prefix}).json()["closed"]


class Profiles:
    def __init__(self, http: Transport):
        self._http = http

    def list(self) -> List[Dict[str, Any]]:
        return self._http.request("GET", "/v1/profiles").json()["profiles"]

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        try:
            return self._http.request("GET", f"/v1/profiles/{quote(name)}").json()
        except NotFoundError:
            return None

    def export(self, name: str) -> bytes:
        return self._http.request("GET", f"/v1/profiles/{quote(name)}/export").body

    def delete(self, name: str) -> bool:
        return self._http.request("DELETE", f"/v1/profiles/{quote(name)}", ok=(404,)).status != 404
