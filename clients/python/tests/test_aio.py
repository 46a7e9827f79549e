"""The asyncio view of the SDK against a real Warren."""
import asyncio
import os
import unittest

from warren import InvalidInputError
from warren.aio import AsyncWarren


class AsyncTest(unittest.IsolatedAsyncioTestCase):
    async def test_the_same_calls_are_awaitable_and_handles_close_with_async_with(self):
        async with AsyncWarren(os.environ["WARREN_URL"], os.environ["WARREN_TOKEN"]) as w:
            async with await w.sandboxes.create(memory_mb=256) as sbx:
                sid = sbx.id
                r1, r2 = await asyncio.gather(sbx.exec("echo one"), sbx.exec("echo two"))
                self.assertEqual((r1.stdout, r2.stdout), ("one\n", "two\n"))
                sh = await sbx.sessions.create()
                job = await sh.start("for i in 1 2; do echo tick-$i; done")
                chunks = [c async for c in await job.follow()]
                self.assertEqual(b"".join(chunks), b"tick-1\ntick-2\n")
                self.assertIn(sid, [s.id for s in await w.sandboxes.list()])
            self.assertIsNone(await w.sandboxes.get(sid))
            with self.assertRaises(InvalidInputError):
                await w.sandboxes.create(memory_mb=1)


if __name__ == "__main__":
    unittest.main()
