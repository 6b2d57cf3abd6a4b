"""Operator (JWT) mode against a real nats-server: minted device users, the permissions they carry, the bundle.

A device's credentials come from `mint_device`; what they allow and refuse is
what the server says (its permission violations, seen through nats-py's
error callback and the server's log), not what the JWT claims.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import dataclasses
import json
from pathlib import Path
import re
import subprocess

from nats.aio.msg import Msg
import nats.errors
from nats.js.api import KeyValueConfig
import pytest

from nats_home.config_settings import bucket_name, direct_get_subject
from nats_home.credentials import mint_device
from nats_home.credentials_file import DeviceCredentials
from nats_home.device import Device
from nats_home.nats_jwt import JwtError
from nats_home.operator import BUNDLE_KIND, OperatorBundle, create_home

from ..nats_fixtures import server_has_everything, until
from ..nats_server import server_binary
from .operator_fixtures import Home, Refusals, home, operator_home_server

__all__ = ["home", "operator_home_server"]

BUCKET = bucket_name("home")
ENTITIES = [{"platform": "switch", "id": "relay", "name": "Relay"}]
CONFIG = [{"id": "led", "name": "Status LED", "type": "switch", "default": True}]
FORGED = json.dumps({"v": 1, "id": "hallway", "name": "Hallway", "entities": []}).encode()


def _collect(into: list[Msg]) -> Callable[[Msg], Awaitable[None]]:
    async def _append(msg: Msg) -> None:
        into.append(msg)

    return _append


async def test_a_minted_device_works_with_its_own_credentials(home: Home) -> None:
    """Announce, settings, state and a command from Home Assistant's user: nothing refused."""
    ha_refusals, kitchen_refusals = Refusals(), Refusals()
    ha = await home.connect(refusals=ha_refusals)
    kv = await ha.jetstream().create_key_value(KeyValueConfig(bucket=BUCKET, history=1, direct=True))
    await kv.put("kitchen.led", b"false")
    announcements: list[Msg] = []
    states: list[Msg] = []
    await ha.subscribe("home.discovery.announce.*", cb=_collect(announcements))
    await ha.subscribe("home.devices.*.*.*.state", cb=_collect(states))
    await server_has_everything(ha)

    creds = DeviceCredentials(mint_device(home.bundle, "kitchen"))
    nc = await home.connect(creds, device_id="kitchen", refusals=kitchen_refusals)
    device = Device(nc, "kitchen", "Kitchen", ENTITIES, config=CONFIG, announce_jitter=0, credentials=creds)
    await device.start()
    assert device.config_values["led"] is False  # its own setting, read with a direct get
    await until(lambda: announcements, 5)
    assert announcements[0].subject == "home.discovery.announce.kitchen"
    assert json.loads(announcements[0].data)["id"] == "kitchen"

    reply = await ha.request("home.devices.kitchen.switch.relay.command", b'{"state":"ON"}', timeout=2)
    assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}
    await until(lambda: states, 5)
    assert states[0].subject == "home.devices.kitchen.switch.relay.state"
    answer = await ha.request("home.discovery.request", b'{"v":1}', timeout=3)  # allow_responses
    assert json.loads(answer.data)["id"] == "kitchen"

    await device.stop()
    await server_has_everything(nc)
    assert kitchen_refusals.errors == []
    assert ha_refusals.errors == []


async def test_a_device_is_refused_every_other_devices_subjects(home: Home) -> None:
    """Publishing as, listening to, and reading the settings and credentials of another device."""
    ha = await home.connect()
    kv = await ha.jetstream().create_key_value(KeyValueConfig(bucket=BUCKET, history=1, direct=True))
    await kv.put("hallway.led", b"false")
    seen: list[Msg] = []
    for subject in ("home.discovery.announce", "home.discovery.announce.*", "home.devices.*.status"):
        await ha.subscribe(subject, cb=_collect(seen))
    await ha.subscribe("home.devices.*.*.*.state", cb=_collect(seen))
    hallway_got: list[Msg] = []
    hallway = await home.connect(mint_device(home.bundle, "hallway"), device_id="hallway")
    await hallway.subscribe("home.devices.hallway.*.*.command", cb=_collect(hallway_got))
    await hallway.subscribe("home.devices.hallway.credentials", cb=_collect(hallway_got))
    await server_has_everything(hallway)
    await server_has_everything(ha)

    refusals = Refusals()
    kitchen = await home.connect(mint_device(home.bundle, "kitchen"), device_id="kitchen", refusals=refusals)
    for subject, payload in (
        ("home.devices.hallway.switch.relay.state", b'{"state":"ON"}'),
        ("home.devices.hallway.status", b'{"v":1,"online":true,"interval":60}'),
        ("home.discovery.announce.hallway", FORGED),
        ("home.discovery.announce", FORGED),  # the bare subject is never granted
        ("home.devices.hallway.switch.relay.command", b'{"state":"ON"}'),
        ("home.devices.hallway.credentials", b'{"v":1,"jwt":"x"}'),
    ):
        await kitchen.publish(subject, payload)
        await refusals.wait_for("Publish", subject)

    for subject in (
        "home.devices.hallway.*.*.command",
        "home.devices.hallway.switch.relay.command",
        "home.devices.hallway.credentials",
        "home.devices.*.credentials",
        f"$KV.{BUCKET}.hallway.*",
        f"$KV.{BUCKET}.hallway.led",
        f"$KV.{BUCKET}.>",
        "_INBOX.hallway.>",
        "_INBOX.>",
        "home.>",
    ):
        await kitchen.subscribe(subject)
        await refusals.wait_for("Subscription", subject)

    get = direct_get_subject(BUCKET, "hallway", "led")
    with pytest.raises(nats.errors.TimeoutError):
        await kitchen.request(get, b"", timeout=0.5)
    await refusals.wait_for("Publish", get)

    # Nothing of it reached anyone; the connection still works for the device's own subjects.
    await server_has_everything(kitchen)
    await asyncio.sleep(0.1)
    await server_has_everything(ha)
    assert [msg.subject for msg in seen if "hallway" in msg.subject or msg.subject.endswith("announce")] == []
    assert hallway_got == []
    await kitchen.publish("home.devices.kitchen.status", b'{"v":1,"online":true,"interval":60}')
    await until(lambda: any(msg.subject == "home.devices.kitchen.status" for msg in seen), 5)
    assert kitchen.is_connected


async def test_an_announcement_forged_for_another_device_is_refused(home: Home) -> None:
    """The server refuses it (subject permission): Home Assistant never sees it, the log names it."""
    ha = await home.connect()
    announcements: list[Msg] = []
    await ha.subscribe("home.discovery.announce.*", cb=_collect(announcements))
    await server_has_everything(ha)
    refusals = Refusals()
    kitchen_creds = mint_device(home.bundle, "kitchen")
    kitchen = await home.connect(kitchen_creds, device_id="kitchen", refusals=refusals)

    await kitchen.publish("home.discovery.announce.hallway", FORGED)
    await refusals.wait_for("Publish", "home.discovery.announce.hallway")
    own = json.dumps({"v": 1, "id": "kitchen", "name": "Kitchen", "entities": []}).encode()
    await kitchen.publish("home.discovery.announce.kitchen", own)
    await until(lambda: announcements, 5)  # published after the forged one, which never arrives
    await server_has_everything(ha)
    assert [msg.subject for msg in announcements] == ["home.discovery.announce.kitchen"]
    await until(lambda: "Publish Violation" in home.log(), 5)
    violation = next(line for line in home.log().splitlines() if "Publish Violation" in line)
    assert kitchen_creds.public_key in violation
    assert '"home.discovery.announce.hallway"' in violation


def test_the_bundle_round_trips() -> None:
    bundle = create_home("flat").bundle
    text = bundle.to_json()
    assert json.loads(text)["kind"] == BUNDLE_KIND
    assert OperatorBundle.from_json(text) == bundle


BUNDLE = create_home().bundle
OTHER_HOME = create_home().bundle
HA, SYSTEM = BUNDLE.home_assistant, BUNDLE.system


def _changed(**changes: object) -> str:
    data = json.loads(BUNDLE.to_json())
    data.update(changes)
    return json.dumps({key: value for key, value in data.items() if value is not None})


BROKEN_BUNDLES = {
    "not JSON": ("{", "not JSON"),
    "not a bundle": (json.dumps({"kind": "other"}), "not a NATS Home operator bundle"),
    "a list": ("[]", "not a NATS Home operator bundle"),
    "no account": (_changed(account=None), "lacks 'account'"),
    "no system user": (_changed(system=None), "lacks 'system'"),
    "a user without its seed": (
        _changed(system={"jwt": SYSTEM.jwt}),
        'system: expected an object with the strings "jwt" and "seed"',
    ),
    "a JWT not a string": (_changed(system={"jwt": 7, "seed": SYSTEM.seed}), "system: expected an object"),
    "a user not an object": (_changed(home_assistant="x"), "home_assistant: expected an object"),
    "a bad prefix": (_changed(prefix="a b"), "prefix 'a b' is not a valid subject prefix"),
    "an operator key as account key": (
        _changed(account_signing_seed=BUNDLE.operator_signing_seed),
        "account_signing_seed is not an account key",
    ),
    "an account key as operator key": (
        _changed(operator_signing_seed=BUNDLE.account_signing_seed),
        "operator_signing_seed is not an operator key",
    ),
    "not a seed": (_changed(account_signing_seed="SAnot"), "not an NKey seed"),
    "a JWT for another seed": (
        _changed(home_assistant={"jwt": HA.jwt, "seed": SYSTEM.seed}),
        "home_assistant: the JWT is not for its seed",
    ),
    "a damaged signature": (
        _changed(
            home_assistant={
                "jwt": HA.jwt[:-6] + ("A" if HA.jwt[-6] != "A" else "B") + HA.jwt[-5:],
                "seed": HA.seed,
            }
        ),
        "signature is not its issuer's",
    ),
    "not a JWT": (_changed(system={"jwt": "abc", "seed": SYSTEM.seed}), "not a JWT"),
    "another home's user": (
        _changed(home_assistant=dataclasses.asdict(OTHER_HOME.home_assistant)),
        "not of the bundle's account",
    ),
}


@pytest.mark.parametrize("case", BROKEN_BUNDLES)
def test_a_broken_bundle_is_refused_with_its_reason(case: str) -> None:
    text, reason = BROKEN_BUNDLES[case]
    with pytest.raises(JwtError, match=re.escape(reason)):
        OperatorBundle.from_json(text)


def test_nats_server_accepts_the_server_configuration(tmp_path: Path) -> None:
    home_setup = create_home("flat")
    conf = tmp_path / "nats-server.conf"
    conf.write_text(
        home_setup.server_config(str(tmp_path / "jwt"), jetstream_dir=str(tmp_path / "js"), port=4333)
    )
    result = subprocess.run(
        [server_binary(), "-t", "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr
