"""End to end: the firmware's alarm control panel and update platforms, against a real server and in HA.

The alarm panel is examples/esphome/host.yaml's template panel. ESPHome's
only update platform flashes firmware over OTA, which the host platform
cannot do: tests/esphome/stand_ins.yaml uses a test-only stand-in
(tests/esphome/components/nats_test_update) whose perform() reports progress
and then the latest version as installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.alarm_control_panel import (
    AlarmControlPanelEntityFeature,
    AlarmControlPanelState,
    CodeFormat,
)
from homeassistant.components.update import UpdateEntityFeature
from homeassistant.const import ATTR_CODE, ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from custom_components.nats.protocol.payloads import parse_announcement, parse_state
from custom_components.nats.protocol.platforms.alarm_control_panel import AlarmControlPanelState as AlarmState
from custom_components.nats.protocol.platforms.update import UpdateState

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import STAND_IN_DEVICE_ID, HostFirmware, HostFirmwareFactory
from .recorder import Recorder
from .test_host_firmware import bus, client, command, confirmed, entity, first_state, start  # noqa: F401

pytestmark = pytest.mark.timeout(600)

RELEASE = {
    "latest_version": "2026.2.0",
    "title": "NATS update test",
    "release_summary": "Fixes the doorbell",
    "release_url": "https://example.com/releases/2026.2.0",
}


@pytest.fixture
def update_firmware(
    stand_in_firmware_binary: Path, start_firmware: Callable[..., HostFirmware]
) -> Callable[[str], HostFirmware]:
    """Start the update test firmware against a server."""
    return lambda url: start_firmware(stand_in_firmware_binary, url, device_id=STAND_IN_DEVICE_ID)


async def test_alarm_panel_announced_and_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """The template panel's features and code are announced; each action confirmed, each refusal explained."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    panel = entity(announcement, "house_alarm")
    # arming_home_time makes arm_home a feature; arm_away and trigger always are.
    assert panel.actions == ("arm_home", "arm_away", "trigger")
    assert (panel.code_format, panel.code_arm_required) == ("number", True)
    assert await first_state(bus, firmware, panel) == AlarmState("disarmed")

    refusals = [
        ({"action": "arm_away"}, "code required"),
        ({"action": "arm_night", "code": "1234"}, "arm_night not supported"),
        (
            {"action": "arm_away", "code": "0000"},
            "refused by the panel: wrong code, or not possible while disarmed",
        ),
        ({"action": "arm", "code": "1234"}, "invalid action"),
    ]
    for payload, error in refusals:
        reply = await command(client, firmware, "alarm_control_panel", "house_alarm", payload)
        assert not reply.ok, payload
        assert error in (reply.error or ""), (payload, reply.error)

    assert await confirmed(
        client, bus, firmware, panel, {"action": "arm_away", "code": "1234"}
    ) == AlarmState("armed_away")
    # ESPHome's panels arm only from disarmed.
    reply = await command(
        client, firmware, "alarm_control_panel", "house_alarm", {"action": "arm_home", "code": "1234"}
    )
    assert reply.error == "refused by the panel: wrong code, or not possible while armed_away"
    reply = await command(client, firmware, "alarm_control_panel", "house_alarm", {"action": "disarm"})
    assert reply.error == "code required"
    assert await confirmed(client, bus, firmware, panel, {"action": "trigger"}) == AlarmState("triggered")
    assert await confirmed(client, bus, firmware, panel, {"action": "disarm", "code": "1234"}) == AlarmState(
        "disarmed"
    )
    assert await confirmed(
        client, bus, firmware, panel, {"action": "arm_home", "code": "1234"}
    ) == AlarmState("armed_home")
    subject = firmware.subject("alarm_control_panel", "house_alarm", "command")
    assert f"Command rejected on {subject}: arm_night not supported" in firmware.log()


async def test_alarm_panel_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """The firmware's panel in Home Assistant: features, code, services confirmed, a wrong code refused."""
    host_firmware(nats_server.url)
    entity_id = await _entity(hass, "nats-host-demo", "alarm_control_panel", "house_alarm")
    await wait_for(
        hass, lambda: hass.states.get(entity_id).state == AlarmControlPanelState.DISARMED, timeout=10
    )
    attributes = hass.states.get(entity_id).attributes
    assert attributes["supported_features"] == (
        AlarmControlPanelEntityFeature.ARM_HOME
        | AlarmControlPanelEntityFeature.ARM_AWAY
        | AlarmControlPanelEntityFeature.TRIGGER
    )
    assert (attributes["code_format"], attributes["code_arm_required"]) == (CodeFormat.NUMBER, True)

    with pytest.raises(ServiceValidationError):  # Home Assistant's own check: arming needs the code
        await _alarm(hass, "alarm_arm_away", entity_id)
    await _alarm(hass, "alarm_arm_away", entity_id, **{ATTR_CODE: "1234"})
    assert hass.states.get(entity_id).state == AlarmControlPanelState.ARMED_AWAY
    with pytest.raises(HomeAssistantError) as err:
        await _alarm(hass, "alarm_disarm", entity_id, **{ATTR_CODE: "9999"})
    assert err.value.translation_key == "command_rejected"
    assert "refused by the panel: wrong code" in str(err.value)
    assert hass.states.get(entity_id).state == AlarmControlPanelState.ARMED_AWAY
    await _alarm(hass, "alarm_trigger", entity_id)
    assert hass.states.get(entity_id).state == AlarmControlPanelState.TRIGGERED
    await _alarm(hass, "alarm_disarm", entity_id, **{ATTR_CODE: "1234"})
    assert hass.states.get(entity_id).state == AlarmControlPanelState.DISARMED


async def test_update_announced_and_installed(
    update_firmware: Callable[[str], HostFirmware], nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """update_info is the state; install calls perform(), whose progress and new version follow as states."""
    firmware = update_firmware(nats_server.url)
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    announcement = parse_announcement(msg.data, firmware.device_id)
    updates = {e.id: e for e in announcement.entities if e.platform == "update"}
    assert set(updates) == {"firmware", "companion_app"}
    firmware_update = updates["firmware"]
    assert (
        firmware_update.device_class,
        firmware_update.supports_install,
        firmware_update.supports_progress,
    ) == (
        "firmware",
        True,
        True,
    )
    assert updates["companion_app"].device_class is None
    assert await first_state(bus, firmware, firmware_update) == UpdateState("2026.1.0", **RELEASE)
    assert await first_state(bus, firmware, updates["companion_app"]) == UpdateState("3.1", "3.1")

    mark = bus.mark()
    reply = await command(client, firmware, "update", "firmware", {"action": "install"})
    assert reply.ok, reply.error
    # The reply says the installation started; progress and the new version follow.
    assert reply.state is not None
    assert (reply.state["in_progress"], reply.state["update_percentage"]) == (True, 0)
    subject = firmware.subject("update", "firmware", "state")
    for percentage in (50, 100):
        await bus.wait_for(
            subject,
            lambda m, p=percentage: parse_state(firmware_update, m.data).update_percentage == p,
            since=mark,
        )
    done = await bus.wait_for(
        subject, lambda m: parse_state(firmware_update, m.data).state == "2026.2.0", since=mark
    )
    assert parse_state(firmware_update, done.data) == UpdateState("2026.2.0", **RELEASE)
    assert "'Firmware': perform(force=false) called" in firmware.log()

    reply = await command(client, firmware, "update", "firmware", {"action": "check"})
    assert (reply.ok, reply.error) == (False, 'invalid action: must be "install"')


async def test_update_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    update_firmware: Callable[[str], HostFirmware],
) -> None:
    """The firmware's update entity in Home Assistant: an update offered, installed through update.install."""
    firmware = update_firmware(nats_server.url)
    entity_id = await _entity(hass, STAND_IN_DEVICE_ID, "update", "firmware")
    await wait_for(hass, lambda: hass.states.get(entity_id).state == STATE_ON, timeout=10)
    attributes = hass.states.get(entity_id).attributes
    assert attributes["supported_features"] == UpdateEntityFeature.INSTALL | UpdateEntityFeature.PROGRESS
    assert (attributes["installed_version"], attributes["latest_version"]) == ("2026.1.0", "2026.2.0")
    assert attributes["release_url"] == RELEASE["release_url"]

    await hass.services.async_call("update", "install", {ATTR_ENTITY_ID: entity_id}, blocking=True)
    assert "'Firmware': perform(force=false) called" in firmware.log()
    await wait_for(
        hass, lambda: hass.states.get(entity_id).attributes["installed_version"] == "2026.2.0", timeout=10
    )
    assert hass.states.get(entity_id).state == STATE_OFF
    app = await _entity(hass, STAND_IN_DEVICE_ID, "update", "companion_app")
    await wait_for(hass, lambda: hass.states.get(app).state == STATE_OFF, timeout=10)


async def _entity(hass: HomeAssistant, device_id: str, platform: str, object_id: str) -> str:
    """The entity id Home Assistant gives a firmware entity, once it is registered."""
    end = f":{device_id}:{platform}:{object_id}"

    def _find() -> str | None:
        found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(end)]
        return found[0] if found and hass.states.get(found[0]) is not None else None

    await wait_for(hass, lambda: _find() is not None, timeout=30)
    entity_id = _find()
    assert entity_id is not None
    return entity_id


async def _alarm(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "alarm_control_panel", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )
