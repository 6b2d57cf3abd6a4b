"""Per-device options: one device's own command timeout and heartbeat tolerance, the others keep the home's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT, CONF_DEVICE_OPTIONS, CONF_HEARTBEAT_TOLERANCE

from ...conftest import DeviceFactory, server_has_everything
from .conftest import state_of, wait_for

RELAY = [{"platform": "switch", "id": "relay"}]
SLOW_REPLY = 1.0
"""Seconds the slow devices take to confirm a command (a radio bridge, say)."""


async def _slow(entity_id: str, command: dict[str, Any]) -> None:
    await asyncio.sleep(SLOW_REPLY)


async def _turn_on(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: entity_id}, blocking=True)


async def _set_device_options(
    hass: HomeAssistant, entry: MockConfigEntry, device_id: str, **values: Any
) -> None:
    """Configure → Device options → the device → its values, as a user does."""
    hub = entry.runtime_data.hub
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "device_options"}
    )
    assert result["step_id"] == "device_options"
    choices = result["data_schema"].schema["device_id"].config["options"]
    assert device_id in [choice["value"] for choice in choices]
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"device_id": device_id})
    assert result["step_id"] == "device_settings"
    result = await hass.config_entries.options.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.hub is hub  # applied without a reload


@pytest.fixture
async def home(
    hass: HomeAssistant, config_entry: MockConfigEntry, device_factory: DeviceFactory
) -> MockConfigEntry:
    """A home whose command timeout (0.5 s) is shorter than two slow devices take to answer."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_COMMAND_TIMEOUT: 0.5})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    for device_id in ("bridge", "shed"):
        await device_factory(device_id, RELAY, command_handler=_slow)
    await wait_for(hass, lambda: hass.states.get("switch.shed_relay") is not None)
    await wait_for(hass, lambda: hass.states.get("switch.bridge_relay") is not None)
    return config_entry


async def test_a_slow_device_gets_its_own_command_timeout(hass: HomeAssistant, home: MockConfigEntry) -> None:
    """With 3 s of its own the bridge confirms; the shed still fails after the home's 0.5 s."""
    with pytest.raises(HomeAssistantError) as failed:
        await _turn_on(hass, "switch.bridge_relay")
    assert failed.value.translation_key == "command_timeout"

    await _set_device_options(hass, home, "bridge", **{CONF_COMMAND_TIMEOUT: 3})
    assert home.options == {
        CONF_COMMAND_TIMEOUT: 0.5,
        CONF_DEVICE_OPTIONS: {"bridge": {CONF_COMMAND_TIMEOUT: 3}},
    }
    await _turn_on(hass, "switch.bridge_relay")
    assert state_of(hass, "switch.bridge_relay")() == "on"
    with pytest.raises(HomeAssistantError) as failed:
        await _turn_on(hass, "switch.shed_relay")
    assert failed.value.translation_placeholders == {"device": "Shed", "timeout": "0.5"}

    # The form shows the device's own value; emptied, the home's applies again.
    await _set_device_options(hass, home, "bridge")
    assert home.options == {CONF_COMMAND_TIMEOUT: 0.5}


async def test_home_settings_keep_the_device_options(hass: HomeAssistant, home: MockConfigEntry) -> None:
    """Saving the home's settings does not drop what a device was given."""
    await _set_device_options(hass, home, "bridge", **{CONF_HEARTBEAT_TOLERANCE: 4})
    result = await hass.config_entries.options.async_init(home.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_COMMAND_TIMEOUT: 1})
    await hass.async_block_till_done()
    assert home.options[CONF_DEVICE_OPTIONS] == {"bridge": {CONF_HEARTBEAT_TOLERANCE: 4}}
    assert home.options[CONF_COMMAND_TIMEOUT] == 1


async def test_a_device_that_may_miss_heartbeats_stays_available(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """Heartbeats every second: the sleepy device (tolerance 6) outlives the other one's 2.5 s of silence."""
    devices = [
        await device_factory(device_id, RELAY, heartbeat_interval=1) for device_id in ("sleepy", "awake")
    ]
    for device in devices:
        await wait_for(
            hass, lambda d=device: state_of(hass, f"switch.{d.id}_relay")() not in (None, STATE_UNAVAILABLE)
        )
    hub = setup_entry.runtime_data.hub
    await _set_device_options(hass, setup_entry, "sleepy", **{CONF_HEARTBEAT_TOLERANCE: 6})
    # The tolerance counts from the device's next heartbeat.
    await wait_for(hass, lambda: hub.devices["sleepy"].liveness.window == 6)
    for device in devices:
        for task in list(device._tasks):  # no more heartbeats
            task.cancel()
        await server_has_everything(device.nc)
    assert hub.devices["awake"].liveness.window == 2.5

    await wait_for(hass, lambda: state_of(hass, "switch.awake_relay")() == STATE_UNAVAILABLE, timeout=6)
    assert state_of(hass, "switch.sleepy_relay")() != STATE_UNAVAILABLE
    await wait_for(hass, lambda: state_of(hass, "switch.sleepy_relay")() == STATE_UNAVAILABLE, timeout=8)


async def test_device_options_need_a_known_device(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    """No device has announced: the step says so instead of offering an empty list."""
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "device_options"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices"
