"""Volumes: filesystems that outlive sandboxes, mounted at a sandbox's create (``sandboxes.create(volumes=[…])``)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from ._http import Transport
from .errors import NotFoundError

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def _name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"volume names are 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit; got {name!r}")
    return name


class Volumes:
    """``create``, ``list``, ``get``, ``delete``. A volume's size is enforced by the kernel; it has one read-write mount at
    a time and any number of read-only ones. Answers are the server's JSON: ``name``, ``sizeMb``, ``usedBytes``,
    ``createdAt``, ``mountedBy`` (``sandboxId``, ``path``, ``readOnly``), ``problem``."""

    def __init__(self, http: Transport):
        self._http = http

    def create(self, name: str, size_mb: int) -> Dict[str, Any]:
        """Makes an empty volume of ``size_mb`` MiB (16..1048576); ConflictError when the name is taken. Not retried once sent."""
        return self._http.request("POST", "/v1/volumes", json_body={"name": _name(name), "sizeMb": int(size_mb)}, retry="connect").json()

    def list(self) -> List[Dict[str, Any]]:
        return self._http.request("GET", "/v1/volumes").json()["volumes"]

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        try:
            return self._http.request("GET", f"/v1/volumes/{quote(_name(name))}").json()
        except NotFoundError:
            return None

    def delete(self, name: str) -> bool:
        """Deletes the volume and its files; False when there was none; ConflictError (naming them) while sandboxes mount it."""
        return self._http.request("DELETE", f"/v1/volumes/{quote(_name(name))}", ok=(404,)).status != 404
