"""The host firmware keeps renewed user JWTs (docs/protocol.md, "Credentials") against a real nats-server.

The server runs in operator mode for a home made by `create_home`; the
firmware gets minted credentials through its environment (NATS_NKEY_SEED,
NATS_JWT, the "flashed" JWT) and its renewals from the test, sent as Home
Assistant's user of the home. The server is the judge of every JWT: it
closes a connection whose JWT expires and refuses one it does not trust.
The host keeps preferences in $HOME/.esphome/prefs/<node name>.prefs (HOME is
the test's directory, see conftest.start_firmware), so a restart of the
process finds the renewal again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import json
from pathlib import Path
import time

import nats
from nats.aio.client import Client
import pytest

from custom_components.nats.protocol import nats_jwt
from custom_components.nats.protocol.credentials import mint_device, renew_device, renewal_request
from custom_components.nats.protocol.operator import HomeSetup, UserCredentials, create_home

from ..nats_operator import connect_options, operator_server
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HostFirmware, HostFirmwareFactory

pytestmark = pytest.mark.timeout(180)

DEVICE = "kitchen"
# The minted JWT's lifetime: long enough for the firmware to connect and
# take its renewal on a loaded machine, short enough to watch it expire.
SHORT_LIFETIME = 6


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[tuple[NatsServer, HomeSetup]]:
    workdir = tmp_path / "server"
    workdir.mkdir()
    server, home = operator_server(workdir)
    yield server, home
    server.stop()


@pytest.fixture
async def home_assistant(operator: tuple[NatsServer, HomeSetup]) -> AsyncIterator[Client]:
    """A connection as the home's Home Assistant user: the one that sends renewals."""
    server, home = operator
    nc = await nats.connect(server.url, **connect_options(home.bundle.home_assistant))
    yield nc
    await nc.close()


def _start(host_firmware: HostFirmwareFactory, server: NatsServer, creds: UserCredentials) -> HostFirmware:
    return host_firmware(
        server.url, device_id=DEVICE, env={"NATS_NKEY_SEED": creds.seed, "NATS_JWT": creds.jwt}
    )


LOG_WAIT = 30
"""Seconds this module waits for a log line unless a test says otherwise."""


async def _heartbeat(client: Client, firmware: HostFirmware, timeout: float = 20) -> dict[str, object]:
    sub = await client.subscribe(firmware.status_subject)
    try:
        msg = await sub.next_msg(timeout=timeout)
        heartbeat: dict[str, object] = json.loads(msg.data)
        return heartbeat
    finally:
        await sub.unsubscribe()


async def _renew(client: Client, firmware: HostFirmware, jwt: str) -> dict[str, object]:
    msg = await client.request(firmware.subject("credentials"), renewal_request(jwt), timeout=5)
    reply: dict[str, object] = json.loads(msg.data)
    return reply


async def _works(client: Client, firmware: HostFirmware) -> None:
    """A command is carried out and its state published: the device is in with full permissions."""
    states = await client.subscribe(firmware.subject("switch", "relay", "state"))
    try:
        for wanted in ("ON", "OFF"):
            msg = await client.request(
                firmware.subject("switch", "relay", "command"),
                json.dumps({"state": wanted}).encode(),
                timeout=5,
            )
            reply = json.loads(msg.data)
            assert reply["ok"] is True, reply
            assert reply["state"]["state"] == wanted
            while json.loads((await states.next_msg(timeout=5)).data)["state"] != wanted:
                pass
    finally:
        await states.unsubscribe()


def _prefs(tmp_path: Path) -> Path:
    return tmp_path / ".esphome" / "prefs" / f"{HOST_DEVICE_ID}.prefs"


async def test_renewed_jwt_is_kept_used_after_expiry_and_after_a_restart(
    operator: tuple[NatsServer, HomeSetup],
    home_assistant: Client,
    host_firmware: HostFirmwareFactory,
    tmp_path: Path,
) -> None:
    """Short-lived credentials, a bad renewal refused, a good one kept: the device outlives its first JWT."""
    server, home = operator
    creds = mint_device(home.bundle, DEVICE, lifetime=SHORT_LIFETIME)
    firmware = _start(host_firmware, server, creds)
    assert (await _heartbeat(home_assistant, firmware))["online"] is True
    assert firmware.subject("credentials") in _subscriptions(server, firmware)

    # Another key's JWT: refused, and the device goes on with what it has.
    other = mint_device(home.bundle, DEVICE, lifetime=3600)
    reply = await _renew(home_assistant, firmware, other.jwt)
    assert reply == {"ok": False, "error": "the JWT is for another key"}
    await firmware.wait_log(
        f"Refused the credentials on home.devices.{DEVICE}.credentials: the JWT is for another key",
        timeout=LOG_WAIT,
    )
    assert not _prefs(tmp_path).exists() or other.jwt.encode()[:200] not in _prefs(tmp_path).read_bytes()

    renewed = renew_device(home.bundle, DEVICE, creds.public_key, lifetime=3600, now=int(time.time()) + 1)
    assert await _renew(home_assistant, firmware, renewed) == {"ok": True}
    await firmware.wait_log(
        f"Renewed user JWT on home.devices.{DEVICE}.credentials kept (issued", timeout=LOG_WAIT
    )
    assert renewed.encode()[:200] in _prefs(tmp_path).read_bytes()

    # The server closes the connection when the first JWT expires; the next
    # connect carries the renewed one, which it accepts.
    await firmware.wait_log("Disconnected from", timeout=SHORT_LIFETIME + 20)
    await firmware.wait_log("Connected to", count=2, timeout=LOG_WAIT)
    assert time.time() > mint_expiry(creds)
    await _works(home_assistant, firmware)
    log = firmware.log()
    assert "refused this device's credentials" not in log
    assert renewed not in log
    assert creds.seed not in log

    # A restart finds the renewal in the host's preferences: the firmware's
    # own JWT (expired by now) is older, so the renewed one is used.
    assert firmware.stop() == 0
    again = _start(host_firmware, server, creds)
    await again.wait_log("Using the renewed user JWT kept in flash", timeout=LOG_WAIT)
    assert (await _heartbeat(home_assistant, again))["online"] is True
    await _works(home_assistant, again)
    assert "refused this device's credentials" not in again.log()


def mint_expiry(creds: UserCredentials) -> int:
    """The exp claim of a minted JWT."""
    return int(nats_jwt.decode(creds.jwt)["exp"])


async def test_expired_firmware_jwt_is_refused_with_a_log_line(
    operator: tuple[NatsServer, HomeSetup], host_firmware: HostFirmwareFactory
) -> None:
    """A JWT that expired before the device started: the server refuses it and the log says why."""
    server, home = operator
    creds = mint_device(home.bundle, DEVICE, lifetime=1)
    await asyncio.sleep(2.2)
    firmware = _start(host_firmware, server, creds)
    log = await firmware.wait_log("refused this device's credentials (user JWT)", timeout=LOG_WAIT)
    await firmware.wait_log("The firmware's user JWT expired at", timeout=LOG_WAIT)
    assert "Authorization Violation" in log
    assert "Connected to" not in firmware.log()


async def test_a_renewal_the_server_refuses_falls_back_to_the_firmware_jwt(
    operator: tuple[NatsServer, HomeSetup],
    home_assistant: Client,
    host_firmware: HostFirmwareFactory,
) -> None:
    """A renewal signed by a key the server does not trust passes the device's check, not the server's.

    The device does not verify signatures (it does not know its account's
    key); after a restart it picks the renewal (issued later), is refused,
    falls back to its firmware's JWT once, logs it and works.
    """
    server, home = operator
    creds = mint_device(home.bundle, DEVICE, lifetime=3600)
    firmware = _start(host_firmware, server, creds)
    assert (await _heartbeat(home_assistant, firmware))["online"] is True
    stranger = create_home().bundle
    untrusted = renew_device(stranger, DEVICE, creds.public_key, lifetime=3600, now=int(time.time()) + 5)
    assert await _renew(home_assistant, firmware, untrusted) == {"ok": True}
    assert firmware.stop() == 0

    again = _start(host_firmware, server, creds)
    await again.wait_log("Using the renewed user JWT kept in flash", timeout=LOG_WAIT)
    await again.wait_log("refused this device's credentials (user JWT)", timeout=LOG_WAIT)
    await again.wait_log("The server refused the renewed user JWT (issued", timeout=LOG_WAIT)
    await again.wait_log("falling back to the firmware's JWT", timeout=LOG_WAIT)
    assert (await _heartbeat(home_assistant, again))["online"] is True
    await _works(home_assistant, again)
    assert again.log().count("falling back") == 1


def _subscriptions(server: NatsServer, firmware: HostFirmware) -> list[str]:
    connections = [c for c in server.connections() if c.get("name") == firmware.device_id]
    assert len(connections) == 1, connections
    return list(connections[0].get("subscriptions_list") or [])


async def test_only_a_device_with_a_jwt_listens_for_renewals(
    nats_server: NatsServer, host_firmware: HostFirmwareFactory
) -> None:
    """Without a user JWT there is nothing to renew: no subscription to the credentials subject."""
    firmware = host_firmware(nats_server.url, device_id=DEVICE)
    await firmware.wait_log("Connected to", timeout=LOG_WAIT)
    await asyncio.sleep(0.5)
    subscriptions = _subscriptions(nats_server, firmware)
    assert f"home.devices.{DEVICE}.*.*.command" in subscriptions
    assert firmware.subject("credentials") not in subscriptions
