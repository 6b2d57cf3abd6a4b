"""Several homes in one Home Assistant: each entry gets only its own devices and entities.

Two prefixes in one account (the integration keeps them apart), two
accounts with the same prefix on one server (the server keeps them apart:
examples/nats-server/two-homes.conf), and entries made before devices were
scoped to their entry, migrated with their entity ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import contextlib
from pathlib import Path
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_PASSWORD, CONF_USERNAME, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from custom_components.nats.identity import device_identifier
from nats_home.device import Device

from ...example_server import ExampleServer
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "sensor", "id": "temperature", "name": "Temperature", "unit": "°C"},
    {"platform": "switch", "id": "relay", "name": "Relay"},
]


@pytest.fixture
async def clients() -> AsyncIterator[list[Device]]:
    """The test's devices, stopped and disconnected at teardown."""
    started: list[Device] = []
    yield started
    for device in started:
        with contextlib.suppress(Exception):
            await device.stop(clean=False)
        await device.nc.close()


async def _device(clients: list[Device], url: str, prefix: str = "home", **auth: Any) -> Device:
    client = await nats.connect(url, **auth)
    device = Device(client, "kitchen", "Kitchen", ENTITIES, prefix=prefix, announce_jitter=0)
    clients.append(device)
    await device.start()
    return device


def _entity_id(hass: HomeAssistant, entry: MockConfigEntry | Any, platform: str, entity: str) -> str | None:
    """Return the entity id of the kitchen's entity in one entry, found by its scoped unique id."""
    unique_id = f"{entry.entry_id}:kitchen:{platform}:{entity}"
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)


def _kitchen(hass: HomeAssistant, entry_id: str) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_identifier(device_identifier(entry_id, "kitchen"), entry_id)


async def _add(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_two_prefixes_in_one_account(
    hass: HomeAssistant, nats_server: NatsServer, clients: list[Device]
) -> None:
    """Both homes have a device `kitchen`: each entry has its own device and entities; commands go to the right one."""
    entries = [
        MockConfigEntry(
            domain=DOMAIN,
            title=f"NATS ({prefix})",
            unique_id=f"{nats_server.url}/{prefix}",
            data={CONF_SERVERS: [nats_server.url], CONF_PREFIX: prefix, CONF_AUTH_METHOD: "none"},
        )
        for prefix in ("home", "flat")
    ]
    for entry in entries:
        await _add(hass, entry)
    home, flat = [await _device(clients, nats_server.url, prefix) for prefix in ("home", "flat")]
    await home.set_state("temperature", 21.5)
    await flat.set_state("temperature", 18.0)
    await wait_for(hass, lambda: all(_entity_id(hass, e, "sensor", "temperature") for e in entries))
    home_sensor, flat_sensor = (_entity_id(hass, e, "sensor", "temperature") for e in entries)
    assert home_sensor != flat_sensor
    await wait_for(hass, lambda: state_of(hass, str(home_sensor))() == "21.5")
    await wait_for(hass, lambda: state_of(hass, str(flat_sensor))() == "18.0")

    home_device, flat_device = (_kitchen(hass, e.entry_id) for e in entries)
    assert home_device is not None
    assert flat_device is not None
    assert home_device.id != flat_device.id
    assert home_device.config_entry_id == entries[0].entry_id
    assert flat_device.config_entry_id == entries[1].entry_id
    registry = er.async_get(hass)
    for entry, device in zip(entries, (home_device, flat_device), strict=True):
        owned = er.async_entries_for_config_entry(registry, entry.entry_id)
        assert {e.device_id for e in owned} == {device.id}
        assert len(owned) == len(ENTITIES)

    flat_relay = _entity_id(hass, entries[1], "switch", "relay")
    await hass.services.async_call("switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: flat_relay}, blocking=True)
    assert flat.commands == [("relay", {"state": "ON"})]
    assert home.commands == []
    assert state_of(hass, str(flat_relay))() == STATE_ON
    assert state_of(hass, str(_entity_id(hass, entries[0], "switch", "relay")))() != STATE_ON

    # Removing one home's kitchen leaves the other's alone.
    assert await hass.config_entries.async_remove(entries[1].entry_id)
    await hass.async_block_till_done()
    assert _kitchen(hass, entries[1].entry_id) is None
    assert _kitchen(hass, entries[0].entry_id) is not None


@pytest.fixture
def two_homes(tmp_path: Path) -> Iterator[ExampleServer]:
    server = ExampleServer(tmp_path, "two-homes.conf")
    server.start()
    yield server
    server.stop()


async def _flow(hass: HomeAssistant, url: str, user: str, password: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVERS: url, CONF_AUTH_METHOD: "userpass", CONF_PREFIX: "home"}
    )
    assert result["step_id"] == "credentials_userpass"
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_USERNAME: user, CONF_PASSWORD: password}
        )
    )


async def test_two_accounts_with_one_prefix(
    hass: HomeAssistant, two_homes: ExampleServer, clients: list[Device]
) -> None:
    """Two flats, prefix `home` each: both entries are accepted, and flat A cannot reach flat B."""
    url = two_homes.url
    result_a = await _flow(hass, url, "flat-a-homeassistant", "change-me-a")
    result_b = await _flow(hass, url, "flat-b-homeassistant", "change-me-b")
    assert result_a["type"] is FlowResultType.CREATE_ENTRY
    assert result_b["type"] is FlowResultType.CREATE_ENTRY
    entry_a, entry_b = result_a["result"], result_b["result"]
    assert entry_a.unique_id == f"{url}/home@user:flat-a-homeassistant"
    assert entry_b.unique_id == f"{url}/home@user:flat-b-homeassistant"
    # The same home added again is still a duplicate.
    again = await _flow(hass, url, "flat-a-homeassistant", "change-me-a")
    assert (again["type"], again["reason"]) == (FlowResultType.ABORT, "already_configured")
    await hass.async_block_till_done()
    assert entry_a.state is entry_b.state is ConfigEntryState.LOADED

    flat_a = await _device(clients, url, user="flat-a-devices", password="change-me-a-devices")  # noqa: S106 (the example's)
    flat_b = await _device(clients, url, user="flat-b-devices", password="change-me-b-devices")  # noqa: S106
    await flat_b.set_state("temperature", 20.0)
    await wait_for(hass, lambda: _entity_id(hass, entry_b, "sensor", "temperature") is not None)
    sensor_b = str(_entity_id(hass, entry_b, "sensor", "temperature"))
    await wait_for(hass, lambda: state_of(hass, sensor_b)() == "20.0")
    await wait_for(hass, lambda: _entity_id(hass, entry_a, "sensor", "temperature") is not None)

    # Flat A's device publishes on exactly the subject flat B's kitchen uses...
    await flat_a.nc.publish("home.devices.kitchen.sensor.temperature.state", b'{"state": 99}')
    await flat_a.nc.flush()
    # ...then a barrier in B: once B's own later message is in, A's would have been too.
    await flat_b.set_state("relay", "ON")
    relay_b = str(_entity_id(hass, entry_b, "switch", "relay"))
    await wait_for(hass, lambda: state_of(hass, relay_b)() == STATE_ON)
    assert state_of(hass, sensor_b)() == "20.0"
    assert state_of(hass, str(_entity_id(hass, entry_a, "sensor", "temperature")))() == "99"

    device_a, device_b = _kitchen(hass, entry_a.entry_id), _kitchen(hass, entry_b.entry_id)
    assert device_a is not None
    assert device_b is not None
    assert device_a.id != device_b.id
    assert device_a.config_entry_id == entry_a.entry_id
    registry = er.async_get(hass)
    assert {e.device_id for e in er.async_entries_for_config_entry(registry, entry_b.entry_id)} == {
        device_b.id
    }


async def test_migration_keeps_entity_ids(
    hass: HomeAssistant, nats_server: NatsServer, clients: list[Device]
) -> None:
    """An entry from before 1.2: devices and entities are re-keyed, the user's entity ids stay.

    Announced entities, settings' entities and credential buttons alike; the
    entry's unique id gains the user (the test server takes any).
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        unique_id=f"{nats_server.url}/home",
        minor_version=1,
        data={
            CONF_SERVERS: [nats_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "userpass",
            CONF_USERNAME: "ha",
            CONF_PASSWORD: "secret",
        },
    )
    entry.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    old_device = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "kitchen")}, name="Kitchen"
    )
    for platform, kind, entity, object_id in (
        ("sensor", "sensor", "temperature", "my_kitchen_temperature"),
        ("switch", "switch", "relay", "kettle"),
        ("switch", "config", "led", "kitchen_led_setting"),
        ("button", "credentials", "revoke_credentials", "kitchen_revoke"),
    ):
        entities.async_get_or_create(
            platform,
            DOMAIN,
            f"kitchen:{kind}:{entity}",
            config_entry=entry,
            device_id=old_device.id,
            suggested_object_id=object_id,
        )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert entry.unique_id == f"{nats_server.url}/home@user:ha"
    migrated = devices.async_get(old_device.id)
    assert migrated is not None
    assert migrated.identifiers == {device_identifier(entry.entry_id, "kitchen")}
    assert _entity_id(hass, entry, "sensor", "temperature") == "sensor.my_kitchen_temperature"
    assert _entity_id(hass, entry, "switch", "relay") == "switch.kettle"
    scope = entry.entry_id
    assert entities.async_get_entity_id("switch", DOMAIN, f"{scope}:kitchen:config:led") == (
        "switch.kitchen_led_setting"
    )
    assert entities.async_get_entity_id(
        "button", DOMAIN, f"{scope}:kitchen:credentials:revoke_credentials"
    ) == ("button.kitchen_revoke")

    device = await _device(clients, nats_server.url)
    await device.set_state("temperature", 22.0)
    await wait_for(hass, lambda: state_of(hass, "sensor.my_kitchen_temperature")() == "22.0")
    assert _kitchen(hass, entry.entry_id) == devices.async_get(old_device.id)
    assert len(er.async_entries_for_config_entry(entities, entry.entry_id)) == len(ENTITIES) + 2
