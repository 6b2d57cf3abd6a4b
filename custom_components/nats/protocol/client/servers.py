"""The servers a client may connect to: those it was given, and those the cluster tells it of."""

from __future__ import annotations

from dataclasses import dataclass
import ipaddress
import random
from typing import Final
from urllib.parse import SplitResult, urlsplit

DEFAULT_PORT: Final = 4222
SCHEMES: Final = frozenset({"nats", "tls"})
"""Schemes this client speaks (websocket, ws:// and wss://, is nats-py's)."""


@dataclass(slots=True)
class Server:
    """One server of the pool."""

    url: SplitResult
    discovered: bool = False
    """Learned from the cluster's INFO rather than given."""
    attempts: int = 0
    """Failed connects since this server last accepted one."""
    last_attempt: float | None = None
    did_connect: bool = False
    tls_name: str | None = None
    """The name its TLS certificate must carry, when not its host."""

    @property
    def host(self) -> str:
        """Host name or address."""
        return self.url.hostname or "localhost"

    @property
    def server_hostname(self) -> str:
        """The name to verify its certificate against."""
        return self.tls_name or self.host

    @property
    def port(self) -> int:
        """TCP port."""
        return self.url.port or DEFAULT_PORT

    @property
    def address(self) -> str:
        """host:port, how the cluster names its servers."""
        return f"{self.host}:{self.port}"


def parse(url: str) -> SplitResult:
    """Return a server URL split, with nats:// added when it has no scheme."""
    parts = urlsplit(url if "://" in url else f"nats://{url}")
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{url}: this client speaks {', '.join(sorted(SCHEMES))}, not {parts.scheme}")
    if not parts.hostname:
        raise ValueError(f"{url}: no host")
    return parts


class ServerPool:
    """Servers in the order they are tried: the given ones (shuffled unless asked not to), then discovered."""

    def __init__(self, urls: list[str], *, randomize: bool) -> None:
        self.servers = [Server(parse(url)) for url in urls]
        if not self.servers:
            raise ValueError("no server given")
        if randomize:
            random.shuffle(self.servers)
        self.current: Server = self.servers[0]

    def next(self, max_attempts: int) -> Server | None:
        """Return the server to try next (round robin), or None when all used up their attempts."""
        start = self.servers.index(self.current) if self.current in self.servers else -1
        count = len(self.servers)
        for step in range(1, count + 1):
            server = self.servers[(start + step) % count]
            if max_attempts < 0 or server.attempts <= max_attempts:
                self.current = server
                return server
        return None

    def first(self) -> Server:
        """Start over from the first server (a new connect)."""
        self.current = self.servers[0]
        return self.current

    def learn(self, connect_urls: list[str], *, randomize: bool) -> list[str]:
        """Add the servers a cluster INFO names that the pool lacks; return their addresses."""
        known = {server.address for server in self.servers}
        scheme = self.current.url.scheme
        added = []
        for address in connect_urls:
            if address in known:
                continue
            try:
                url = parse(f"{scheme}://{address}")
            except ValueError:
                continue
            # The cluster names its peers by address; TLS still verifies the
            # name the client was given, as nats-py does.
            tls_name = self.current.server_hostname if _is_ip(url.hostname or "") else None
            server = Server(url, discovered=True, tls_name=tls_name)
            self.servers.append(server)
            known.add(server.address)
            added.append(address)
        if added and randomize:
            given = [s for s in self.servers if not s.discovered]
            found = [s for s in self.servers if s.discovered]
            random.shuffle(found)
            self.servers = given + found
        return added


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
