"""Discovery: announcements become devices and entities, bad ones nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from homeassistant.components.light import ATTR_SUPPORTED_COLOR_MODES, ColorMode
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.nats.const import DOMAIN
from custom_components.nats.identity import device_identifier

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import wait_for

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "announce.json").read_text())
FULL = VECTORS["valid"][0]["payload"]


def _device(hass: HomeAssistant, entry: MockConfigEntry, device_id: str) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.entry_id, device_id), entry.entry_id
    )


def _entities(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, er.RegistryEntry]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    # Unique ids without the entry's scope, which every one of them starts with.
    scope = f"{entry.entry_id}:"
    assert all(entity.unique_id.startswith(scope) for entity in entries)
    return {entity.unique_id.removeprefix(scope): entity for entity in entries}


async def test_full_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """Every platform of the full vector device appears with its capabilities."""
    info = {
        k: FULL[k] for k in ("manufacturer", "model", "sw_version", "hw_version", "mac", "suggested_area")
    }
    await device_factory("kitchen", FULL["entities"], name="Kitchen", **info)
    await wait_for(hass, lambda: len(_entities(hass, setup_entry)) == 10)

    device = _device(hass, setup_entry, "kitchen")
    assert device is not None
    assert (device.name, device.manufacturer, device.model) == ("Kitchen", "NATS Home", "Multi 1")
    assert (device.sw_version, device.hw_version) == ("1.2.0", "rev B")
    assert (dr.CONNECTION_NETWORK_MAC, "aa:bb:cc:dd:ee:01") in device.connections

    assert device.area_id == "kitchen"

    def state(platform: str, entity_id: str) -> Any:
        registry_id = er.async_get(hass).async_get_entity_id(
            platform, DOMAIN, f"{setup_entry.entry_id}:kitchen:{platform}:{entity_id}"
        )
        assert registry_id is not None, entity_id
        return hass.states.get(registry_id)

    temperature = state("sensor", "temperature")
    assert temperature.attributes[ATTR_DEVICE_CLASS] == "temperature"
    assert temperature.attributes[ATTR_UNIT_OF_MEASUREMENT] == "°C"
    assert temperature.attributes["state_class"] == "measurement"
    # name null: the device's main feature, named after the device
    ceiling = state("light", "ceiling")
    assert ceiling.name == "Kitchen"
    assert ceiling.attributes[ATTR_SUPPORTED_COLOR_MODES] == [ColorMode.BRIGHTNESS]
    strip = state("light", "strip")
    assert strip.name == "Kitchen Strip"
    assert set(strip.attributes[ATTR_SUPPORTED_COLOR_MODES]) == {ColorMode.COLOR_TEMP, ColorMode.RGB}
    assert strip.attributes["min_color_temp_kelvin"] == 2200
    assert strip.attributes["max_color_temp_kelvin"] == 6000
    assert state("light", "lamp").attributes[ATTR_SUPPORTED_COLOR_MODES] == [ColorMode.ONOFF]
    assert state("binary_sensor", "motion").attributes[ATTR_DEVICE_CLASS] == "motion"
    assert state("switch", "relay").attributes[ATTR_DEVICE_CLASS] == "outlet"
    target = state("number", "target").attributes
    assert (target["min"], target["max"], target["step"], target["mode"]) == (5, 30, 0.5, "slider")
    assert state("select", "mode").attributes["options"] == ["eco", "comfort", "off"]
    registry = er.async_get(hass)
    assert registry.async_get(state("button", "restart").entity_id).entity_category is EntityCategory.CONFIG
    status = registry.async_get(state("sensor", "status_text").entity_id)
    assert status.entity_category is EntityCategory.DIAGNOSTIC
    assert status.original_icon == "mdi:information"


async def test_reannounce_updates_in_place(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """A changed entity list adds, removes and changes entities without duplicates."""
    device = await device_factory(
        "hall",
        [
            {"platform": "switch", "id": "fan", "name": "Fan"},
            {"platform": "sensor", "id": "humidity", "name": "Humidity", "unit": "%"},
        ],
    )
    await wait_for(hass, lambda: len(_entities(hass, setup_entry)) == 2)
    registry = er.async_get(hass)
    registry.async_update_entity("switch.hall_fan", name="My fan")

    await device.set_entities(
        [
            {"platform": "switch", "id": "fan", "name": "Ceiling fan", "device_class": "switch"},
            {"platform": "binary_sensor", "id": "door", "name": "Door", "device_class": "door"},
        ]
    )
    await wait_for(hass, lambda: "hall:binary_sensor:door" in _entities(hass, setup_entry))
    entities = _entities(hass, setup_entry)
    assert set(entities) == {"hall:switch:fan", "hall:binary_sensor:door"}
    assert hass.states.get("sensor.hall_humidity") is None
    fan = registry.async_get("switch.hall_fan")
    assert fan.name == "My fan", "the user's customisation survives a re-announcement"
    assert fan.original_name == "Ceiling fan"
    assert hass.states.get("switch.hall_fan").attributes[ATTR_DEVICE_CLASS] == "switch"

    await device.announce()  # unchanged: nothing happens
    # Barrier: same publisher, same hub subscription, so handled after the re-announcement.
    await device.nc.publish(
        "home.discovery.announce.sentinel",
        json.dumps({"v": 1, "id": "sentinel", "name": "Sentinel", "entities": []}).encode(),
    )
    await wait_for(hass, lambda: _device(hass, setup_entry, "sentinel") is not None)
    assert len(_entities(hass, setup_entry)) == 2
    assert len(hass.states.async_entity_ids()) == 2


async def test_two_devices(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """Two devices with the same entity ids stay apart."""
    entities = [{"platform": "switch", "id": "relay", "name": "Relay"}]
    await device_factory("garage", entities)
    await device_factory("shed", entities)
    await wait_for(hass, lambda: len(_entities(hass, setup_entry)) == 2)
    assert _device(hass, setup_entry, "garage") is not None
    assert _device(hass, setup_entry, "shed") is not None
    assert hass.states.get("switch.garage_relay") is not None
    assert hass.states.get("switch.shed_relay") is not None


async def test_bare_announce_subject(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """A simple device may announce on the bare subject; its id comes from the payload."""
    client = await nats.connect(nats_server.url)
    await client.publish(
        "home.discovery.announce",
        json.dumps(
            {"v": 1, "id": "simple", "name": "Simple", "entities": [{"platform": "switch", "id": "s"}]}
        ).encode(),
    )
    await client.flush()
    await wait_for(hass, lambda: _device(hass, setup_entry, "simple") is not None)
    await client.close()


@pytest.mark.parametrize("case", [pytest.param(case, id=case["name"]) for case in VECTORS["invalid"]])
async def test_hostile_announcements_rejected(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
    case: dict[str, Any],
) -> None:
    """Each malformed or hostile announcement is refused with a warning naming its subject."""
    subject = "home.discovery.announce" + (f".{case['subject_device']}" if case["subject_device"] else "")
    client = await nats.connect(nats_server.url)
    await client.publish(subject, case["raw"].encode())
    # A valid announcement after it proves the bad one was processed: same publisher
    # and same hub subscription (the bare subject has one of its own), so in order.
    await client.publish(
        "home.discovery.announce" + (".sentinel" if case["subject_device"] else ""),
        json.dumps({"v": 1, "id": "sentinel", "name": "Sentinel", "entities": []}).encode(),
    )
    await client.flush()
    await wait_for(hass, lambda: _device(hass, setup_entry, "sentinel") is not None)
    await client.close()

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)
    assert [device.name for device in devices] == ["Sentinel"]
    assert _entities(hass, setup_entry) == {}
    assert f"Ignoring announcement on {subject}:" in caplog.text


async def test_unsupported_version_raises_repair_issue(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    device_factory: DeviceFactory,
) -> None:
    """A device speaking protocol v2 gets a repair issue, gone once it speaks v1."""
    client = await nats.connect(nats_server.url)
    await client.publish(
        "home.discovery.announce.future",
        json.dumps({"v": 2, "id": "future", "name": "Future", "entities": []}).encode(),
    )
    await client.flush()
    issues = ir.async_get(hass)
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, "unsupported_protocol_future") is not None)
    await client.close()

    await device_factory("future", [])
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, "unsupported_protocol_future") is None)


async def test_user_removes_device(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The user can delete a device (as in the UI); it comes back when it announces again."""
    assert await async_setup_component(hass, "config", {})
    device = await device_factory("attic", [{"platform": "switch", "id": "fan"}])
    await wait_for(hass, lambda: _device(hass, setup_entry, "attic") is not None)
    entry = _device(hass, setup_entry, "attic")
    assert entry is not None
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "device_id": entry.id,
            "config_entry_id": setup_entry.entry_id,
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    await hass.async_block_till_done()
    assert _device(hass, setup_entry, "attic") is None

    await device.announce()
    await wait_for(hass, lambda: _device(hass, setup_entry, "attic") is not None)
    await wait_for(hass, lambda: hass.states.get("switch.attic_fan") is not None)
