"""nats-server in operator (JWT) mode for a home made by `nats_home.operator.create_home`."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import nkeys

from nats_home.operator import HomeSetup, UserCredentials, create_home

from .nats_server import NatsServer


def operator_server(
    workdir: Path, prefix: str = "home", *, jetstream: bool = True, extra: str = ""
) -> tuple[NatsServer, HomeSetup]:
    """Return a started server trusting a fresh home's operator, with the full (updatable) resolver.

    `extra` is more server configuration (a tls block).
    """
    home = create_home(prefix)
    config = home.server_config(str(workdir / "jwt"))
    # NatsServer writes its own listen/JetStream lines; keep the operator part.
    body = "\n".join(line for line in config.splitlines() if not line.startswith(("port:", "#")))
    server = NatsServer(workdir, f"{body}\n{extra}", jetstream=jetstream)
    server.start()
    return server, home


def connect_options(creds: UserCredentials) -> dict[str, Any]:
    """nats.connect() keyword arguments that authenticate as `creds` without a file."""
    key = nkeys.from_seed(creds.seed.encode())
    return {
        "user_jwt_cb": lambda: creds.jwt.encode(),
        "signature_cb": lambda nonce: base64.b64encode(key.sign(nonce.encode())),
    }
