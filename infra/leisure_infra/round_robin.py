"""A round-robin TCP proxy on loopback: several instances of a service behind one address, as a
load balancer (compose's service DNS, Kubernetes' Service) puts them in production.

It balances connections, not requests: a client that keeps one connection open talks to one
instance, as it would behind a TCP load balancer. Tests that want every request balanced open a
connection per request.
"""

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence

HOST = "127.0.0.1"
CHUNK = 65536


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.close()


class RoundRobinProxy:
    """Each accepted connection goes to the next of `targets` ((host, port) pairs) in turn."""

    def __init__(self, targets: Sequence[tuple[str, int]]) -> None:
        self.targets = list(targets)
        self.connections = [0] * len(self.targets)
        """Connections passed to each target so far."""
        self._next = itertools.cycle(range(len(self.targets)))
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{HOST}:{port}"

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        target = next(self._next)
        self.connections[target] += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.targets[target])
        except OSError:
            client_writer.close()  # the client sees a reset, as behind a balancer with a dead target
            return
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))

    def _track(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._accept(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self, port: int = 0) -> "RoundRobinProxy":
        self._server = await asyncio.start_server(self._track, HOST, port)
        return self

    async def stop(self) -> None:
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


@contextlib.asynccontextmanager
async def round_robin(targets: Sequence[tuple[str, int]], port: int = 0) -> AsyncIterator[RoundRobinProxy]:
    proxy = await RoundRobinProxy(targets).start(port)
    try:
        yield proxy
    finally:
        await proxy.stop()
