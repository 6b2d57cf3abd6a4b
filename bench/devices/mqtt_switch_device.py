"""Round-trip device for HA's MQTT integration: one switch via MQTT discovery (own process, paho-mqtt).

On a command it does the same work as the NATS device: apply it and publish the new state.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

import paho.mqtt.client as mqtt

PREFIX = "benchmqtt/relay"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-mqtt-switch")
    config = {
        "name": "relay",
        "unique_id": "bench_mqtt_relay",
        "command_topic": f"{PREFIX}/set",
        "state_topic": f"{PREFIX}/state",
        "device": {"identifiers": ["bench_mqtt"], "name": "Bench MQTT", "manufacturer": "bench"},
    }

    def on_connect(client, userdata, flags, reason_code, properties):
        client.subscribe(f"{PREFIX}/set", qos=0)
        client.publish("homeassistant/switch/bench_mqtt/relay/config", json.dumps(config), qos=1, retain=True)
        client.publish(f"{PREFIX}/state", "OFF", qos=0, retain=True)
        print("ready", flush=True)

    def on_message(client, userdata, msg):
        state = msg.payload.decode()
        if state in ("ON", "OFF"):
            client.publish(f"{PREFIX}/state", state, qos=0, retain=True)

    client.on_connect = on_connect
    client.on_message = on_message
    client.connect("127.0.0.1", args.port)
    signal.signal(signal.SIGTERM, lambda *_: client.disconnect())
    client.loop_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
