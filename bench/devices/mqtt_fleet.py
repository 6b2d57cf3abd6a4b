"""Many MQTT devices in one process (one paho connection), separate from Home Assistant.

Publishes retained MQTT discovery configs (one per entity, the classic scheme)
and, for the cold-start profile, retained states; then takes the same stdin
commands as nats_fleet.py and publishes state updates at QoS 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from fleet_common import Pacer, cold_state, device_id, entities, report
import paho.mqtt.client as mqtt


def discovery_config(profile: str, dev: str, entity: dict) -> tuple[str, dict]:
    platform = entity["platform"]
    config = {
        "name": entity["name"],
        "unique_id": f"{dev}_{entity['id']}",
        "state_topic": f"bench/{dev}/{entity['id']}/state",
        "device": {"identifiers": [dev], "name": dev, "manufacturer": "bench", "model": "sim"},
    }
    if platform == "sensor":
        if "unit" in entity:
            config["unit_of_measurement"] = entity["unit"]
        if "device_class" in entity:
            config["device_class"] = entity["device_class"]
        config["state_class"] = entity["state_class"]
    if platform == "switch":
        config["command_topic"] = f"bench/{dev}/{entity['id']}/set"
    return f"homeassistant/{platform}/{dev}/{entity['id']}/config", config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--profile", choices=["cold", "ingest"], required=True)
    parser.add_argument("--devices", type=int, required=True)
    parser.add_argument("--entities", type=int, default=1)
    args = parser.parse_args()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-fleet-{args.profile}")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", args.port)
    client.loop_start()
    ents = entities(args.profile, args.entities)
    last = None
    t0 = time.monotonic()
    for i in range(args.devices):
        dev = device_id(args.profile, i)
        if i % 2000 == 1999 and last is not None:
            # At most 40,000 queued: QoS 1 message ids are 16 bits, and paho refuses a
            # message whose id is still queued (ERR_QUEUE_SIZE) once they wrap.
            last.wait_for_publish(timeout=600)
        for entity in ents:
            topic, config = discovery_config(args.profile, dev, entity)
            last = client.publish(topic, json.dumps(config), qos=1, retain=True)
            if args.profile == "cold":
                last = client.publish(config["state_topic"], str(cold_state(entity, i)), qos=1, retain=True)
    if last is not None:
        last.wait_for_publish(timeout=1800)  # QoS 1, in order: the last acked, all are retained
    print(json.dumps({"ready": True, "fill_s": round(time.monotonic() - t0, 2)}), flush=True)

    subjects = [f"bench/{device_id(args.profile, i)}/v/state" for i in range(args.devices)]
    counters = [0] * args.devices
    cursor = 0
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        rate = float(cmd["rate"])
        total = int(cmd["count"]) if "count" in cmd else int(rate * float(cmd["seconds"]))
        sent = 0
        t_first = time.monotonic()
        pacer = Pacer(rate, t_first)
        info = None
        while sent < total:
            due = min(pacer.due(time.monotonic()) + 1, total)
            while sent < due:
                index = cursor % args.devices
                cursor += 1
                counters[index] += 1
                info = client.publish(subjects[index], str(counters[index]), qos=0)
                sent += 1
            if sent < total:
                time.sleep(0.002)
        t_last = time.monotonic()
        if info is not None:
            info.wait_for_publish(timeout=30)
        report(sent, t_first, t_last, counters)
    client.loop_stop()
    client.disconnect()


if __name__ == "__main__":
    main()
