"""What a service call does when its device is offline, in each of the three cases.

docs/integration.md ("When a device is offline") describes the same three cases.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ...conftest import DeviceFactory, server_has_everything
from .conftest import state_of, wait_for

RELAY = [{"platform": "switch", "id": "relay", "name": "Relay"}]


async def _turn_on(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call("switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True)


@pytest.fixture
async def cellar(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Any:
    """A device with one switch, available in Home Assistant."""
    device = await device_factory("cellar", RELAY, heartbeat_interval=60)
    await wait_for(hass, lambda: state_of(hass, "switch.cellar_relay")() not in (None, STATE_UNAVAILABLE))
    return device


async def test_no_responders_makes_the_device_unavailable_at_once(hass: HomeAssistant, cellar: Any) -> None:
    """Nobody holds the command subscription: the call says offline and the device is unavailable.

    Its heartbeat window (2.5 x 60 s) would otherwise keep it available for minutes;
    it comes back as soon as it is heard again.
    """
    await cellar.stop(clean=False)  # gone without a goodbye: only NATS knows
    # Its unsubscriptions are only buffered: the server must have them before the
    # command, or it still delivers it (to nobody) and the call times out instead.
    await server_has_everything(cellar.nc)
    with pytest.raises(HomeAssistantError) as err:
        await _turn_on(hass, "switch.cellar_relay")
    assert err.value.translation_key == "device_offline"
    assert hass.states.get("switch.cellar_relay").state == STATE_UNAVAILABLE

    await cellar.start()
    await wait_for(hass, lambda: state_of(hass, "switch.cellar_relay")() != STATE_UNAVAILABLE)
    await _turn_on(hass, "switch.cellar_relay")
    assert hass.states.get("switch.cellar_relay").state == STATE_ON


async def test_call_on_an_unavailable_entity_does_nothing_and_home_assistant_warns(
    hass: HomeAssistant, cellar: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant skips unavailable entities: no error, no command, one core warning.

    This is Home Assistant's own rule for every integration (its service
    helper filters unavailable entities before any integration code runs);
    the documentation says so instead of promising an error.
    """
    await cellar.heartbeat(online=False)
    await wait_for(hass, lambda: state_of(hass, "switch.cellar_relay")() == STATE_UNAVAILABLE)
    await _turn_on(hass, "switch.cellar_relay")
    assert "Referenced entities switch.cellar_relay are missing or not currently available" in caplog.text
    # A command the device answered would have been recorded before the call returned.
    assert cellar.commands == []
