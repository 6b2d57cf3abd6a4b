"""Diagnostics: complete, with secrets and MACs redacted."""

from __future__ import annotations

import nats
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    snapshot: SnapshotAssertion,
) -> None:
    """The password, user and MAC never appear; devices and states do."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="diag",
        data={
            CONF_SERVERS: [nats_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "none",
            CONF_USERNAME: "ha-user",
            CONF_PASSWORD: "super-secret",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    device = await device_factory(
        "lab",
        [
            {"platform": "light", "id": "lamp", "name": "Lamp", "color_modes": ["rgb"]},
            {"platform": "sensor", "id": "lux", "name": "Lux", "unit": "lx"},
        ],
        mac="02:00:00:00:00:01",
        manufacturer="Acme",
    )
    await device.set_state("lamp", "ON", color_mode="rgb", rgb=[1, 2, 3], brightness=4)
    await device.set_state("lux", 300)
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_lux")() == "300")

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert "super-secret" not in text
    assert "ha-user" not in text
    assert "02:00:00:00:00:01" not in text
    # Counts depend on how often the device re-announced; the snapshot skips them.
    messages = diagnostics["messages"]
    assert messages["states_applied"] >= 2
    assert messages["states_invalid"] == 0
    assert messages["client"]["in_msgs"] >= messages["states_applied"]
    assert 0 <= diagnostics["devices"]["lab"]["last_heard_seconds_ago"] < 5
    # With JetStream the streams were created (nothing to restore yet); without, the home works the same.
    assert diagnostics["retention"]["available"] == nats_server.jetstream
    assert diagnostics["retention"]["restored_at_start"]["devices"] == 0
    volatile = (
        "servers",
        "server_version",
        "messages",
        "last_heard_seconds_ago",
        "last_discovery",
        "retention",
    )
    assert diagnostics == snapshot(exclude=props(*volatile))


async def test_diagnostics_count_invalid_states(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
) -> None:
    """A device sending bad states shows up in the counts a maintainer reads."""
    device = await device_factory("lab", [{"platform": "sensor", "id": "lux", "name": "Lux", "unit": "lx"}])
    await device.set_state("lux", 300)
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_lux")() == "300")
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.lab.sensor.lux.state", b'{"state":')
    # Barrier: same publisher, same hub subscription, so handled after the bad one.
    await client.publish("home.devices.lab.sensor.lux.state", b'{"state":301}')
    await client.flush()
    await client.close()
    await wait_for(hass, lambda: state_of(hass, "sensor.lab_lux")() == "301")

    messages = (await get_diagnostics_for_config_entry(hass, hass_client, setup_entry))["messages"]
    assert messages["states_invalid"] == 1
