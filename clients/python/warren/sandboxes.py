"""Sandboxes, their files and persistent shell sessions (docs/api.md)."""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ._http import Owned, Transport, quote
from .errors import NotFoundError


def parse_time(v: Optional[str]) -> Optional[datetime]:
    """The API's times (RFC 3339 UTC, ``2026-11-22T10:15:30.123Z``) as aware datetimes."""
    return None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00"))


def egress_body(allow: Optional[Sequence[str]], upstream_proxy: Optional[str], reach: Optional[Sequence[str]]) -> Optional[Dict[str, Any]]:
    """The ``egress`` member of a create body, or None when every part is left out (the server denies all)."""
    if allow is None and upstream_proxy is None and not reach:
        return None
    if isinstance(reach, str):
        raise TypeError("reach must be a list of sandbox ids (sbx_… or sbx_…:port), not a string")
    egress: Dict[str, Any] = {"allow": list(allow or [])}
    if upstream_proxy:
        egress["upstreamProxy"] = upstream_proxy
    if reach:
        egress["reach"] = list(reach)
    return egress


def egress_reach(j: Mapping[str, Any]) -> List[str]:
    """An answer's ``egress.reach``; servers before reach leave it out."""
    return list((j.get("egress") or {}).get("reach") or [])


@dataclass(frozen=True)
class SandboxInfo:
    id: str
    state: str
    image: str
    generation: int
    address: Optional[str]
    labels: Dict[str, str]
    limits: Dict[str, Any]
    created_at: datetime
    state_reason: Optional[str] = None
    browser_id: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
    reach: List[str] = field(default_factory=list)
    """egress.reach: the other sandboxes (``sbx_…`` or ``sbx_…:3000``) whose apps this one may open."""
    volumes: List[Dict[str, Any]] = field(default_factory=list)
    """The volumes mounted into it: ``{"name", "path", "readOnly"}`` each."""
    pooled: bool = False
    """On a create's answer: handed out from the server's warm pool (``WARREN_SANDBOX_POOL``) rather than booted for the call."""
    runtime: Optional[str] = None
    """What it runs on: ``crun`` (a container) or ``microvm`` (a virtual machine); None from servers before runtimes per sandbox."""
    accel: Optional[str] = None
    """For a virtual machine, how its guest executes: ``kvm`` or ``tcg`` (emulated); None for containers."""

    @staticmethod
    def of(j: Mapping[str, Any]) -> "SandboxInfo":
        return SandboxInfo(j["id"], j["state"], j["image"], j.get("generation", 0), j.get("address"), dict(j.get("labels") or {}),
                           dict(j.get("limits") or {}), parse_time(j["createdAt"]), j.get("stateReason"), j.get("browserId"), dict(j),
                           reach=egress_reach(j), volumes=[dict(v) for v in (j.get("volumes") or [])],
                           pooled=bool(j.get("pooled", False)), runtime=j.get("runtime"), accel=j.get("accel"))


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False
    truncated: bool = False
    resumed: bool = False
    """The sandbox was paused and this command resumed it first."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class FileEntry:
    name: str
    type: str
    size: int
    mode: str
    """Permission bits as the API writes them, e.g. ``"0644"``."""
    modified_at: datetime


@dataclass(frozen=True)
class CommandResult:
    id: str
    state: str
    exit_code: Optional[int]
    stdout: str
    stderr: str
    timed_out: bool
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.state in ("finished", "lost")

    @property
    def ok(self) -> bool:
        return self.state == "finished" and self.exit_code == 0 and not self.timed_out

    @staticmethod
    def of(j: Mapping[str, Any]) -> "CommandResult":
        return CommandResult(j["id"], j["state"], j.get("exitCode"), j.get("stdout", ""), j.get("stderr", ""), bool(j.get("timedOut")), dict(j))


class Files:
    """Files inside one sandbox; paths are absolute paths inside it."""

    def __init__(self, http: Transport, sandbox_id: str):
        self._http, self._base = http, f"/v1/sandboxes/{quote(sandbox_id)}/files"

    def write(self, path: str, content: bytes | str, mode: Optional[int] = None) -> None:
        data = content.encode() if isinstance(content, str) else content
        self._http.request("PUT", self._base, body=data, query={"path": _abs(path), "mode": None if mode is None else f"{mode:04o}"})

    def read(self, path: str) -> bytes:
        return self._http.request("GET", self._base, query={"path": _abs(path)}).body

    def read_text(self, path: str) -> str:
        return self.read(path).decode()

    def list(self, path: str) -> List[FileEntry]:
        j = self._http.request("GET", self._base + "/list", query={"path": _abs(path)}).json()
        return [FileEntry(e["name"], e["type"], e["size"], e["mode"], parse_time(e["modifiedAt"])) for e in j["entries"]]

    def mkdir(self, path: str) -> None:
        self._http.request("POST", self._base + "/mkdir", query={"path": _abs(path)})

    def delete(self, path: str, recursive: bool = False) -> None:
        self._http.request("DELETE", self._base, query={"path": _abs(path), "recursive": "true" if recursive else None})


class Command:
    """A session command (a durable job): its output can be read from any byte offset, or followed."""

    def __init__(self, http: Transport, base: str, command_id: str):
        self._http, self.id = http, command_id
        self._path = f"{base}/commands/{quote(command_id)}"

    def info(self, wait: float = 0) -> CommandResult:
        return CommandResult.of(self._http.request("GET", self._path, query={"wait": wait or None}, timeout=wait + 30).json())

    def wait(self, timeout: float = 600) -> CommandResult:
        deadline = time.monotonic() + timeout
        while True:
            r = self.info(wait=max(0.0, min(60.0, deadline - time.monotonic())))
            if r.done or time.monotonic() >= deadline:
                return r

    def output(self, stream: str = "stdout", offset: int = 0) -> bytes:
        return self._http.request("GET", self._path + "/logs", query={"stream": stream, "offset": offset}).body

    def follow(self, stream: str = "stdout") -> Iterator[bytes]:
        """The stream's bytes as they are written, from the start, until the command ends; resumed at the
        last byte after a dropped connection."""
        offset, event = 0, ""
        for _attempt in range(1000):
            try:
                for raw in self._http.stream(self._path + "/logs", {"stream": stream, "follow": "true", "offset": offset}, {}):
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("id:") and event == "output":
                        offset = int(line[3:].strip())
                    elif line.startswith("data:") and event == "output":
                        yield base64.b64decode(line[5:].strip())
                    elif line.startswith("data:") and event == "exit":
                        return
            except (OSError, TimeoutError):
                continue
            if self.info().done and len(self.output(stream, offset)) == 0:
                return

    def stdin(self, data: bytes | str, eof: bool = False) -> None:
        self._http.request("POST", self._path + "/stdin", body=data.encode() if isinstance(data, str) else data,
                           query={"eof": "true" if eof else None}, retry="connect")

    def signal(self, name: str = "INT") -> CommandResult:
        return CommandResult.of(self._http.request("POST", self._path + "/signal", json_body={"signal": name}, retry="connect").json())


class Session(Owned):
    """A persistent bash: commands run one at a time, each sourced into the same shell. Closing an
    owning handle (from ``sessions.create``) deletes the session."""

    def __init__(self, http: Transport, sandbox_id: str, session_id: str, owns: bool):
        self._http, self.id, self.sandbox_id, self._owns, self._closed = http, session_id, sandbox_id, owns, False
        self._path = self._base = f"/v1/sandboxes/{quote(sandbox_id)}/sessions/{quote(session_id)}"

    def info(self) -> Dict[str, Any]:
        return self._http.request("GET", self._base).json()

    def run(self, command: str, wait: float = 60, timeout: Optional[float] = None, stdin: Optional[str] = None) -> CommandResult:
        """Runs a script and waits up to ``wait`` seconds; a command still running is answered as it is (check ``done``)."""
        body: Dict[str, Any] = {"command": command, "waitSeconds": int(wait)}
        if timeout is not None:
            body["timeoutSeconds"] = int(timeout)
        if stdin is not None:
            body["stdin"] = stdin
        j = self._http.request("POST", self._base + "/commands", json_body=body, retry="connect", timeout=wait + 30).json()
        return CommandResult.of(j)

    def start(self, command: str, timeout: Optional[float] = None, keep_stdin_open: bool = False) -> Command:
        body: Dict[str, Any] = {"command": command, "async": True, "keepStdinOpen": keep_stdin_open}
        if timeout is not None:
            body["timeoutSeconds"] = int(timeout)
        j = self._http.request("POST", self._base + "/commands", json_body=body, retry="connect").json()
        return Command(self._http, self._base, j["id"])

    def command(self, command_id: str) -> Command:
        return Command(self._http, self._base, command_id)

    def set_env(self, **values: Optional[str]) -> Dict[str, Any]:
        return self._http.request("PUT", self._base + "/env", json_body={"vars": values}).json()

    def delete(self, keep_processes: bool = False) -> None:
        self._closed = True
        self._http.request("DELETE", self._base, query={"keepProcesses": "true" if keep_processes else None}, ok=(404,))


class Sessions:
    def __init__(self, http: Transport, sandbox_id: str):
        self._http, self._sandbox = http, sandbox_id
        self._base = f"/v1/sandboxes/{quote(sandbox_id)}/sessions"

    def create(self, cwd: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> Session:
        body: Dict[str, Any] = {k: v for k, v in {"cwd": cwd, "env": dict(env) if env else None}.items() if v is not None}
        j = self._http.request("POST", self._base, json_body=body, retry="connect").json()
        return Session(self._http, self._sandbox, j["id"], owns=True)

    def list(self) -> List[Dict[str, Any]]:
        return self._http.request("GET", self._base).json()["sessions"]

    def attach(self, session_id: str) -> Session:
        return Session(self._http, self._sandbox, session_id, owns=False)


class Sandbox(Owned):
    """A handle to one sandbox. Closing an owning handle (from ``sandboxes.create``) deletes the sandbox;
    use it as a context manager."""

    def __init__(self, http: Transport, info: SandboxInfo | str, owns: bool):
        self._http = http
        self.id = info if isinstance(info, str) else info.id
        self._info = None if isinstance(info, str) else info
        self._owns, self._closed = owns, False
        self._path = f"/v1/sandboxes/{quote(self.id)}"
        self.files = Files(http, self.id)
        self.sessions = Sessions(http, self.id)

    @property
    def info(self) -> SandboxInfo:
        return self._info or self.refresh()

    def refresh(self) -> SandboxInfo:
        self._info = SandboxInfo.of(self._http.request("GET", self._path).json())
        return self._info

    def exec(self, command: str | Sequence[str], cwd: Optional[str] = None, env: Optional[Mapping[str, str]] = None,
             stdin: Optional[str] = None, timeout: Optional[float] = None) -> ExecResult:
        """Runs a command line (``sh -c``) or an argv list to completion. Not retried once sent."""
        body: Dict[str, Any] = {"command": command} if isinstance(command, str) else {"argv": list(command)}
        body.update({k: v for k, v in {"cwd": cwd, "env": dict(env) if env else None, "stdin": stdin,
                                       "timeoutSeconds": None if timeout is None else int(timeout)}.items() if v is not None})
        j = self._http.request("POST", self._path + "/exec", json_body=body, retry="connect", timeout=(timeout or 60) + 30).json()
        return ExecResult(j["exitCode"], j.get("stdout", ""), j.get("stderr", ""), j.get("durationMs", 0), bool(j.get("timedOut")),
                          bool(j.get("truncated")), bool(j.get("resumed")))

    def stop(self) -> SandboxInfo:
        return self._lifecycle("stop")

    def start(self) -> SandboxInfo:
        return self._lifecycle("start")

    def restart(self) -> SandboxInfo:
        return self._lifecycle("restart")

    def pause(self) -> SandboxInfo:
        """Freezes every process (memory, files, address and sessions kept, no CPU used) until ``resume()``, or until
        the next exec, session command or file call, which resumes it first."""
        return self._lifecycle("pause")

    def resume(self) -> SandboxInfo:
        return self._lifecycle("resume")

    def snapshot(self, name: Optional[str] = None, labels: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
        """Saves this sandbox's files (frozen for the copy, then thawed; a stopped one is copied as it was left and stays
        stopped) as a read-only snapshot, answered as the server's
        JSON (``id``, ``name``, ``depth``, ``sizeBytes``, ``memory: false``…). Processes and memory are not saved.
        Not retried once sent (it would take two)."""
        body = {k: v for k, v in {"name": name, "labels": dict(labels) if labels else None}.items() if v is not None}
        return self._http.request("POST", f"{self._path}/snapshots", json_body=body, retry="connect").json()

    def fork(self, count: int, labels: Optional[Mapping[str, str]] = None) -> List["Sandbox"]:
        """Snapshots this sandbox and makes ``count`` (1..50) sandboxes from that state, all or none: owning handles
        (closing one deletes that sandbox). Running processes are not copied."""
        body: Dict[str, Any] = {"count": int(count)}
        if labels:
            body["labels"] = dict(labels)
        j = self._http.request("POST", f"{self._path}/fork", json_body=body, retry="connect", timeout=300).json()
        return [Sandbox(self._http, SandboxInfo.of(s), owns=True) for s in j["sandboxes"]]

    def _lifecycle(self, what: str) -> SandboxInfo:
        self._info = SandboxInfo.of(self._http.request("POST", f"{self._path}/{what}").json())
        return self._info

    def desktop(self) -> "Computer":
        """Computer use on this sandbox's desktop (created with ``desktop``)."""
        from .computer import Computer
        return Computer(self._http, f"{self._path}/desktop/actions")

    def ports(self) -> List[Dict[str, Any]]:
        """The TCP ports something listens on in this sandbox now, sorted, one per port: ``port``, ``address``, ``family``
        ("ipv4"/"ipv6"), ``path`` (opens it with the API token), ``warren`` (True for Warren's own listeners, whose
        ``service`` says what they are: "vnc", "devtools")."""
        return self._http.request("GET", f"{self._path}/ports").json()["ports"]

    def mint_preview_url(self, port: int, access: str = "token", ttl: int = 3600) -> Dict[str, Any]:
        """A shareable URL of ``port`` of this sandbox: ``access`` "public" (anyone holding it) or "token" (with an API
        token too), for ``ttl`` seconds (at most 7 days). Answers the server's JSON: ``id``, ``url`` (and ``hostUrl`` with a
        preview domain), ``expiresAt``; the URL is shown only here. Not retried once sent (it would mint two)."""
        return self._http.request("POST", f"{self._path}/ports/{int(port)}/url", json_body={"access": access, "ttlSeconds": int(ttl)},
                                  retry="connect").json()

    def preview_urls(self, port: int) -> List[Dict[str, Any]]:
        """The preview URLs of ``port`` that still open (without their secrets)."""
        return self._http.request("GET", f"{self._path}/ports/{int(port)}/url").json()["urls"]

    def revoke_preview_url(self, port: int, url_id: str) -> bool:
        """Revokes a preview URL; False when ``port`` has no such URL still open."""
        return self._http.request("DELETE", f"{self._path}/ports/{int(port)}/url/{quote(url_id)}", ok=(404,)).status != 404



class Sandboxes:
    def __init__(self, http: Transport):
        self._http = http

    def create(self, image: Optional[str] = None, env: Optional[Mapping[str, str]] = None, labels: Optional[Mapping[str, str]] = None,
               memory_mb: Optional[int] = None, cpus: Optional[float] = None, pids: Optional[int] = None,
               allow_egress: Optional[Sequence[str]] = None, upstream_proxy: Optional[str] = None,
               idle_timeout: Optional[int] = None, desktop: Optional[Tuple[int, int]] = None,
               reach: Optional[Sequence[str]] = None, idle_action: Optional[str] = None,
               paused_timeout: Optional[int] = None, snapshot: Optional[str] = None,
               volumes: Optional[Sequence[Mapping[str, Any]]] = None, runtime: Optional[str] = None) -> Sandbox:
        """Creates a sandbox and answers an owning handle once it runs; retries carry one Idempotency-Key. ``desktop=(width,
        height)`` gives it a virtual display (an image with Xvfb and x11vnc, e.g. ``browser``) for ``sandbox.desktop()``.

        ``reach`` names other sandboxes whose apps this one may open (``sbx_…:3000`` one port, ``sbx_…`` every port),
        at ``http://sbx_…:3000/`` or their address; it goes in ``egress.reach``.

        ``idle_action="pause"`` pauses the sandbox after ``idle_timeout`` seconds without use instead of stopping it;
        ``paused_timeout`` then stops one left paused that long.

        ``snapshot`` (an id or name) starts it from a snapshot's files (``sandbox.snapshot()``); the image is then the
        snapshot's.

        ``volumes=[{"name": "cache", "path": "/root/.cache", "readOnly": False}]`` mounts volumes (``warren.volumes``).

        ``runtime="microvm"`` runs it in a virtual machine with its own kernel (``"crun"``: a container); the server's
        ``WARREN_RUNTIME`` otherwise. A runtime the server lacks answers 503 saying what is missing."""
        body: Dict[str, Any] = {k: v for k, v in {"image": image, "env": dict(env) if env else None,
                                                  "labels": dict(labels) if labels else None, "idleTimeoutSeconds": idle_timeout,
                                                  "idleAction": idle_action, "pausedTimeoutSeconds": paused_timeout,
                                                  "snapshot": snapshot, "runtime": runtime}.items()
                                if v is not None}
        limits = {k: v for k, v in {"memoryMb": memory_mb, "cpus": cpus, "pids": pids}.items() if v is not None}
        if limits:
            body["limits"] = limits
        egress = egress_body(allow_egress, upstream_proxy, reach)
        if egress:
            body["egress"] = egress
        if desktop is not None:
            body["desktop"] = {"width": int(desktop[0]), "height": int(desktop[1])}
        if volumes:
            body["volumes"] = [dict(v) for v in volumes]
        j = self._http.request("POST", "/v1/sandboxes", json_body=body, retry="idempotent").json()
        return Sandbox(self._http, SandboxInfo.of(j), owns=True)

    def get(self, sandbox_id: str) -> Optional[Sandbox]:
        try:
            return Sandbox(self._http, SandboxInfo.of(self._http.request("GET", f"/v1/sandboxes/{quote(sandbox_id)}").json()), owns=False)
        except NotFoundError:
            return None

    def list(self, labels: Optional[Mapping[str, str]] = None, state: Optional[str] = None) -> List[Sandbox]:
        q = {"label": [f"{k}={v}" for k, v in (labels or {}).items()] or None, "state": state}
        return [Sandbox(self._http, SandboxInfo.of(s), owns=False) for s in self._http.request("GET", "/v1/sandboxes", query=q).json()["sandboxes"]]

    def attach(self, sandbox_id: str, owns: bool = False) -> Sandbox:
        return Sandbox(self._http, sandbox_id, owns=owns)

    def delete(self, sandbox_id: str) -> bool:
        return self._http.request("DELETE", f"/v1/sandboxes/{quote(sandbox_id)}", ok=(404,)).status != 404


def _abs(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"path must be absolute inside the sandbox, got {path!r}")
    return path


class Snapshots:
    """Snapshots of sandboxes' files (``sandbox.snapshot()``), as the server's JSON."""

    def __init__(self, http: Transport):
        self._http = http

    def list(self, labels: Optional[Mapping[str, str]] = None) -> List[Dict[str, Any]]:
        q = {"label": [f"{k}={v}" for k, v in (labels or {}).items()] or None}
        return self._http.request("GET", "/v1/snapshots", query=q).json()["snapshots"]

    def get(self, id_or_name: str) -> Optional[Dict[str, Any]]:
        try:
            return self._http.request("GET", f"/v1/snapshots/{quote(id_or_name)}").json()
        except NotFoundError:
            return None

    def delete(self, id_or_name: str) -> bool:
        """Deletes a snapshot; False when there is none. ConflictError while a sandbox from it exists."""
        return self._http.request("DELETE", f"/v1/snapshots/{quote(id_or_name)}", ok=(404,)).status != 404
