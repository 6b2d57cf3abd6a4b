"""Invalid announcements are refused whole, with one line naming device, subject and field."""

from __future__ import annotations

import json
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.nats.identity import device_identifier

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for


async def _announce_then_barrier(
    hass: HomeAssistant, nats_server: NatsServer, subject: str, payload: dict[str, Any]
) -> None:
    """Publish an announcement, then a valid one of another device; wait for the latter."""
    client = await nats.connect(nats_server.url)
    try:
        await client.publish(subject, json_bytes(payload))
        await client.publish(
            "home.discovery.announce.barrier",
            json_bytes(
                {"v": 1, "id": "barrier", "name": "Barrier", "entities": [{"platform": "switch", "id": "b"}]}
            ),
        )
        await client.flush()
    finally:
        await client.close()
    await wait_for(hass, lambda: hass.states.get("switch.barrier_b") is not None)


def json_bytes(payload: dict[str, Any]) -> bytes:
    """Encode a payload as a device would."""
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    ("entity", "reason"),
    [
        (
            {"platform": "sensor", "id": "code", "unit": "x", "numeric": False},
            "a text sensor (numeric: false) cannot have a unit at 'entities[0].unit'",
        ),
        (
            {"platform": "sensor", "id": "code", "state_class": "measurement", "numeric": False},
            "a text sensor (numeric: false) cannot have a state_class at 'entities[0].state_class'",
        ),
        (
            {"platform": "sensor", "id": "phase", "options": ["a", "b"]},
            "options need device_class 'enum' at 'entities[0].options'",
        ),
    ],
)
async def test_contradictory_sensor_is_refused(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
    entity: dict[str, Any],
    reason: str,
) -> None:
    """numeric: false with a unit or state class is not shown without it: it is refused."""
    subject = "home.discovery.announce.lab"
    await _announce_then_barrier(
        hass, nats_server, subject, {"v": 1, "id": "lab", "name": "Lab", "entities": [entity]}
    )
    assert f"sensor.lab_{entity['id']}" not in hass.states.async_entity_ids()
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(setup_entry.entry_id, "lab"), setup_entry.entry_id
        )
        is None
    )
    assert f"Ignoring announcement on {subject}: {reason}" in caplog.text
    assert "(device lab)" in caplog.text


@pytest.mark.parametrize(
    ("field", "change", "where"),
    [
        ("mac", {"mac": "AA:BB:CC:DD:EE"}, "'mac'"),
        ("icon", {"icon_of_relay": "lightbulb"}, "'entities[0].icon'"),
        ("category", {"category_of_relay": "settings"}, "'entities[0].category'"),
    ],
)
async def test_invalid_optional_field_rejects_the_whole_announcement(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
    field: str,
    change: dict[str, Any],
    where: str,
) -> None:
    """The device's previous entities and device info stay; one line names device, subject, field."""
    device = await device_factory(
        "lab", [{"platform": "switch", "id": "relay"}], model="M1", mac="AA:BB:CC:DD:EE:01"
    )
    await device.set_state("relay", "ON")
    await wait_for(hass, lambda: state_of(hass, "switch.lab_relay")() == "on")

    relay: dict[str, Any] = {"platform": "switch", "id": "relay"}
    if "icon_of_relay" in change:
        relay["icon"] = change["icon_of_relay"]
    if "category_of_relay" in change:
        relay["category"] = change["category_of_relay"]
    payload = {
        **device.announcement(),
        "model": "M2",
        "mac": change.get("mac", "AA:BB:CC:DD:EE:01"),
        "entities": [relay, {"platform": "switch", "id": "fan"}],
    }
    subject = "home.discovery.announce.lab"
    await _announce_then_barrier(hass, nats_server, subject, payload)

    assert hass.states.get("switch.lab_fan") is None
    assert state_of(hass, "switch.lab_relay")() == "on"
    registered = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, "lab"), setup_entry.entry_id
    )
    assert registered is not None
    assert registered.model == "M1"
    lines = [r for r in caplog.records if r.getMessage().startswith(f"Ignoring announcement on {subject}:")]
    assert len(lines) == 1
    assert where in lines[0].getMessage()
    assert "(device lab)" in lines[0].getMessage()
    assert field in where
