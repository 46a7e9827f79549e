"""The same client for asyncio: every call of the sync client runs in a worker thread (``asyncio.to_thread``).

    async with AsyncWarren(url, token) as w:
        async with await w.sandboxes.create(memory_mb=256) as sbx:
            r = await sbx.exec("echo hi")
            async for chunk in await (await (await sbx.sessions.create()).start("make")).follow():
                ...
"""
from __future__ import annotations

import asyncio
import types
from typing import Any, AsyncIterator, Iterator

from . import Warren
from .browsers import Actions, Browser, Browsers, Handoff, Profiles
from .images import Images
from .sandboxes import Command, Files, Sandbox, Sandboxes, Session, Sessions

_HANDLES = (Sandboxes, Sandbox, Files, Sessions, Session, Command, Browsers, Browser, Actions, Handoff, Profiles, Images)
_DONE = object()


class Async:
    """An awaitable view of a handle: its methods are coroutines, its handles are views too, its
    generators async iterators; ``async with`` closes it (deleting what it owns)."""

    def __init__(self, target: Any):
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return wrap(value)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return wrap(await asyncio.to_thread(value, *args, **kwargs))
        return call

    async def __aenter__(self) -> "Async":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self._target.close)


def wrap(value: Any) -> Any:
    if isinstance(value, _HANDLES):
        return Async(value)
    if isinstance(value, types.GeneratorType):
        return _iterate(value)
    if isinstance(value, list) and value and isinstance(value[0], _HANDLES):
        return [Async(v) for v in value]
    return value


async def _iterate(gen: Iterator[Any]) -> AsyncIterator[Any]:
    while (item := await asyncio.to_thread(next, gen, _DONE)) is not _DONE:
        yield item


class AsyncWarren(Async):
    """``Warren`` for asyncio; takes the same arguments."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(Warren(*args, **kwargs))
