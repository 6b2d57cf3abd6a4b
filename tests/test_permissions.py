"""Per-device permissions in plain-config mode, enforced by a real nats-server (docs/security.md).

The server runs the authorization block `nats_home.authz` generates. A
device's credentials work for its own subjects; for every other device's
subjects the server's permission violation is observed, not assumed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
import json
from pathlib import Path
import subprocess

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
import nats.errors
from nats.js.api import KeyValueConfig
import pytest

from nats_home.authz import UserEntry, main, render, users
from nats_home.config_settings import bucket_name, direct_get_subject
from nats_home.device import Device
from nats_home.permissions import device_inbox_prefix, device_permissions, home_assistant_permissions

from .nats_fixtures import server_has_everything, until
from .nats_server import NatsServer, server_binary

EXAMPLE = Path(__file__).parent.parent / "examples" / "nats-server" / "per-device-permissions.conf"
BUCKET = bucket_name("home")
ENTITIES = [{"platform": "switch", "id": "relay", "name": "Relay"}]
CONFIG = [{"id": "led", "name": "Status LED", "type": "switch", "default": True}]


@pytest.fixture
def entries() -> list[UserEntry]:
    """Home Assistant's user and two devices', with fresh passwords."""
    return users("home", ["kitchen", "hallway"])


@pytest.fixture
def secured_server(tmp_path: Path, entries: list[UserEntry]) -> Iterator[NatsServer]:
    """nats-server with JetStream running exactly the generated configuration."""
    (tmp_path / "auth.conf").write_text(render(entries, "home"))
    server = NatsServer(tmp_path, "include auth.conf")
    server.start()
    yield server
    server.stop()


class Refusals:
    """The permission violations the server reported to one client."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    async def record(self, err: Exception) -> None:
        """nats-py's error callback."""
        self.errors.append(str(err))

    async def wait_for(self, kind: str, subject: str) -> None:
        """Return once the server refused `kind` (Publish/Subscription) on `subject`."""
        wanted = f'permissions violation for {kind.lower()} to "{subject.lower()}"'
        await until(lambda: any(wanted in error.lower() for error in self.errors), 5)


async def _connect(server: NatsServer, entry: UserEntry, refusals: Refusals | None = None) -> Client:
    creds = entry.credentials
    return await nats.connect(
        server.url,
        user=creds.user,
        password=creds.password,
        inbox_prefix=device_inbox_prefix(entry.device_id) if entry.device_id else "_INBOX",
        error_cb=(refusals or Refusals()).record,
        max_reconnect_attempts=0,
    )


@pytest.fixture
async def clients(secured_server: NatsServer, entries: list[UserEntry]) -> AsyncIterator[list[Client]]:
    """Connections closed at teardown."""
    opened: list[Client] = []
    yield opened
    for client in opened:
        await client.close()


def test_the_permission_model_is_the_documented_one() -> None:
    kitchen = device_permissions("home", "kitchen")
    assert kitchen.publish == (
        "home.discovery.announce.kitchen",
        "home.devices.kitchen.>",
        f"$JS.API.DIRECT.GET.KV_{BUCKET}.$KV.{BUCKET}.kitchen.>",
    )
    assert kitchen.subscribe == (
        "home.devices.kitchen.*.*.command",
        "home.devices.kitchen.credentials",
        "home.discovery.request",
        "home.ha.status",
        f"$KV.{BUCKET}.kitchen.*",
        "_INBOX.kitchen.>",
    )
    assert kitchen.allow_responses
    ha = home_assistant_permissions("flat.2")
    assert "flat.2.devices.*.*.*.command" in ha.publish
    assert "flat.2.devices.*.credentials" in ha.publish
    assert "flat.2.devices.*.log" in ha.subscribe  # device log lines (a device's own: its devices.<id>.>)
    assert "$JS.API.STREAM.CREATE.NATS_HOME_FLAT_2_STATES" in ha.publish
    assert "$KV.NATS_HOME_FLAT_2_CONFIG.>" in ha.publish
    assert not any(subject.startswith("$JS.API.STREAM.DELETE") for subject in ha.publish)
    assert not ha.allow_responses


async def test_a_device_works_with_its_own_credentials(
    secured_server: NatsServer, entries: list[UserEntry], clients: list[Client]
) -> None:
    ha_entry, kitchen_entry = entries[0], entries[1]
    ha_refusals, kitchen_refusals = Refusals(), Refusals()
    ha = await _connect(secured_server, ha_entry, ha_refusals)
    clients.append(ha)
    # Home Assistant's user creates the settings bucket and stores a value for the device.
    kv = await ha.jetstream().create_key_value(KeyValueConfig(bucket=BUCKET, history=1, direct=True))
    await kv.put("kitchen.led", b"false")
    announcements: list[bytes] = []
    states: list[bytes] = []

    async def on_announce(msg: Msg) -> None:
        announcements.append(msg.data)

    async def on_state(msg: Msg) -> None:
        states.append(msg.data)

    await ha.subscribe("home.discovery.announce.kitchen", cb=on_announce)
    await ha.subscribe("home.devices.kitchen.*.*.state", cb=on_state)
    await server_has_everything(ha)

    nc = await _connect(secured_server, kitchen_entry, kitchen_refusals)
    clients.append(nc)
    device = Device(nc, "kitchen", "Kitchen", ENTITIES, config=CONFIG, announce_jitter=0)
    await device.start()
    assert device.config_values["led"] is False  # read with a direct get answered on its own inbox
    await until(lambda: announcements, 5)
    assert json.loads(announcements[0])["id"] == "kitchen"

    reply = await ha.request("home.devices.kitchen.switch.relay.command", b'{"state":"ON"}', timeout=2)
    assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}
    await until(lambda: states, 5)

    await kv.put("kitchen.led", b"true")  # followed live on $KV.<bucket>.kitchen.*
    await until(lambda: device.config_values["led"] is True, 5)

    # A discovery request with a reply subject is answered (allow_responses).
    answer = await ha.request("home.discovery.request", b'{"v":1}', timeout=3)
    assert json.loads(answer.data)["id"] == "kitchen"
    await device.stop()
    await server_has_everything(nc)
    assert kitchen_refusals.errors == []
    assert ha_refusals.errors == []


async def test_a_device_is_refused_every_other_devices_subjects(
    secured_server: NatsServer, entries: list[UserEntry], clients: list[Client]
) -> None:
    ha_entry, kitchen_entry, hallway_entry = entries
    admin = await _connect(secured_server, ha_entry)
    clients.append(admin)
    kv = await admin.jetstream().create_key_value(KeyValueConfig(bucket=BUCKET, history=1, direct=True))
    await kv.put("hallway.led", b"false")
    seen: list[str] = []
    hallway_commands: list[str] = []

    async def on_home(msg: Msg) -> None:
        seen.append(msg.subject)

    async def on_command(msg: Msg) -> None:
        hallway_commands.append(msg.subject)

    ha_refusals = Refusals()
    ha = await _connect(secured_server, ha_entry, ha_refusals)
    clients.append(ha)
    for subject in (
        "home.discovery.announce",
        "home.discovery.announce.*",
        "home.devices.*.status",
        "home.devices.*.*.*.state",
    ):
        await ha.subscribe(subject, cb=on_home)
    hallway = await _connect(secured_server, hallway_entry)
    clients.append(hallway)
    await hallway.subscribe("home.devices.hallway.*.*.command", cb=on_command)
    await server_has_everything(hallway)
    await server_has_everything(ha)

    refusals = Refusals()
    kitchen = await _connect(secured_server, kitchen_entry, refusals)
    clients.append(kitchen)

    # Publishing as another device: its state, its heartbeat, an announcement forged for its id.
    forged = json.dumps({"v": 1, "id": "hallway", "name": "Hallway", "entities": []}).encode()
    for subject, payload in (
        ("home.devices.hallway.switch.relay.state", b'{"state":"ON"}'),
        ("home.devices.hallway.status", b'{"v":1,"online":true,"interval":60}'),
        ("home.devices.hallway.log", b'{"level":"error","message":"forged"}'),
        ("home.discovery.announce.hallway", forged),
        ("home.discovery.announce", forged),  # the bare legacy subject is never granted
        ("home.devices.hallway.switch.relay.command", b'{"state":"ON"}'),  # commanding another device
    ):
        await kitchen.publish(subject, payload)
        await refusals.wait_for("Publish", subject)

    # Listening to another device's commands and settings.
    for subject in (
        "home.devices.hallway.*.*.command",
        "home.devices.hallway.switch.relay.command",
        f"$KV.{BUCKET}.hallway.*",
        f"$KV.{BUCKET}.>",
        "home.>",
        "_INBOX.hallway.>",
        "_INBOX.>",
    ):
        await kitchen.subscribe(subject)
        await refusals.wait_for("Subscription", subject)

    # Reading another device's settings: the direct get itself is refused.
    get = direct_get_subject(BUCKET, "hallway", "led")
    with pytest.raises(nats.errors.TimeoutError):
        await kitchen.request(get, b"", timeout=0.5)
    await refusals.wait_for("Publish", get)

    # None of it reached anyone; the connection is still good for its own subjects.
    await server_has_everything(kitchen)
    await asyncio.sleep(0.1)
    await server_has_everything(ha)
    assert not [subject for subject in seen if ".hallway" in subject or subject == "home.discovery.announce"]
    assert hallway_commands == []
    await kitchen.publish("home.devices.kitchen.status", b'{"v":1,"online":true,"interval":60}')
    await until(lambda: "home.devices.kitchen.status" in seen, 5)
    assert kitchen.is_connected
    assert ha_refusals.errors == []


async def test_home_assistants_user_cannot_delete_the_streams_or_speak_as_a_device(
    secured_server: NatsServer, entries: list[UserEntry], clients: list[Client]
) -> None:
    refusals = Refusals()
    ha = await _connect(secured_server, entries[0], refusals)
    clients.append(ha)
    for subject in ("home.devices.kitchen.switch.relay.state", "home.discovery.announce.kitchen"):
        await ha.publish(subject, b"{}")
        await refusals.wait_for("Publish", subject)
    await ha.publish("$JS.API.STREAM.DELETE.NATS_HOME_HOME_STATES", b"")
    await refusals.wait_for("Publish", "$JS.API.STREAM.DELETE.NATS_HOME_HOME_STATES")


def test_the_command_prints_a_configuration_nats_server_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--prefix", "flat.2", "--device", "kitchen", "--device", "hall-way", "--ha-user", "ha"]) == 0
    printed = capsys.readouterr().out
    assert "nats_hall_way_password" in printed
    assert 'inbox_prefix="_INBOX.hall-way"' in printed
    conf = tmp_path / "auth.conf"
    conf.write_text(printed)
    subprocess.run([server_binary(), "-t", "-c", str(conf)], check=True, capture_output=True)
    assert main(["--device", "Kitchen"]) == 2  # not a device id
    assert main(["--device", "kitchen", "--device", "kitchen"]) == 2
    assert "twice" in capsys.readouterr().err


def test_nkey_users(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--device", "kitchen", "--nkey"]) == 0
    printed = capsys.readouterr().out
    assert 'nkey: "U' in printed
    assert 'nkeys_seed_str="SU' in printed
    assert "nkey_seed: !secret nats_kitchen_nkey_seed" in printed
    conf = tmp_path / "auth.conf"
    conf.write_text(printed)
    subprocess.run([server_binary(), "-t", "-c", str(conf)], check=True, capture_output=True)


def test_the_example_configuration_is_valid() -> None:
    result = subprocess.run(
        [server_binary(), "-t", "-c", str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr


async def test_nkey_users_are_held_to_the_same_permissions(tmp_path: Path) -> None:
    entries = users("home", ["kitchen"], nkey=True)
    (tmp_path / "auth.conf").write_text(render(entries, "home"))
    server = NatsServer(tmp_path, "include auth.conf")
    server.start()
    try:
        refusals = Refusals()
        seed = entries[1].credentials.seed
        assert seed is not None
        kitchen = await nats.connect(
            server.url,
            nkeys_seed_str=seed,
            inbox_prefix=device_inbox_prefix("kitchen"),
            error_cb=refusals.record,
            max_reconnect_attempts=0,
        )
        await kitchen.publish("home.devices.kitchen.status", b"{}")
        await kitchen.publish("home.devices.hallway.status", b"{}")
        await refusals.wait_for("Publish", "home.devices.hallway.status")
        await server_has_everything(kitchen)
        assert len(refusals.errors) == 1
        await kitchen.close()
    finally:
        server.stop()
