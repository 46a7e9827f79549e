"""Computer use: the actions of agents' computer-use tools on a desktop sandbox or a browser's page (docs/computer-use.md)."""
from __future__ import annotations

import base64
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._http import Transport


class Computer:
    """``sandbox.desktop()`` or ``browser.computer()``: the same actions on both. Coordinates are pixels of the screen, or of
    ``screen=(width, height)`` when given: screenshots come at that size and coordinates are mapped back. Input is not
    retried once sent. A handoff in progress refuses the agent's actions (ConflictError naming it)."""

    def __init__(self, http: Transport, path: str, screen: Optional[Tuple[int, int]] = None):
        self._http, self._path, self.screen = http, path, screen

    def scaled_to(self, width: int, height: int) -> "Computer":
        return Computer(self._http, self._path, (int(width), int(height)))

    def perform(self, actions: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
        """Several actions run in order in one call (nothing runs when one is refused); answers the server's JSON:
        ``results`` (screenshots with base64 ``data``), ``screen`` and ``display``."""
        body: Dict[str, Any] = {"actions": [dict(a) for a in actions]}
        if self.screen:
            body["screen"] = {"width": self.screen[0], "height": self.screen[1]}
        return self._http.request("POST", self._path, json_body=body, retry="connect", timeout=120).json()

    def _one(self, action: Dict[str, Any]) -> Dict[str, Any]:
        return self.perform([action])["results"][0]

    def screenshot(self) -> bytes:
        """The screen as PNG bytes."""
        return base64.b64decode(self._one({"action": "screenshot"})["data"])

    def mouse_move(self, x: int, y: int) -> None:
        self._one({"action": "mouse_move", "x": x, "y": y})

    def click(self, x: int, y: int, button: str = "left", count: int = 1) -> None:
        self._one({"action": "click", "x": x, "y": y, "button": button, "count": count})

    def drag(self, path: Sequence[Tuple[int, int]]) -> None:
        self._one({"action": "drag", "path": [{"x": x, "y": y} for x, y in path]})

    def scroll(self, x: int, y: int, dx: int = 0, dy: int = 0) -> None:
        self._one({"action": "scroll", "x": x, "y": y, "dx": dx, "dy": dy})

    def key(self, keys: str) -> None:
        """xdotool-style keys: ``"Return"``, ``"ctrl+shift+t"``, several chords separated by spaces."""
        self._one({"action": "key", "keys": keys})

    def type(self, text: str) -> None:
        self._one({"action": "type", "text": text})

    def cursor_position(self) -> Tuple[int, int]:
        r = self._one({"action": "cursor_position"})
        return r["x"], r["y"]

    def wait(self, ms: int) -> None:
        self._one({"action": "wait", "ms": int(ms)})
