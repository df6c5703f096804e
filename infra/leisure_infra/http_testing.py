"""A real HTTP server in the test's event loop, for what a service calls out to (an integrator's
webhook receiver, an SMS gateway). Test-only: aiohttp comes with the workspace's dev group."""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

HOST = "127.0.0.1"


@contextlib.asynccontextmanager
async def serving(path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                  port: int = 0) -> AsyncIterator[str]:
    """Serve `handler` for POSTs to `path` on loopback (`port` 0: any free one); yields the URL."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    try:
        host, bound = runner.addresses[0][:2]
        yield f"http://{host}:{bound}{path}"
    finally:
        await runner.cleanup()
