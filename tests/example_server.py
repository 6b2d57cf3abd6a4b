"""nats-server started from one of examples/nats-server, with the test's own ports and directories."""

from __future__ import annotations

from collections.abc import Iterator
import os
from pathlib import Path
import socket
import subprocess
import time

import pytest

from .nats_server import free_port, server_binary

EXAMPLES = Path(__file__).parent.parent / "examples" / "nats-server"


class ExampleServer:
    """nats-server running an example with its ports, hosts and directories replaced by the test's."""

    def __init__(self, workdir: Path, name: str, **replace: str) -> None:
        self.workdir = workdir
        self.port, self.monitor_port = free_port(), free_port()
        text = (EXAMPLES / name).read_text()
        text = text.replace('"0.0.0.0:4222"', f'"127.0.0.1:{self.port}"')
        text = text.replace('"127.0.0.1:8222"', f'"127.0.0.1:{self.monitor_port}"')
        text = text.replace('"./nats-data"', f'"{workdir / "store"}"').replace(
            '"./hub-data"', f'"{workdir / "store"}"'
        )
        for old, new in replace.items():
            assert old in text, f"{name} has no {old!r}"
            text = text.replace(old, new)
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / name
        self.config.write_text(text)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Client URL of the server."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str] | None = None) -> None:
        """Start the server and wait until it accepts connections."""
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [server_binary(), "-c", str(self.config)],
            stdout=log,
            stderr=log,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.workdir / "server.log").read_text()[-2000:]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{self.config.name} did not start")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def hub_and_home(tmp_path: Path) -> Iterator[tuple[ExampleServer, ExampleServer]]:
    """hub.conf and leaf-home.conf on loopback, the home linked to the hub as a leaf node."""
    hub, home = start_hub_and_home(tmp_path)
    yield hub, home
    home.stop()
    hub.stop()


def start_hub_and_home(workdir: Path) -> tuple[ExampleServer, ExampleServer]:
    """Start hub.conf and leaf-home.conf on loopback, the home linked to the hub as a leaf node."""
    leaf_port = free_port()
    hub = ExampleServer(workdir / "hub", "hub.conf", **{'"0.0.0.0:7422"': f'"127.0.0.1:{leaf_port}"'})
    home = ExampleServer(
        workdir / "home", "leaf-home.conf", **{"hub.example.com:7422": f"127.0.0.1:{leaf_port}"}
    )
    hub.start()
    home.start()
    return hub, home
