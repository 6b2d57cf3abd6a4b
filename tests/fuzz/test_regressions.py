"""Regression tests for the bugs the fuzz and fault suites found (all fixed since).

Each test names the bug it pins in its docstring. Open bugs live next to the
suite that found them as strict xfails (tests/faults/).
"""

from __future__ import annotations

from collections.abc import Callable
import subprocess
import sys
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant

from custom_components.nats.protocol.errors import ProtocolError
from custom_components.nats.protocol.payloads import (
    encode,
    parse_announcement,
    parse_command,
    parse_heartbeat,
    parse_reply,
    parse_state,
)

from ..conftest import DeviceFactory
from ..entity_info import entity_info
from ..nats_server import NatsServer
from .harness import Watch, drain, registry_snapshot, unserializable

HUGE = "9" * 400  # an integer literal beyond the float range (but within Python's 4300 digits)
NUMBER = entity_info("number", id="n", name=None)
TEMPERATURE = entity_info("sensor", id="t", name=None, unit="°C")
TEXT = entity_info("sensor", id="s", name=None)
BOOT = entity_info("sensor", id="b", name=None, device_class="timestamp")

HUGE_INT_CASES: dict[str, Callable[[], Any]] = {
    "heartbeat uptime": lambda: parse_heartbeat(
        f'{{"v":1,"online":true,"interval":5,"uptime":{HUGE}}}'.encode()
    ),
    "number state": lambda: parse_state(NUMBER, f'{{"state":{HUGE}}}'.encode()),
    "numeric sensor state": lambda: parse_state(TEMPERATURE, f'{{"state":-{HUGE}}}'.encode()),
    "announced number min": lambda: parse_announcement(
        f'{{"v":1,"id":"d","name":"D","entities":[{{"platform":"number","id":"n","min":-{HUGE}}}]}}'.encode(),
        "d",
    ),
    "number command": lambda: parse_command("number", f'{{"value":{HUGE}}}'.encode()),
    "light transition command": lambda: parse_command(
        "light", f'{{"state":"ON","transition":{HUGE}}}'.encode()
    ),
}


@pytest.mark.parametrize("case", sorted(HUGE_INT_CASES))
def test_huge_integer_is_a_protocol_error(case: str) -> None:
    """An integer literal of 400 digits is refused like any other bad number.

    Was: schemas.number called math.isfinite on it and raised OverflowError.
    """
    with pytest.raises(ProtocolError):
        HUGE_INT_CASES[case]()


async def test_huge_integer_state_is_logged_with_its_subject(
    hass: HomeAssistant,
    watch: Watch,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
) -> None:
    """A state with a huge integer is dropped with the usual warning; nothing escapes the handler.

    Was: the OverflowError escaped NatsHub._on_state to nats-py's error_cb (a DEBUG line, no subject).
    """
    device = await device_factory("den", [{"platform": "number", "id": "target"}], heartbeat_interval=600)
    await device.set_state("target", 7)
    client = await nats.connect(nats_server.url)
    try:
        await client.publish("home.devices.den.number.target.state", f'{{"state":{HUGE}}}'.encode())
        await drain(hass, watch, device.nc, client)
    finally:
        await client.close()
    assert hass.states.get("number.den_target").state == "7"
    assert "Ignoring state on home.devices.den.number.target.state" in watch.caplog.text
    assert watch.escaped == []


LONE_SURROGATE_CASES: dict[str, Callable[[], Any]] = {
    "text sensor state": lambda: parse_state(TEXT, b'{"state":"\\ud800"}'),
    "timestamp sensor state": lambda: parse_state(BOOT, b'{"state":"\\udfff"}'),
    "device name": lambda: parse_announcement(b'{"v":1,"id":"d","name":"\\ud800","entities":[]}', "d"),
    "select option": lambda: parse_announcement(
        b'{"v":1,"id":"d","name":"D","entities":[{"platform":"select","id":"m","options":["\\ud800"]}]}', "d"
    ),
    "reply error": lambda: parse_reply(b'{"ok":false,"error":"\\ud800"}'),
}


@pytest.mark.parametrize("case", sorted(LONE_SURROGATE_CASES))
def test_lone_surrogate_is_a_protocol_error(case: str) -> None:
    """A string that is not Unicode text (a lone surrogate from a u-escape) is refused."""
    with pytest.raises(ProtocolError):
        LONE_SURROGATE_CASES[case]()


CRASH = """
from custom_components.nats.protocol.errors import ProtocolError
from custom_components.nats.protocol.payloads import parse_state
from custom_components.nats.protocol.platforms.sensor import SensorInfo
from custom_components.nats.sensor import NatsSensor

boot = SensorInfo(platform="sensor", id="boot", name=None, device_class="timestamp")
try:
    value = parse_state(boot, b'{"state": "\\\\ud800"}')
except ProtocolError:
    raise SystemExit(0)
NatsSensor(None, "den", boot).apply_state(value)  # what NatsHub._on_state does next
"""


def test_lone_surrogate_timestamp_does_not_crash_home_assistant() -> None:
    """The exact path of the hub, in a child process: it used to kill the interpreter.

    Was: a lone surrogate reached homeassistant.util.dt.parse_datetime, whose ciso8601 segfaulted.
    """
    result = subprocess.run(
        [sys.executable, "-c", CRASH], capture_output=True, timeout=60, check=False, cwd=str(_repo_root())
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr.decode()[-500:]}"


def _repo_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


async def test_lone_surrogate_text_state_stays_out_of_home_assistant(
    hass: HomeAssistant,
    watch: Watch,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
) -> None:
    """A text state that is not Unicode text is dropped; every state stays serialisable.

    Was: stored in HA, where the recorder and the websocket API cannot encode it.
    """
    device = await device_factory("den", [{"platform": "sensor", "id": "status"}], heartbeat_interval=600)
    await device.set_state("status", "fine")
    client = await nats.connect(nats_server.url)
    try:
        await client.publish("home.devices.den.sensor.status.state", b'{"state":"\\ud800"}')
        await drain(hass, watch, device.nc, client)
    finally:
        await client.close()
    assert unserializable(hass, setup_entry.entry_id) == []
    assert hass.states.get("sensor.den_status").state == "fine"


async def test_second_device_with_the_same_mac_is_still_discovered(
    hass: HomeAssistant, watch: Watch, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """Two devices claiming one MAC (cloned firmware, or a lying device) both get their entities.

    Was: the device registry's DeviceInfoError escaped Discovery; the entities never came, and
    identical re-announcements were ignored because Discovery.devices was updated first.
    """
    client = await nats.connect(nats_server.url)
    try:
        # "second" is known without a MAC, then claims the MAC of "first" (twice: the
        # repeat must not be ignored either).
        for device_id, mac, relay in (
            ("first", "AA:BB:CC:DD:EE:01", "relay"),
            ("second", None, "relay"),
            ("second", "AA:BB:CC:DD:EE:01", "relay2"),
            ("second", "AA:BB:CC:DD:EE:01", "relay2"),
        ):
            payload = {
                "v": 1,
                "id": device_id,
                "name": device_id.title(),
                "entities": [{"platform": "switch", "id": relay}],
            }
            if mac:
                payload["mac"] = mac
            await client.publish(f"home.discovery.announce.{device_id}", encode(payload))
            await drain(hass, watch, client)
    finally:
        await client.close()
    devices, entities = registry_snapshot(hass, setup_entry.entry_id)
    assert watch.escaped == []
    assert {"first:switch:relay", "second:switch:relay2"} <= entities
    assert {"first", "second"} <= devices


@pytest.mark.parametrize("platform", ["sensor", "binary_sensor"])
async def test_config_category_on_read_only_platform(
    hass: HomeAssistant, watch: Watch, setup_entry: MockConfigEntry, nats_server: NatsServer, platform: str
) -> None:
    """A read-only entity announced as 'config' still appears (as diagnostic), without an ERROR.

    Was: Home Assistant refused to add it ("entity category is set to config").
    """
    client = await nats.connect(nats_server.url)
    try:
        entity = {"platform": platform, "id": "probe", "category": "config"}
        await client.publish(
            "home.discovery.announce.den", encode({"v": 1, "id": "den", "name": "Den", "entities": [entity]})
        )
        await drain(hass, watch, client)
    finally:
        await client.close()
    assert hass.states.get(f"{platform}.den_probe") is not None
    watch.assert_clean("config category")


@pytest.mark.parametrize(
    "extra",
    [
        {"device_class": "timestamp", "unit": "s"},
        {"device_class": "date", "state_class": "measurement"},
    ],
    ids=["timestamp+unit", "date+state_class"],
)
async def test_numeric_sensor_with_date_or_timestamp_class(
    hass: HomeAssistant,
    watch: Watch,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    extra: dict[str, str],
) -> None:
    """Such a sensor appears (as a plain numeric sensor) and shows its numbers, without an ERROR.

    Was: Home Assistant refused it (ValueError "non-numeric device class").
    """
    device = await device_factory(
        "den", [{"platform": "sensor", "id": "probe", **extra}], heartbeat_interval=600
    )
    await device.set_state("probe", 42)
    await drain(hass, watch, device.nc)
    state = hass.states.get("sensor.den_probe")
    assert state is not None
    assert state.state == "42"
    watch.assert_clean("numeric date/timestamp sensor")
