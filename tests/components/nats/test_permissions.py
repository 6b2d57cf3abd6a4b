"""Home Assistant with the user `nats_home.authz` generates for it, devices with theirs (docs/security.md).

The server runs exactly the generated authorization block: Home Assistant's
user may do what the integration needs (streams, restore, settings bucket,
commands) and no more; each device only its own subjects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    CONF_USERNAME,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.authz import UserEntry, render, users
from nats_home.config_settings import ConfigValue
from nats_home.device import Device
from nats_home.permissions import device_inbox_prefix

from ...nats_fixtures import until
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

pytestmark = pytest.mark.jetstream

ENTITIES = [{"platform": "switch", "id": "relay", "name": "Relay"}]
CONFIG = [{"id": "led", "name": "Status LED", "type": "switch", "default": True}]


@pytest.fixture
def entries() -> list[UserEntry]:
    """Home Assistant's user and two devices', with fresh passwords."""
    return users("home", ["kitchen", "hallway"])


@pytest.fixture
def nats_server(tmp_path: Path, entries: list[UserEntry]) -> Iterator[NatsServer]:
    """nats-server with JetStream running exactly the generated configuration."""
    (tmp_path / "auth.conf").write_text(render(entries, "home"))
    server = NatsServer(tmp_path, "include auth.conf")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config_entry(nats_server: NatsServer, entries: list[UserEntry]) -> MockConfigEntry:
    """A config entry with Home Assistant's generated user."""
    creds = entries[0].credentials
    return MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        unique_id=f"{nats_server.url}/home",
        data={
            CONF_SERVERS: [nats_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "userpass",
            CONF_USERNAME: creds.user,
            CONF_PASSWORD: creds.password,
        },
    )


class Errors:
    """What the server reported to one client (permission violations)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    async def record(self, err: Exception) -> None:
        """nats-py's error callback."""
        self.found.append(str(err))


@pytest.fixture
async def device_clients() -> AsyncIterator[list[tuple[Client, Errors, Device]]]:
    """Devices and their connections, stopped and closed at teardown."""
    opened: list[tuple[Client, Errors, Device]] = []
    yield opened
    for client, _, device in opened:
        await device.stop(clean=False)
        await client.close()


async def _device(
    server: NatsServer, entry: UserEntry, opened: list[tuple[Client, Errors, Device]], **kwargs: Any
) -> tuple[Device, Errors]:
    assert entry.device_id is not None
    errors = Errors()
    client = await nats.connect(
        server.url,
        user=entry.credentials.user,
        password=entry.credentials.password,
        inbox_prefix=device_inbox_prefix(entry.device_id),
        error_cb=errors.record,
    )
    device = Device(client, entry.device_id, entry.device_id.title(), ENTITIES, announce_jitter=0, **kwargs)
    opened.append((client, errors, device))
    await device.start()
    return device, errors


def _server_errors(server: NatsServer) -> list[str]:
    return [line for line in (server.workdir / "nats.log").read_text().splitlines() if "Violation" in line]


async def test_home_assistant_works_end_to_end_with_its_generated_user(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    entries: list[UserEntry],
    device_clients: list[tuple[Client, Errors, Device]],
) -> None:
    hub = setup_entry.runtime_data.hub
    assert hub.retention.available  # the streams were created with its user
    assert hub.device_config.available  # and the settings bucket
    led_changes: list[tuple[str, ConfigValue]] = []

    async def on_config(setting_id: str, value: ConfigValue) -> None:
        led_changes.append((setting_id, value))

    kitchen, kitchen_errors = await _device(
        nats_server, entries[1], device_clients, config=CONFIG, on_config=on_config
    )
    hallway, hallway_errors = await _device(nats_server, entries[2], device_clients)
    await wait_for(hass, lambda: hass.states.get("switch.kitchen_status_led") is not None)
    await wait_for(hass, lambda: hass.states.get("switch.hallway_relay") is not None)

    # A confirmed command, to each device.
    for device in (kitchen, hallway):
        await hass.services.async_call(
            "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: f"switch.{device.id}_relay"}, blocking=True
        )
        assert device.states["relay"] == {"state": "ON"}
        await wait_for(hass, lambda device=device: state_of(hass, f"switch.{device.id}_relay")() == "on")

    # A setting written with compare-and-set reaches the device over its own $KV subject.
    await hass.services.async_call(
        "switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: "switch.kitchen_status_led"}, blocking=True
    )
    await until(lambda: kitchen.config_values["led"] is False, 5)
    assert led_changes == [("led", False)]

    # Restart with the kitchen gone: restored from the streams, its stored setting read back.
    await kitchen.stop()
    await until(lambda: hub.devices["kitchen"].liveness.available is False, 5)
    assert await hass.config_entries.async_unload(setup_entry.entry_id)
    for state in hass.states.async_all():
        if state.entity_id.startswith("switch."):
            hass.states.async_remove(state.entity_id)
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    await hass.async_block_till_done()
    hub = setup_entry.runtime_data.hub
    assert hub.restored.devices == 2
    assert state_of(hass, "switch.kitchen_relay")() == STATE_UNAVAILABLE  # it said goodbye
    await wait_for(hass, lambda: state_of(hass, "switch.hallway_relay")() == "on")
    assert hub.device_config.value("kitchen", "led") is False

    # The kitchen comes back and reads its stored setting with its own direct get.
    kitchen, kitchen_errors = await _device(nats_server, entries[1], device_clients, config=CONFIG)
    assert kitchen.config_values["led"] is False
    await wait_for(hass, lambda: state_of(hass, "switch.kitchen_relay")() != STATE_UNAVAILABLE)

    assert kitchen_errors.found == hallway_errors.found == []
    assert _server_errors(nats_server) == []  # Home Assistant's user needed nothing more


async def test_an_announcement_forged_for_another_device_is_refused_by_the_server(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    entries: list[UserEntry],
    device_clients: list[tuple[Client, Errors, Device]],
) -> None:
    kitchen, errors = await _device(nats_server, entries[1], device_clients)
    await wait_for(hass, lambda: hass.states.get("switch.kitchen_relay") is not None)
    forged = b'{"v":1,"id":"hallway","name":"Hallway","entities":[{"platform":"switch","id":"relay"}]}'
    for subject in ("home.discovery.announce.hallway", "home.discovery.announce"):
        await kitchen.nc.publish(subject, forged)
        await until(lambda subject=subject: any(f'"{subject}"' in error for error in errors.found), 5)
    await kitchen.nc.flush()
    await hass.async_block_till_done()
    assert "hallway" not in setup_entry.runtime_data.hub.devices
    assert hass.states.get("switch.hallway_relay") is None
