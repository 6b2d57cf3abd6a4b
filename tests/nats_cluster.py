"""A real nats-server cluster on loopback, JetStream on every node, for fail-over tests.

Each node is a NatsServer (tests/nats_server.py) on free ports with a
temporary store of its own; the routes join them into one cluster. A node
stops (or is killed) and starts again on the same ports and store, so
clients and the cluster find it again.
"""

from __future__ import annotations

import json
from pathlib import Path
import time
from typing import Any
import urllib.error
import urllib.request

from .nats_server import NatsServer, free_port


class NatsCluster:
    """`size` nats-servers routed into one cluster, JetStream everywhere unless `jetstream` is False."""

    def __init__(
        self, workdir: Path, size: int = 3, config: str = "", name: str = "home", *, jetstream: bool = True
    ) -> None:
        route_ports = [free_port() for _ in range(size)]
        routes = ", ".join(f'"nats-route://127.0.0.1:{port}"' for port in route_ports)
        self.nodes: list[NatsServer] = []
        for index, route_port in enumerate(route_ports):
            node_dir = workdir / f"node{index}"
            node_dir.mkdir(parents=True)
            self.nodes.append(
                NatsServer(
                    node_dir,
                    f"server_name: n{index}\n"
                    f'cluster {{ name: {name}, listen: "127.0.0.1:{route_port}", routes: [{routes}] }}\n'
                    f"{config}",
                    jetstream=jetstream,
                )
            )

    @property
    def urls(self) -> list[str]:
        """Client URL of every node."""
        return [node.url for node in self.nodes]

    def node_for(self, url: object) -> NatsServer:
        """Return the node a client URL (a string or a parsed URL with a port) points at."""
        port = getattr(url, "port", None) or int(str(url).rsplit(":", 1)[1])
        return next(node for node in self.nodes if node.port == port)

    def name_of(self, node: NatsServer) -> str:
        """Return a node's server name (n0, n1, ...), as JetStream's cluster reports name it."""
        return f"n{self.nodes.index(node)}"

    def running(self) -> list[NatsServer]:
        """Return the nodes whose process is running."""
        return [node for node in self.nodes if node.process is not None and node.process.poll() is None]

    def start(self, timeout: float = 15) -> None:
        """Start every node; return once JetStream has a meta leader every node knows."""
        for node in self.nodes:
            node.start()
        self.wait_healthy(timeout)

    def stop(self) -> None:
        """Stop every node that runs."""
        for node in self.nodes:
            node.stop()

    def kill(self, node: NatsServer) -> None:
        """Kill one node at once (SIGKILL): no goodbye to its clients or its routes."""
        if node.process is not None:
            node.process.kill()
            node.process.wait()
            node.process = None

    def wait_healthy(self, timeout: float = 15) -> None:
        """Wait until every running node reports JetStream healthy (meta leader known, streams current)."""
        deadline = time.monotonic() + timeout
        waiting = self.running()
        while waiting:
            waiting = [node for node in waiting if not _healthy(node)]
            if waiting and time.monotonic() > deadline:
                names = ", ".join(node.workdir.name for node in waiting)
                raise RuntimeError(f"JetStream not healthy within {timeout} s on {names}")
            if waiting:
                time.sleep(0.05)

    def jsz(self, node: NatsServer) -> dict[str, Any]:
        """Return a node's JetStream report (/jsz), with its streams."""
        return _monitor(node, "jsz?streams=true")


def _monitor(node: NatsServer, path: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{node.monitor_port}/{path}"
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (fixed http URL)
        report: dict[str, Any] = json.load(response)
    return report


def _healthy(node: NatsServer) -> bool:
    try:
        return _monitor(node, "healthz").get("status") == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False  # 503 while JetStream has no meta leader yet
