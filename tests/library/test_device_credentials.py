"""A Python device's credentials in operator mode: renewed JWTs reach it, are kept and used; revocation.

Against a real nats-server trusting the home's operator: what the server
accepts, refuses and closes is observed (nats-py's callbacks, the server's
answers), never assumed from the JWT.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path
import stat
import time
from typing import Any

import nats
import nats.errors
import nkeys
import pytest

from nats_home.credentials import (
    check_renewal,
    mint_device,
    parse_renewal,
    renew_device,
    renewal_request,
    revoke_device,
)
from nats_home.credentials_file import DeviceCredentials
from nats_home.device import Device
from nats_home.errors import ProtocolError
from nats_home.operator import UserCredentials, create_home, parse_creds

from ..nats_fixtures import until
from .operator_fixtures import Home, Refusals, home, operator_home_server

__all__ = ["home", "operator_home_server"]

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "credentials.json").read_text())
ENTITIES = [{"platform": "switch", "id": "relay", "name": "Relay"}]
COMMAND = b'{"state":"ON"}'


def _creds_file(tmp_path: Path, creds: UserCredentials) -> Path:
    """Write a .creds file as Home Assistant hands it out: the owner's alone."""
    path = tmp_path / "kitchen.creds"
    path.write_text(creds.creds_file())
    path.chmod(0o600)
    return path


def _vector_creds(tmp_path: Path) -> DeviceCredentials:
    """The vectors' device, with the "no expiry" JWT in its .creds file to begin with."""
    first = parse_renewal(VECTORS["valid"][1]["raw"].encode())
    return DeviceCredentials.from_file(_creds_file(tmp_path, UserCredentials(first, VECTORS["device_seed"])))


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda case: case["name"])
def test_a_valid_renewal_vector_is_kept(case: dict[str, Any], tmp_path: Path) -> None:
    claims = check_renewal(parse_renewal(case["raw"].encode()), VECTORS["device_public"], VECTORS["now"])
    assert claims["iat"] == case["expect"]["iat"]
    assert claims.get("exp") == case["expect"]["exp"]
    creds = _vector_creds(tmp_path)
    creds.accept(case["raw"].encode(), now=VECTORS["now"])
    assert creds.jwt == parse_renewal(case["raw"].encode())
    assert parse_creds((tmp_path / "kitchen.creds").read_text()).jwt == creds.jwt


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda case: case["name"])
def test_an_invalid_renewal_vector_is_refused(case: dict[str, Any], tmp_path: Path) -> None:
    """Each one, `signature_only` and `too_long` included: the Python side checks the signature."""
    creds = _vector_creds(tmp_path)
    kept, file_before = creds.jwt, (tmp_path / "kitchen.creds").read_text()
    with pytest.raises(ProtocolError) as refused:
        creds.accept(case["raw"].encode(), now=VECTORS["now"])
    assert 0 < len(str(refused.value)) <= 255
    assert creds.jwt == kept
    assert (tmp_path / "kitchen.creds").read_text() == file_before


def test_the_creds_file_is_rewritten_atomically_and_privately(tmp_path: Path) -> None:
    bundle = create_home().bundle
    minted = mint_device(bundle, "kitchen")
    path = _creds_file(tmp_path, minted)
    path.chmod(0o644)  # a file made too open is private again after the first renewal
    creds = DeviceCredentials.from_file(path)
    options = creds.connect_options()
    assert options["user_jwt_cb"]() == minted.jwt.encode()
    signature = base64.b64decode(options["signature_cb"]("nonce"))
    assert nkeys.from_seed(minted.seed.encode()).verify(b"nonce", signature)

    renewed = renew_device(bundle, "kitchen", minted.public_key, lifetime=3600)
    creds.store(renewed)
    assert options["user_jwt_cb"]() == renewed.encode()  # the same options give the new JWT
    assert parse_creds(path.read_text()) == UserCredentials(renewed, minted.seed)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left

    # A file that can't be replaced (here a directory in its place): refused, nothing changes.
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    stuck = DeviceCredentials(minted, blocked)
    with pytest.raises(ProtocolError, match="cannot store the credentials"):
        stuck.store(renewed)
    assert stuck.jwt == minted.jwt
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    in_memory = DeviceCredentials(minted)
    in_memory.store(renewed)
    assert in_memory.jwt == renewed
    assert in_memory.path is None


async def test_a_renewed_jwt_reaches_the_device_and_outlives_the_first(
    home: Home, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A JWT of a few seconds, renewed over NATS: kept in the file, used from the reconnect on."""
    minted = mint_device(home.bundle, "kitchen", lifetime=6)
    first_expiry = int(time.time()) + 6
    path = _creds_file(tmp_path, minted)
    creds = DeviceCredentials.from_file(path)
    refusals = Refusals()
    nc = await home.connect(
        creds, device_id="kitchen", refusals=refusals, max_reconnect_attempts=-1, reconnect_time_wait=0.2
    )
    device = Device(nc, "kitchen", "Kitchen", ENTITIES, announce_jitter=0, credentials=creds)
    await device.start()
    ha = await home.connect()

    # A JWT for another key is refused: the device keeps its own, says why, and logs it.
    other = mint_device(home.bundle, "hallway").jwt
    with caplog.at_level(logging.WARNING):
        reply = await ha.request("home.devices.kitchen.credentials", renewal_request(other), timeout=2)
    assert json.loads(reply.data) == {"ok": False, "error": "credentials: the JWT is for another key"}
    assert "kitchen" in caplog.text
    assert "home.devices.kitchen.credentials" in caplog.text
    assert parse_creds(path.read_text()) == minted

    renewed = renew_device(home.bundle, "kitchen", minted.public_key, lifetime=3600)
    reply = await ha.request("home.devices.kitchen.credentials", renewal_request(renewed), timeout=2)
    assert json.loads(reply.data) == {"ok": True}
    assert parse_creds(path.read_text()) == UserCredentials(renewed, minted.seed)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await until(lambda: nc.stats["reconnects"] == 1 and nc.is_connected, 10)

    # Past the first JWT's expiry the device is still connected and answers.
    await asyncio.sleep(max(0.0, first_expiry + 1.5 - time.time()))
    assert nc.is_connected
    answer = await ha.request("home.devices.kitchen.switch.relay.command", COMMAND, timeout=2)
    assert json.loads(answer.data) == {"ok": True, "state": {"state": "ON"}}
    assert nc.stats["reconnects"] == 1
    assert not [error for error in refusals.errors if "violation" in error.lower()]

    # The first JWT, now expired, is refused at connect; a restarted device reads the renewed one.
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await home.connect(minted, device_id="kitchen", allow_reconnect=False)
    restarted = await home.connect(DeviceCredentials.from_file(path), device_id="kitchen")
    assert restarted.is_connected
    await device.stop()


async def test_without_a_renewal_nats_py_gives_up_when_the_jwt_expires(home: Home) -> None:
    """Why the device reconnects itself after a renewal: nats-py does not reconnect after this close."""
    refusals = Refusals()
    nc = await home.connect(
        mint_device(home.bundle, "kitchen", lifetime=2),
        device_id="kitchen",
        refusals=refusals,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
    )
    await until(lambda: refusals.closed, 10)
    assert nc.is_closed
    assert "user authentication expired" in str(nc.last_error).lower()


async def test_a_revoked_device_is_closed_and_refused_others_keep_working(home: Home) -> None:
    kitchen_creds = DeviceCredentials(mint_device(home.bundle, "kitchen"))
    hallway_creds = DeviceCredentials(mint_device(home.bundle, "hallway"))
    kitchen_refusals = Refusals()
    options: dict[str, Any] = {"max_reconnect_attempts": -1, "reconnect_time_wait": 0.2}
    kitchen_nc = await home.connect(kitchen_creds, device_id="kitchen", refusals=kitchen_refusals, **options)
    hallway_nc = await home.connect(hallway_creds, device_id="hallway", **options)
    devices = [
        Device(kitchen_nc, "kitchen", "Kitchen", ENTITIES, announce_jitter=0, credentials=kitchen_creds),
        Device(hallway_nc, "hallway", "Hallway", ENTITIES, announce_jitter=0, credentials=hallway_creds),
    ]
    for device in devices:
        await device.start()
    ha = await home.connect()
    system = await home.connect(home.bundle.system)

    started = time.monotonic()
    await revoke_device(system, home.bundle, kitchen_creds.public_key)
    await until(lambda: kitchen_refusals.closed, 5)
    assert time.monotonic() - started < 5
    assert "revoked" in str(kitchen_nc.last_error).lower()
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await home.connect(kitchen_creds, device_id="kitchen", allow_reconnect=False)
    with pytest.raises(nats.errors.NoRespondersError):
        await ha.request("home.devices.kitchen.switch.relay.command", COMMAND, timeout=2)

    answer = await ha.request("home.devices.hallway.switch.relay.command", COMMAND, timeout=2)
    assert json.loads(answer.data) == {"ok": True, "state": {"state": "ON"}}
    assert hallway_nc.is_connected
    assert ha.is_connected
    for device in devices:
        await device.stop(clean=False)
