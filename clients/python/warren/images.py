"""Images sandboxes are made from: the built-in ones (``base``, ``browser``) and your own, imported from an
OCI image layout or a ``docker save`` tarball, or pulled from a registry (docs/api.md, "Images")."""
from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
import tarfile
import tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from ._http import Response, Transport
from .errors import NotFoundError, UnavailableError


def _owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """A context member as the server wants it: modes kept, owners and their names left out."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _path(name: str) -> str:
    """An image name as the end of a path: ``team/tools:1`` keeps its slashes, nothing else can leave it."""
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"not an image name: {name!r}")
    return urllib.parse.quote(name, safe="/:")


class Images:
    """``list``, ``get``, ``import_image``, ``pull``, ``export``, ``build``, ``get_build``, ``prune``, ``delete``. A user image is ``name[:tag]`` (``latest`` when
    left out); a sandbox made from it (``sandboxes.create(image=…)``) keeps that image when the tag later names another.
    Answers are the server's JSON: ``name``, ``kind`` (``builtin`` or ``user``), ``digest``, ``sizeBytes``, ``createdAt``,
    ``source``, ``layers``, ``config`` (``env``, ``workingDir``, ``user``, ``entrypoint``, ``cmd``), ``usedBy``."""

    def __init__(self, http: Transport):
        self._http = http

    def list(self) -> List[Dict[str, Any]]:
        """The built-in images, then the user images by name and tag."""
        return self._http.request("GET", "/v1/images").json()["images"]

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        try:
            return self._http.request("GET", "/v1/images/" + _path(name)).json()
        except NotFoundError:
            return None

    def import_image(self, file: str | os.PathLike[str], name: str, timeout: float = 3600) -> Dict[str, Any]:
        """Imports the archive ``file`` (an OCI image layout or a ``docker save`` tarball, as a tar file) as ``name``,
        streamed from disk. InvalidInputError naming ``name`` (a bad name) or ``body`` (not an image, an unsafe layer);
        a WarrenError with status 413 over the server's limit. Not retried once its bytes are on their way."""
        size = os.path.getsize(file)
        with open(file, "rb") as f:
            return self._send("POST", "/v1/images/import?" + urllib.parse.urlencode({"name": name}), f, size, timeout).json()

    def pull(self, reference: str, name: Optional[str] = None, timeout: float = 3600, *,
             username: Optional[str] = None, password: Optional[str] = None) -> Dict[str, Any]:
        """Pulls ``reference`` (e.g. ``docker.io/library/python:3.12``) from its registry, or the server's mirror, as
        ``name`` (default: the reference's repository and tag). ``username`` and ``password`` (or a token) are for a
        registry that wants credentials: the server gives them to that registry for this pull only; a registry that
        refuses them answers UnauthorizedError (403, its message names the registry)."""
        body: Dict[str, Any] = {"reference": reference}
        if name is not None:
            body["name"] = name
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if username is not None:
            body["credentials"] = {"username": username, "password": password}
        return self._http.request("POST", "/v1/images/pull", json_body=body, retry="connect", timeout=timeout).json()

    def export(self, name: str, file: str | os.PathLike[str], timeout: float = 3600) -> int:
        """Writes the image to ``file`` as a tar of an OCI image layout (with a ``docker save`` manifest.json too);
        returns its size in bytes. NotFoundError when there is no such image."""
        req = self._request("POST", "/v1/images/export", json.dumps({"name": name}).encode(), "application/json")
        tmp = os.fspath(file) + ".part"
        try:
            with self._open(req, timeout, "POST", "/v1/images/export") as r, open(tmp, "wb") as out:
                shutil.copyfileobj(r, out, 1 << 20)
            os.replace(tmp, file)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return os.path.getsize(file)

    def build(self, name: str, context: str | os.PathLike[str], dockerfile: str = "Dockerfile",
              build_args: Optional[Mapping[str, str]] = None, allow: Sequence[str] = (),
              progress: Optional[Callable[[str, Dict[str, Any]], None]] = None, timeout: float = 7200) -> Dict[str, Any]:
        """Builds the Dockerfile in the directory ``context`` (sent as a tar; the server leaves out what its ``.dockerignore``
        names) as ``name``, step by step in sandboxes, calling ``progress(event, data)`` with each ``step`` (a step's new
        status) and ``output`` (``{"step", "line"}``, a line a RUN printed); returns the build once it ended (``state``
        ``succeeded`` or ``failed``, ``steps`` with status, times, a failed RUN's ``exitCode`` and ``output``). A failed step
        does not raise; InvalidInputError for a Dockerfile the server cannot build (naming the line). ``allow``: hosts RUN
        steps may reach through the egress proxy."""
        if not os.path.isdir(context):
            raise ValueError(f"no build context directory at {context!r}")
        query: List[tuple] = [("name", name), ("dockerfile", dockerfile), ("async", "true")]
        query += [("buildArg", f"{k}={v}") for k, v in (build_args or {}).items()]
        query += [("allow", h) for h in allow]
        with tempfile.TemporaryFile(suffix=".tar") as f:
            with tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as t:
                for entry in sorted(os.listdir(context)):
                    t.add(os.path.join(context, entry), arcname=entry, recursive=True,
                          filter=lambda i: _owned_by_root(i))
            size = f.tell()
            f.seek(0)
            started = self._send("POST", "/v1/images?" + urllib.parse.urlencode(query), f, size, timeout).json()
        path = "/v1/images/" + _path(name) + "/builds/" + started["id"]
        event = ""
        for raw in self._http.stream(path + "/logs", {"follow": "true"}, {}):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                if event == "done":
                    break
                if progress is not None and event in ("step", "output"):
                    progress(event, json.loads(line[5:].strip()))
        return self.get_build(name, started["id"])

    def get_build(self, name: str, build_id: str) -> Optional[Dict[str, Any]]:
        """The build ``build_id`` of ``name``: ``id``, ``state``, ``digest``, ``error``, ``steps``; None when there is none."""
        try:
            return self._http.request("GET", "/v1/images/" + _path(name) + "/builds/" + urllib.parse.quote(build_id, safe="")).json()
        except NotFoundError:
            return None

    def prune(self) -> Dict[str, int]:
        """Empties the build cache (``steps`` and ``files`` removed); ConflictError while a build runs."""
        return self._http.request("POST", "/v1/images/prune", json_body={}).json()

    def delete(self, name: str) -> bool:
        """Deletes the tag; False when there was none; ConflictError (naming them) while sandboxes or snapshots need it."""
        return self._http.request("DELETE", "/v1/images/" + _path(name), ok=(404,)).status != 404

    def _request(self, method: str, path: str, data: Any, content_type: str, size: Optional[int] = None) -> urllib.request.Request:
        if self._http.closed:
            raise RuntimeError("the Warren client is closed")
        headers = {"Authorization": f"Bearer {self._http.token}", "Content-Type": content_type}
        if size is not None:
            headers["Content-Length"] = str(size)
        return urllib.request.Request(self._http.base_url + path, data=data, method=method, headers=headers)

    def _send(self, method: str, path: str, f: Any, size: int, timeout: float) -> Response:
        req = self._request(method, path, f, "application/x-tar", size)
        with self._open(req, timeout, method, path) as r:
            return Response(r.status, r.read(), {k.lower(): v for k, v in r.headers.items()})

    def _open(self, req: urllib.request.Request, timeout: float, method: str, path: str) -> Any:
        try:
            return urllib.request.urlopen(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            raise Transport._error(method, path, Response(e.code, e.read(), {k.lower(): v for k, v in e.headers.items()})) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            raise UnavailableError(method, path, 0, {}, f"{method} {path} failed: {getattr(e, 'reason', e)}") from e

