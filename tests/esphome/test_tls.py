"""The host firmware over TLS against a real nats-server, and every way TLS can fail.

examples/esphome/host.yaml is built once for every host test; on the host
platform TLS is always compiled in and its environment hands it the PEM
files (NATS_TLS_CA, NATS_TLS_CERT, NATS_TLS_KEY, NATS_TLS_SKIP_CN_CHECK), so
TLS costs no firmware build of its own. The CA and the certificates are
generated per test (tests/certs.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import json
from pathlib import Path
import ssl
from typing import Any
import urllib.request

import nats
from nats.aio.client import Client
import pytest

from custom_components.nats.protocol.payloads import parse_announcement, parse_heartbeat, parse_reply

from ..certs import TestPki, make_pki
from ..nats_server import NatsServer
from .conftest import HostFirmware, HostFirmwareFactory
from .recorder import Recorder

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    """A CA, and the server's certificate for 127.0.0.1 signed by it."""
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[str], NatsServer]]:
    """Start nats-servers with the given configuration text."""
    servers: list[NatsServer] = []

    def _start(config: str) -> NatsServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        server = NatsServer(workdir, config, jetstream=False)
        server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def tls_block(pki: TestPki, *, verify: bool = False, extra: str = "") -> str:
    """nats-server's tls block: its certificate, and with verify the CA its clients' certificates need."""
    clients = f', ca_file: "{pki.ca_file}", verify: true' if verify else ""
    return f'tls {{ cert_file: "{pki.cert_file}", key_file: "{pki.key_file}"{clients} }}\n{extra}'


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text)
    return str(path)


def client_context(pki: TestPki) -> ssl.SSLContext:
    """The test's own client: trusts the CA and, for servers that verify, brings a certificate."""
    context = ssl.create_default_context(cadata=pki.ca_pem)
    cert, key = pki.client_cert("test-client")
    directory = pki.cert_file.parent
    context.load_cert_chain(
        write(directory, "test-client.pem", cert), write(directory, "test-client.key", key)
    )
    return context


def peer_certificates(server: NatsServer, name: str) -> list[dict[str, Any]]:
    """The certificates the server saw from the connection of that name (connz with auth details)."""
    url = f"http://127.0.0.1:{server.monitor_port}/connz?auth=1"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (fixed http URL)
        connections = json.load(response)["connections"] or []
    certs: list[dict[str, Any]] = next(c for c in connections if c.get("name") == name).get(
        "tls_peer_certs", []
    )
    return certs


def tls_env(pki: TestPki, client_cert: str | None = None, **extra: str) -> dict[str, str]:
    """The firmware's TLS environment: the CA, and a client certificate of that name if asked."""
    directory = pki.cert_file.parent
    env = {"NATS_TLS_CA": write(directory, "device-ca.pem", pki.ca_pem), **extra}
    if client_cert is not None:
        cert, key = pki.client_cert(client_cert)
        env["NATS_TLS_CERT"] = write(directory, f"{client_cert}.pem", cert)
        env["NATS_TLS_KEY"] = write(directory, f"{client_cert}.key", key)
    return env


@pytest.fixture
async def tls_server(start_server: Callable[[str], NatsServer], pki: TestPki) -> NatsServer:
    return start_server(tls_block(pki))


@pytest.fixture
async def client(tls_server: NatsServer, pki: TestPki) -> AsyncIterator[Client]:
    nc = await nats.connect(tls_server.url, tls=client_context(pki))
    yield nc
    await nc.close()


async def works(client: Client, firmware: HostFirmware) -> None:
    """Announce, state, heartbeat and a command round trip, all through the server."""
    bus = Recorder()
    await client.subscribe("home.>", cb=bus.handler)
    await client.flush()
    announce = await bus.wait_for(firmware.announce_subject, timeout=20)
    announcement = parse_announcement(announce.data, firmware.device_id)
    assert any(e.id == "relay" for e in announcement.entities)
    heartbeat = parse_heartbeat((await bus.wait_for(firmware.status_subject, timeout=10)).data)
    assert heartbeat.online
    mark = bus.mark()
    msg = await client.request(
        firmware.subject("switch", "relay", "command"), json.dumps({"state": "ON"}).encode(), timeout=5
    )
    reply = parse_reply(msg.data)
    assert (reply.ok, reply.state) == (True, {"state": "ON"})
    await bus.wait_for(
        firmware.subject("switch", "relay", "state"),
        lambda m: json.loads(m.data)["state"] == "ON",
        since=mark,
        timeout=5,
    )


async def test_connects_over_tls_and_works(
    tls_server: NatsServer, pki: TestPki, client: Client, host_firmware: HostFirmwareFactory
) -> None:
    """INFO in plain text, the handshake, CONNECT over TLS: announce, states and commands work."""
    firmware = host_firmware(tls_server.url, env=tls_env(pki))
    await works(client, firmware)
    log = await firmware.wait_log("Connected to")
    assert "TLS handshake done" in log
    await firmware.wait_log("TLS: yes (client certificate: NO, skip_cert_cn_check: NO)")
    connections = [c for c in tls_server.connections() if c.get("name") == firmware.device_id]
    assert len(connections) == 1
    assert connections[0].get("tls_version", "").startswith("1."), connections[0]


async def test_wrong_ca_is_refused_and_retried(
    tls_server: NatsServer, tmp_path: Path, host_firmware: HostFirmwareFactory
) -> None:
    """A CA that did not sign the server's certificate: a log line naming the server and why, then back-off."""
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    firmware = host_firmware(tls_server.url, env=tls_env(make_pki(other_dir)))
    server = f"127.0.0.1:{tls_server.port}"
    log = await firmware.wait_log(
        f"Cannot connect to {server}: TLS handshake failed: "
        "the server's certificate is not signed by certificate_authority",
    )
    # The reconnect back-off goes on: the next attempts fail the same way, quietly.
    while log.count("Next attempt in") < 2:
        log = await firmware.wait_log("Next attempt in")
    assert "Connected to" not in firmware.log()


async def test_name_mismatch_is_refused_unless_skipped(
    tls_server: NatsServer, pki: TestPki, client: Client, host_firmware: HostFirmwareFactory
) -> None:
    """Dialled as localhost, the 127.0.0.1 certificate does not match; skip_cert_cn_check accepts it."""
    url = f"localhost:{tls_server.port}"
    strict = host_firmware(url, device_id="strict", env=tls_env(pki))
    await strict.wait_log("TLS handshake failed: the server's certificate is not issued for this host name")
    relaxed = host_firmware(url, device_id="relaxed", env=tls_env(pki, NATS_TLS_SKIP_CN_CHECK="1"))
    await works(client, relaxed)
    assert "Connected to" not in strict.log()


async def test_mutual_tls(
    start_server: Callable[[str], NatsServer], pki: TestPki, host_firmware: HostFirmwareFactory
) -> None:
    """A server with verify: true takes the device with its client certificate, refuses it without."""
    server = start_server(tls_block(pki, verify=True))
    nc = await nats.connect(server.url, tls=client_context(pki))
    try:
        firmware = host_firmware(server.url, env=tls_env(pki, client_cert="kitchen"))
        await works(nc, firmware)
        await firmware.wait_log("TLS: yes (client certificate: YES")
        assert peer_certificates(server, firmware.device_id)[0]["subject"] == "CN=kitchen"

        # With TLS 1.2 (mbedTLS 2.28) the server refuses during the handshake;
        # with TLS 1.3 (mbedTLS 3) only after it, on the first read: one hint either way.
        anonymous = host_firmware(server.url, device_id="anonymous", env=tls_env(pki))
        log = await anonymous.wait_log("does it require a client certificate, or not accept this one?")
        assert f"Cannot connect to 127.0.0.1:{server.port}: " in log
        assert "Connected to" not in log
    finally:
        await nc.close()


async def test_server_requires_tls_but_none_is_configured(
    tls_server: NatsServer, host_firmware: HostFirmwareFactory
) -> None:
    """No certificate_authority, a server with tls_required: the log says what to set."""
    firmware = host_firmware(tls_server.url)
    log = await firmware.wait_log("the server requires TLS; set certificate_authority: in the nats: block")
    assert f"Cannot connect to 127.0.0.1:{tls_server.port}" in log
    assert "Connected to" not in log


async def test_tls_configured_but_server_offers_none(
    start_server: Callable[[str], NatsServer], pki: TestPki, host_firmware: HostFirmwareFactory
) -> None:
    """A plain server: the device does not fall back to sending its credentials in clear text."""
    server = start_server("")
    firmware = host_firmware(server.url, env=tls_env(pki))
    await firmware.wait_log("TLS is configured (certificate_authority) but the server does not offer TLS")
    await asyncio.sleep(0.5)
    assert not [c for c in server.connections() if c.get("name") == firmware.device_id]


async def test_tls_offered_but_not_required(
    start_server: Callable[[str], NatsServer], pki: TestPki, host_firmware: HostFirmwareFactory
) -> None:
    """allow_non_tls: the device with a CA upgrades (tls_available), one without connects in plain text."""
    server = start_server(tls_block(pki, extra="allow_non_tls: true"))
    nc = await nats.connect(server.url, tls=client_context(pki))
    try:
        secure = host_firmware(server.url.replace("tls://", "nats://"), device_id="secure", env=tls_env(pki))
        await works(nc, secure)
        assert "TLS handshake done" in secure.log()
        plain = host_firmware(server.url.replace("tls://", "nats://"), device_id="plain")
        await plain.wait_log("Connected to")
        assert "TLS handshake" not in plain.log()
        by_name = {c.get("name"): c for c in server.connections()}
        assert by_name["secure"].get("tls_version")
        assert not by_name["plain"].get("tls_version")
    finally:
        await nc.close()
