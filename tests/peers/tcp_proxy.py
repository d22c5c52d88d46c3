"""A TCP proxy that can play a restarting server: cut every connection, refuse new ones, then accept again.

The tests share the machine's PostgreSQL with other tests and developers, so they never restart it. Putting
this proxy between the bot and PostgreSQL gives the bot the same experience: its open connections die
mid-conversation, new ones are refused (ECONNREFUSED, as while the server is down), and later succeed.
"""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 65536


class TcpProxy:
    """Listens on 127.0.0.1 (port 0 at first, then that same port) and forwards to one target."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host, self.target_port = target_host, target_port
        self.port = 0
        self.accepted = 0  # client connections taken, for asserting that the bot reconnected
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def is_accepting(self) -> bool:
        return self._server is not None

    async def accept(self) -> None:
        """Listen (again, on the same port): the server is back."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
            self.port = int(self._server.sockets[0].getsockname()[1])

    async def refuse(self) -> None:
        """The server goes down: stop listening and reset every open connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        if self._pipes:
            await asyncio.gather(*self._pipes, return_exceptions=True)

    async def close(self) -> None:
        await self.refuse()

    async def __aenter__(self) -> TcpProxy:
        await self.accept()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        writers = (client_writer, upstream_writer)
        for writer in writers:
            self._transports.add(writer.transport)
        pipes = [
            asyncio.create_task(self._pipe(client_reader, upstream_writer)),
            asyncio.create_task(self._pipe(upstream_reader, client_writer)),
        ]
        self._pipes.update(pipes)
        try:
            await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._pipes.difference_update(pipes)
            for writer in writers:
                self._transports.discard(writer.transport)
                writer.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy one direction until either side closes; then the other direction is closed too."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await reader.read(CHUNK):
                writer.write(chunk)
                await writer.drain()
        writer.transport.abort()
