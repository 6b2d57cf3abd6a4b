"""Update entities: versions, release details and progress as reported; install confirmed by the device."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.update import (
    ATTR_IN_PROGRESS,
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
    ATTR_RELEASE_SUMMARY,
    ATTR_RELEASE_URL,
    ATTR_TITLE,
    ATTR_UPDATE_PERCENTAGE,
    SERVICE_INSTALL,
    UpdateDeviceClass,
    UpdateEntityFeature,
)
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_SUPPORTED_FEATURES,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.nats.const import CONF_COMMAND_TIMEOUT
from nats_home.device import Device

from ...conftest import DeviceFactory
from .conftest import state_of, wait_for

ENTITIES = [
    {
        "platform": "update",
        "id": "firmware",
        "name": "Firmware",
        "device_class": "firmware",
        "supports_install": True,
        "supports_progress": True,
    },
    {"platform": "update", "id": "app", "name": "App"},
    {"platform": "sensor", "id": "barrier", "name": "Barrier"},
]
FIRMWARE = "update.porch_firmware"
APP = "update.porch_app"
AVAILABLE = {
    "latest_version": "2026.2.0",
    "title": "Porch firmware",
    "release_summary": "Fixes the doorbell",
    "release_url": "https://example.com/releases/2026.2.0",
}


async def _install(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("update", SERVICE_INSTALL, {ATTR_ENTITY_ID: entity_id}, blocking=True)


@pytest.fixture
async def porch(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device with an installable firmware reporting progress and a read-only app version, in HA."""
    device = await device_factory("porch", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.porch_barrier") is not None)
    return device


async def test_discovery(hass: HomeAssistant, porch: Device) -> None:
    """supports_install and supports_progress are features; the firmware device class as announced."""
    firmware = hass.states.get(FIRMWARE)
    assert firmware.state == STATE_UNKNOWN
    assert (
        firmware.attributes[ATTR_SUPPORTED_FEATURES]
        == UpdateEntityFeature.INSTALL | UpdateEntityFeature.PROGRESS
    )
    assert firmware.attributes[ATTR_DEVICE_CLASS] == UpdateDeviceClass.FIRMWARE
    app = hass.states.get(APP)
    assert app.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert ATTR_DEVICE_CLASS not in app.attributes


async def test_versions_and_release(hass: HomeAssistant, porch: Device) -> None:
    """A newer latest version turns the entity on, with the release details; the same version turns it off."""
    await porch.set_state("firmware", "2026.1.0", **AVAILABLE)
    await wait_for(hass, lambda: state_of(hass, FIRMWARE)() == STATE_ON)
    attributes = hass.states.get(FIRMWARE).attributes
    assert attributes[ATTR_INSTALLED_VERSION] == "2026.1.0"
    assert attributes[ATTR_LATEST_VERSION] == "2026.2.0"
    assert attributes[ATTR_TITLE] == "Porch firmware"
    assert attributes[ATTR_RELEASE_SUMMARY] == "Fixes the doorbell"
    assert attributes[ATTR_RELEASE_URL] == "https://example.com/releases/2026.2.0"
    assert attributes[ATTR_IN_PROGRESS] is False
    await porch.set_state("app", "3.1", latest_version="3.1")
    await wait_for(hass, lambda: state_of(hass, APP)() == STATE_OFF)


async def test_progress(hass: HomeAssistant, porch: Device) -> None:
    """in_progress and update_percentage are shown while an installation runs."""
    await porch.set_state("firmware", "2026.1.0", **AVAILABLE, in_progress=True, update_percentage=40)
    await wait_for(hass, lambda: hass.states.get(FIRMWARE).attributes[ATTR_UPDATE_PERCENTAGE] == 40)
    assert hass.states.get(FIRMWARE).attributes[ATTR_IN_PROGRESS] is True


async def test_invalid_state_dropped(
    hass: HomeAssistant, porch: Device, caplog: pytest.LogCaptureFixture
) -> None:
    """A release URL that is not http(s) makes the state invalid: dropped, logged, the last one kept."""
    await porch.set_state("app", "3.1", latest_version="3.1")
    await wait_for(hass, lambda: state_of(hass, APP)() == STATE_OFF)
    await porch.set_state("app", "3.1", latest_version="3.2", release_url="javascript:alert(1)")
    await porch.set_state("barrier", "after")  # handled after the bad state
    await wait_for(hass, lambda: state_of(hass, "sensor.porch_barrier")() == "after")
    assert state_of(hass, APP)() == STATE_OFF
    assert "Ignoring state on home.devices.porch.update.app.state" in caplog.text


async def test_install(hass: HomeAssistant, porch: Device) -> None:
    """Install sends the command and returns with the device's confirmed state: the latest version installed."""
    await porch.set_state("firmware", "2026.1.0", **AVAILABLE)
    await wait_for(hass, lambda: state_of(hass, FIRMWARE)() == STATE_ON)
    await _install(hass, FIRMWARE)
    assert porch.commands == [("firmware", {"action": "install"})]
    assert state_of(hass, FIRMWARE)() == STATE_OFF
    assert hass.states.get(FIRMWARE).attributes[ATTR_INSTALLED_VERSION] == "2026.2.0"


async def test_install_refused(hass: HomeAssistant, porch: Device) -> None:
    """A device that no longer installs refuses with the spec's text, translated."""
    await porch.set_state("firmware", "2026.1.0", **AVAILABLE)
    await wait_for(hass, lambda: state_of(hass, FIRMWARE)() == STATE_ON)
    porch.entities["firmware"]["supports_install"] = False
    with pytest.raises(HomeAssistantError) as err:
        await _install(hass, FIRMWARE)
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "Device Porch rejected the command: install not supported"
    assert hass.states.get(FIRMWARE).attributes[ATTR_INSTALLED_VERSION] == "2026.1.0"


async def test_install_timeout(hass: HomeAssistant, setup_entry: MockConfigEntry, porch: Device) -> None:
    """A device that does not answer in time fails the install, saying so."""
    await porch.set_state("firmware", "2026.1.0", **AVAILABLE)
    await wait_for(hass, lambda: state_of(hass, FIRMWARE)() == STATE_ON)
    hass.config_entries.async_update_entry(setup_entry, options={CONF_COMMAND_TIMEOUT: 0.5})

    async def hang(entity_id: str, command: dict[str, Any]) -> None:
        await asyncio.sleep(5)

    porch.command_handler = hang
    with pytest.raises(HomeAssistantError) as err:
        await _install(hass, FIRMWARE)
    assert err.value.translation_key == "command_timeout"
    assert hass.states.get(FIRMWARE).attributes[ATTR_IN_PROGRESS] is False
