"""A scripted NATS server speaking the raw protocol, to check the firmware at the wire level."""

from __future__ import annotations

import asyncio
import json
import socket


class FakeServer:
    """A scripted NATS server speaking the raw protocol, to check the wire level."""

    def __init__(
        self, sock: socket.socket | None = None, limit: int = 2**16, info: dict[str, object] | None = None
    ) -> None:
        """Listen on sock (a fresh loopback port if None); limit bounds what is read ahead; info adds to INFO."""
        self.connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.server: asyncio.Server | None = None
        self.port = 0
        self._sock = sock
        self._limit = limit
        self._info = {
            "server_id": "fake",
            "version": "2.15.1",
            "headers": True,
            "max_payload": 1048576,
            **(info or {}),
        }

    async def __aenter__(self) -> FakeServer:
        """Start listening."""

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self.connections.put((reader, writer))

        if self._sock is not None:
            self.server = await asyncio.start_server(accept, sock=self._sock, limit=self._limit)
        else:
            self.server = await asyncio.start_server(accept, "127.0.0.1", 0, limit=self._limit)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop listening and close what is still open."""
        assert self.server is not None
        self.server.close()
        while not self.connections.empty():
            _, writer = self.connections.get_nowait()
            writer.close()

    async def accept(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The next connection from the firmware, INFO already sent."""
        reader, writer = await asyncio.wait_for(self.connections.get(), 10)
        writer.write(f"INFO {json.dumps(self._info, separators=(',', ':'))}\r\n".encode())
        await writer.drain()
        return reader, writer


async def readline(reader: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(reader.readline(), 10)).decode()
