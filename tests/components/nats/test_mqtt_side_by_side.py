"""One broker for everything: HA's MQTT integration, an MQTT device and a NATS Home device on one server.

Home Assistant's MQTT integration and the MQTT device use nats-server's MQTT
listener (examples/nats-server/mqtt.conf); the NATS Home device its NATS port.

The MQTT device is a Zigbee2MQTT-style publisher (paho-mqtt, MQTT 3.1.1)
announcing itself with Home Assistant's MQTT discovery. What the example's
comments say about MQTT 5 and topic characters is observed here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import json
from pathlib import Path
import threading

import nats
from nats.aio.client import Client
import paho.mqtt.client as mqtt
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from nats_home.device import Device

from ...example_server import ExampleServer
from ...nats_server import free_port
from .conftest import state_of, wait_for

pytestmark = pytest.mark.jetstream

Z2M_PLUG, NATS_PLUG = "switch.z2m_plug", "switch.plug_relay"
DISCOVERY = {
    "name": None,  # the entity is the device's main feature: named after the device
    "unique_id": "z2m_plug",
    "device": {"identifiers": ["z2m_plug"], "name": "Z2M Plug"},
    "command_topic": "zigbee2mqtt/plug/set",
    "state_topic": "zigbee2mqtt/plug",
    "value_template": "{{ value_json.state }}",
    "payload_on": '{"state":"ON"}',
    "payload_off": '{"state":"OFF"}',
    "state_on": "ON",
    "state_off": "OFF",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ExampleServer]:
    mqtt_port = free_port()
    broker = ExampleServer(tmp_path, "mqtt.conf", **{'"0.0.0.0:1883"': f'"127.0.0.1:{mqtt_port}"'})
    broker.mqtt_port = mqtt_port  # type: ignore[attr-defined]
    broker.start()
    yield broker
    broker.stop()


class MqttDevice:
    """A Zigbee2MQTT-style device: announces by HA MQTT discovery, publishes state, obeys its set topic."""

    def __init__(self, port: int, protocol: int = mqtt.MQTTv311) -> None:
        self.received: list[bytes] = []
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="z2m-plug", protocol=protocol)
        self.client.on_connect = lambda client, *_: (
            client.subscribe("zigbee2mqtt/plug/set"),
            self.connected.set(),
        )
        self.client.on_message = lambda _client, _data, msg: self.received.append(msg.payload)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(
        self, client: mqtt.Client, _data: object, _flags: object, reason: object, *_: object
    ) -> None:
        if not getattr(reason, "is_failure", False):
            client.subscribe("zigbee2mqtt/plug/set")
            self.connected.set()

    def publish(self, topic: str, payload: str, *, retain: bool = False) -> None:
        """Publish with QoS 1 and wait until the server has it."""
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(timeout=5)

    def close(self) -> None:
        """Stop the network thread and disconnect."""
        self.client.loop_stop()
        self.client.disconnect()


@pytest.mark.usefixtures("mock_hass_config")  # HA's MQTT integration reads configuration.yaml
async def test_ha_mqtt_and_nats_devices_share_one_server(
    hass: HomeAssistant, server: ExampleServer, clients: list[Client]
) -> None:
    mqtt_port: int = server.mqtt_port  # type: ignore[attr-defined]
    # The MQTT device comes first: its retained discovery message waits in JetStream for Home Assistant.
    device = MqttDevice(mqtt_port)
    try:
        assert await hass.async_add_executor_job(device.connected.wait, 5)
        await hass.async_add_executor_job(
            lambda: device.publish("homeassistant/switch/z2m_plug/config", json.dumps(DISCOVERY), retain=True)
        )
        await hass.async_add_executor_job(
            lambda: device.publish("zigbee2mqtt/plug", '{"state":"ON"}', retain=True)
        )
        # Home Assistant's own MQTT integration, set to MQTT 3.1.1 (nats-server speaks nothing else).
        mqtt_entry = MockConfigEntry(
            domain="mqtt",
            data={"broker": "127.0.0.1", "port": mqtt_port, "protocol": "3.1.1"},
            options={"discovery": True, "discovery_prefix": "homeassistant"},
            version=2,
            minor_version=1,
        )
        mqtt_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
        nats_entry = MockConfigEntry(
            domain=DOMAIN,
            title="NATS (home)",
            data={CONF_SERVERS: [server.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
        )
        nats_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(nats_entry.entry_id)
        assert nats_entry.state is ConfigEntryState.LOADED

        # HA MQTT discovered the MQTT device through nats-server, with its retained state.
        await wait_for(hass, lambda: state_of(hass, Z2M_PLUG)() == STATE_ON, what="HA MQTT discovery")
        # A NATS subscriber sees what the MQTT device publishes ("/" becomes ".").
        nats_client = await nats.connect(server.url)
        clients.append(nats_client)
        z2m = await nats_client.subscribe("zigbee2mqtt.plug")
        await nats_client.flush()
        await hass.async_add_executor_job(lambda: device.publish("zigbee2mqtt/plug", '{"state":"OFF"}'))
        assert json.loads((await z2m.next_msg(timeout=5)).data) == {"state": "OFF"}
        await wait_for(hass, lambda: state_of(hass, Z2M_PLUG)() == STATE_OFF)
        # HA MQTT commands the MQTT device.
        await hass.services.async_call("switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: Z2M_PLUG}, blocking=True)
        await wait_for(
            hass, lambda: b'{"state":"ON"}' in device.received, what="the MQTT device got its command"
        )

        # A NATS Home device on the same server, confirmed commands as usual.
        plug = Device(
            await nats.connect(server.url),
            "plug",
            "Plug",
            [{"platform": "switch", "id": "relay"}],
            announce_jitter=0,
        )
        clients.append(plug.nc)
        await plug.start()
        await wait_for(hass, lambda: hass.states.get(NATS_PLUG) is not None)
        await hass.services.async_call("switch", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: NATS_PLUG}, blocking=True)
        assert plug.commands[-1] == ("relay", {"state": "OFF"})
        await plug.stop()
    finally:
        await hass.async_add_executor_job(device.close)
    await hass.config_entries.async_unload(mqtt_entry.entry_id)
    await hass.config_entries.async_unload(nats_entry.entry_id)


async def test_the_limits_the_example_names(server: ExampleServer, clients: list[Client]) -> None:
    """MQTT 5 is refused; a space in a topic closes the client; "." inside a level arrives as "//"."""
    mqtt_port: int = server.mqtt_port  # type: ignore[attr-defined]
    log = server.workdir / "server.log"
    v5 = MqttDevice(mqtt_port, protocol=mqtt.MQTTv5)
    try:
        await asyncio.sleep(0.5)
        assert "unacceptable protocol version of 5" in log.read_text()
        assert not v5.client.is_connected()
    finally:
        await asyncio.to_thread(v5.close)

    nats_client = await nats.connect(server.url)
    clients.append(nats_client)
    dotted = await nats_client.subscribe("z2m.>")
    await nats_client.flush()
    device = MqttDevice(mqtt_port)
    assert await asyncio.to_thread(device.connected.wait, 5)
    await asyncio.to_thread(device.publish, "z2m/v1.2", "x")
    assert (await dotted.next_msg(timeout=5)).subject == "z2m.v1//2"
    device.client.publish("z2m/living room", "x")
    await asyncio.sleep(0.5)
    try:
        assert "character not supported for MQTT topics" in log.read_text()
        assert not device.client.is_connected()
    finally:
        await asyncio.to_thread(device.close)
