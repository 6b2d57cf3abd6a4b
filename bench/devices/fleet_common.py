"""What the simulated fleets publish: the same devices and entities for NATS and MQTT."""

from __future__ import annotations

import json

# Cold start: 10 entities per device (7 sensors, 2 binary sensors, 1 switch).
COLD_ENTITIES = [
    *(
        {
            "platform": "sensor",
            "id": f"t{i}",
            "name": f"t{i}",
            "unit": "°C",
            "state_class": "measurement",
            "device_class": "temperature",
        }
        for i in range(7)
    ),
    {"platform": "binary_sensor", "id": "b0", "name": "b0"},
    {"platform": "binary_sensor", "id": "b1", "name": "b1"},
    {"platform": "switch", "id": "s0", "name": "s0"},
]
# Ingest: one numeric sensor per device.
INGEST_ENTITIES = [{"platform": "sensor", "id": "v", "name": "v", "state_class": "measurement"}]


def entities(profile: str, per_device: int) -> list[dict]:
    base = COLD_ENTITIES if profile == "cold" else INGEST_ENTITIES
    return base[:per_device]


def cold_state(entity: dict, device_index: int) -> object:
    if entity["platform"] == "sensor":
        return round(15 + (device_index % 100) / 10 + int(entity["id"][1:]), 1)
    return "ON"


def device_id(profile: str, index: int) -> str:
    return f"{'cold' if profile == 'cold' else 'ing'}{index:04d}"


class Pacer:
    """Paced publishing: how many messages are due by now to hold `rate` per second."""

    def __init__(self, rate: float, t0: float) -> None:
        self.rate = rate
        self.t0 = t0

    def due(self, now: float) -> int:
        return int((now - self.t0) * self.rate)


def report(sent: int, t_first: float, t_last: float, counters: list[int]) -> None:
    """Print one run's result as the JSON line the benchmark driver reads."""
    elapsed = max(t_last - t_first, 1e-9)
    record = {
        "sent": sent,
        "t_first": t_first,
        "t_last": t_last,
        "achieved_rate": sent / elapsed,
        "last": counters,
    }
    print(json.dumps(record), flush=True)
