"""The host firmware authenticating with an NKey and with a user JWT against a real nats-server.

examples/esphome/host.yaml is built once for every host test; its
environment hands it the credentials (NATS_NKEY_SEED, NATS_JWT), so NKey and
JWT authentication cost no firmware build of their own. The server is the
judge: it accepts the signed nonce or refuses the connection.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
import json
from pathlib import Path
import re
import urllib.request

import nats
from nats.aio.client import Client
import nkeys
import pytest

from ..nats_jwt import JwtRealm, new_seed, public_key
from ..nats_server import NatsServer
from .conftest import HostFirmware, HostFirmwareFactory
from .fake_server import FakeServer, readline

pytestmark = pytest.mark.timeout(180)

CREDS_BLOCK = re.compile(r"-{3,}[^\n]*-{3,}\n([\w\-.=]+)\n-{3,}")


def _creds_parts(creds: str) -> tuple[str, str]:
    jwt, seed = CREDS_BLOCK.findall(creds)[:2]
    return jwt, seed


async def _heartbeat(client: Client, firmware: HostFirmware) -> dict[str, object]:
    sub = await client.subscribe(firmware.status_subject)
    try:
        msg = await sub.next_msg(timeout=20)
        heartbeat: dict[str, object] = json.loads(msg.data)
        return heartbeat
    finally:
        await sub.unsubscribe()


def _authorized_as(server: NatsServer, firmware: HostFirmware) -> str:
    """The user the server authorized the firmware's connection as (its NKey public key)."""
    url = f"http://127.0.0.1:{server.monitor_port}/connz?auth=1"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (fixed http URL)
        connections = json.load(response)["connections"] or []
    users = [c.get("authorized_user") for c in connections if c.get("name") == firmware.device_id]
    assert len(users) == 1, connections
    return str(users[0])


@pytest.fixture
def nkey_server(tmp_path: Path) -> Iterator[tuple[NatsServer, str, str]]:
    """A server with two NKey users: the device and the test's own client (its seed)."""
    device_seed = new_seed(nkeys.PREFIX_BYTE_USER)
    client_seed = new_seed(nkeys.PREFIX_BYTE_USER)
    server = NatsServer(
        tmp_path,
        "authorization { users: [ "
        f"{{nkey: {public_key(device_seed)}}}, {{nkey: {public_key(client_seed)}}} ] }}",
        jetstream=False,
    )
    server.start()
    yield server, device_seed, client_seed
    server.stop()


@pytest.fixture
async def nkey_client(nkey_server: tuple[NatsServer, str, str]) -> AsyncIterator[Client]:
    server, _, client_seed = nkey_server
    nc = await nats.connect(server.url, nkeys_seed_str=client_seed)
    yield nc
    await nc.close()


async def test_nkey_user_connects(
    nkey_server: tuple[NatsServer, str, str], nkey_client: Client, host_firmware: HostFirmwareFactory
) -> None:
    """An NKey user: CONNECT carries the public key and the signed nonce; the device works."""
    server, device_seed, _ = nkey_server
    firmware = host_firmware(server.url, env={"NATS_NKEY_SEED": device_seed})
    heartbeat = await _heartbeat(nkey_client, firmware)
    assert heartbeat["online"] is True
    log = await firmware.wait_log("Connected to")
    assert _authorized_as(server, firmware) == public_key(device_seed)
    assert device_seed not in log


async def test_wrong_seed_is_refused_with_a_log_line(
    nkey_server: tuple[NatsServer, str, str], host_firmware: HostFirmwareFactory
) -> None:
    """A seed the server does not know: refused, and the log says which credentials."""
    server, _, _ = nkey_server
    firmware = host_firmware(server.url, env={"NATS_NKEY_SEED": new_seed(nkeys.PREFIX_BYTE_USER)})
    log = await firmware.wait_log("refused this device's credentials (NKey)")
    assert "Authorization Violation" in log
    assert "Connected to" not in log


async def test_invalid_seed_fails_setup(
    nkey_server: tuple[NatsServer, str, str], host_firmware: HostFirmwareFactory
) -> None:
    """An account seed where a user seed belongs: the component fails at boot, never connects."""
    server, _, _ = nkey_server
    firmware = host_firmware(server.url, env={"NATS_NKEY_SEED": new_seed(nkeys.PREFIX_BYTE_ACCOUNT)})
    log = await firmware.wait_log("nkey_seed is not an NKey user seed")
    await asyncio.sleep(1)
    assert "Connected to" not in firmware.log(), log


@pytest.fixture
def realm_server(tmp_path: Path) -> Iterator[tuple[NatsServer, JwtRealm]]:
    """A server in operator mode (memory resolver) with one account."""
    realm = JwtRealm()
    server = NatsServer(tmp_path, realm.server_config(), jetstream=False)
    server.start()
    yield server, realm
    server.stop()


async def test_user_jwt_connects_and_a_foreign_seed_is_refused(
    realm_server: tuple[NatsServer, JwtRealm], host_firmware: HostFirmwareFactory, tmp_path: Path
) -> None:
    """Operator mode: the user JWT and the signed nonce get the device in; a JWT with another key's seed does not."""
    server, realm = realm_server
    client_creds = tmp_path / "client.creds"
    client_creds.write_text(realm.user_creds("test-client"))
    nc = await nats.connect(server.url, user_credentials=str(client_creds))
    try:
        jwt, seed = _creds_parts(realm.user_creds("kitchen"))
        assert 300 < len(jwt) < 2048
        firmware = host_firmware(server.url, env={"NATS_JWT": jwt, "NATS_NKEY_SEED": seed})
        heartbeat = await _heartbeat(nc, firmware)
        assert heartbeat["online"] is True
        log = await firmware.wait_log("Connected to")
        assert _authorized_as(server, firmware) == public_key(seed)
        assert jwt not in log
        assert seed not in log

        other_jwt, _ = _creds_parts(realm.user_creds("other"))
        impostor = host_firmware(
            server.url, device_id="impostor", env={"NATS_JWT": other_jwt, "NATS_NKEY_SEED": seed}
        )
        log = await impostor.wait_log("refused this device's credentials (user JWT)")
        assert "Connected to" not in log
    finally:
        await nc.close()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def _connect_options(
    host_firmware: HostFirmwareFactory, env: dict[str, str], info: dict[str, object]
) -> dict[str, str]:
    async with FakeServer(info=info) as server:
        host_firmware(f"127.0.0.1:{server.port}", env=env)
        reader, _ = await server.accept()
        op, _, arg = (await readline(reader)).partition(" ")
        assert op == "CONNECT"
        options: dict[str, str] = json.loads(arg)
        return options


async def test_connect_carries_nkey_or_jwt_and_the_signed_nonce(host_firmware: HostFirmwareFactory) -> None:
    """On the wire: nkey + sig for an NKey user, jwt + sig (no nkey) for a JWT user; sig verifies."""
    seed = new_seed(nkeys.PREFIX_BYTE_USER)
    keys = nkeys.from_seed(seed.encode())
    nonce = "x1ZzdQ7hJ0tdlA_ZkO3ssg"
    options = await _connect_options(
        host_firmware, {"NATS_NKEY_SEED": seed}, {"nonce": nonce, "auth_required": True}
    )
    assert options["nkey"] == public_key(seed)
    assert "jwt" not in options
    assert "=" not in options["sig"]
    assert keys.verify(nonce.encode(), _b64decode(options["sig"]))

    jwt, jwt_seed = _creds_parts(JwtRealm().user_creds("kitchen"))
    options = await _connect_options(
        host_firmware, {"NATS_NKEY_SEED": jwt_seed, "NATS_JWT": jwt}, {"nonce": nonce, "auth_required": True}
    )
    assert options["jwt"] == jwt
    assert "nkey" not in options
    assert nkeys.from_seed(jwt_seed.encode()).verify(nonce.encode(), _b64decode(options["sig"]))


def test_jwt_keeps_to_its_bound() -> None:
    """The YAML check and the firmware share one bound (nats_nkey.h MAX_JWT_LEN)."""
    root = Path(__file__).resolve().parents[2] / "esphome_components" / "nats"
    header = (root / "nats_nkey.h").read_text()
    init = (root / "auth_config.py").read_text()
    bound = re.search(r"MAX_JWT_LEN = (\d+);", header)
    assert bound is not None
    assert f"MAX_JWT_LEN = {bound.group(1)}\n" in init
