"""End to end: the host firmware's text, date, time and datetime in Home Assistant, over a real nats-server."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import HostFirmwareFactory
from .test_home_assistant import _assert_rejected, _call, _entity_id, _started

pytestmark = pytest.mark.timeout(600)


async def test_firmware_text_date_time_and_datetime_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Each appears with what the firmware announced, is set from Home Assistant, and its refusals are shown."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    greeting = _entity_id(hass, "text", "greeting")
    door_code = _entity_id(hass, "text", "door_code")
    holiday = _entity_id(hass, "date", "holiday")
    wake_up = _entity_id(hass, "time", "wake_up")
    departure = _entity_id(hass, "datetime", "departure")
    await wait_for(hass, lambda: hass.states.get(departure).state == "2026-01-02T03:04:05+00:00")
    assert hass.states.get(greeting).state == "Hello"
    assert hass.states.get(holiday).state == "2026-12-24"
    assert hass.states.get(wake_up).state == "06:45:00"
    attributes = hass.states.get(greeting).attributes
    assert (attributes["min"], attributes["max"], attributes["pattern"], attributes["mode"]) == (
        1,
        20,
        None,
        "text",
    )
    attributes = hass.states.get(door_code).attributes
    assert (attributes["max"], attributes["pattern"], attributes["mode"]) == (4, "^[0-9]{4}$", "password")

    await _call(hass, "text", "set_value", greeting, value="Grüß Gott")
    assert hass.states.get(greeting).state == "Grüß Gott"
    await _call(hass, "text", "set_value", door_code, value="0815")
    assert hass.states.get(door_code).state == "0815"
    await _call(hass, "date", "set_value", holiday, date=date(2027, 1, 6))
    assert hass.states.get(holiday).state == "2027-01-06"
    await _call(hass, "time", "set_value", wake_up, time=time(7, 5, 9))
    assert hass.states.get(wake_up).state == "07:05:09"
    await _call(
        hass,
        "datetime",
        "set_value",
        departure,
        datetime=datetime(2026, 6, 1, 10, 30, tzinfo=timezone(timedelta(hours=2))),
    )
    assert hass.states.get(departure).state == "2026-06-01T08:30:00+00:00"

    # Home Assistant checks the pattern before sending; the firmware checks what ESPHome can hold.
    with pytest.raises(ValueError, match="pattern"):
        await _call(hass, "text", "set_value", door_code, value="12a4")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "text", "set_value", greeting, value="ä" * 11)
    _assert_rejected(err.value, "value of 22 bytes longer than the device's 20")
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "date", "set_value", holiday, date=date(1969, 7, 20))
    _assert_rejected(err.value, "year 1969 out of range 1970..3000")
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass, "datetime", "set_value", departure, datetime=datetime(1969, 7, 20, 20, 17, tzinfo=UTC)
        )
    _assert_rejected(err.value, "year 1969 out of range 1970..3000")
    assert hass.states.get(greeting).state == "Grüß Gott"
    assert hass.states.get(holiday).state == "2027-01-06"
    assert hass.states.get(departure).state == "2026-06-01T08:30:00+00:00"
