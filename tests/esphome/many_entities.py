"""A host firmware with 150 entities and a 1 KiB send buffer (tests/esphome/test_many_entities.py).

Its announcement is about thirty times the send buffer, so it only gets out
streamed; its on_message subjects are long enough that their SUBs do not fit
the send buffer at once either. The YAML is generated (150 entities by hand
would hide what matters) into the build directory.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import BUILD_DIR, ROOT

DEVICE_ID = "nats-many"
TX_BUFFER_SIZE = 1024
# (ESPHome domain, protocol platform, how many, name stem); 150 in all.
KINDS = [
    ("switch", "switch", 50, "Greenhouse irrigation valve relay in row"),
    ("sensor", "sensor", 40, "Greenhouse soil moisture sensor in bed"),
    ("binary_sensor", "binary_sensor", 20, "Greenhouse window contact on pane"),
    ("number", "number", 15, "Greenhouse heating setpoint in zone"),
    ("select", "select", 10, "Greenhouse ventilation fan mode in bay"),
    ("button", "button", 10, "Greenhouse misting pulse trigger in bay"),
    ("text_sensor", "sensor", 5, "Greenhouse controller status line"),
]
# Subscriptions whose SUB lines together exceed the send buffer.
LONG_SUBJECTS = [f"many.subscription.{i}." + "x" * 160 for i in range(7)]
ECHO_SUBJECT = "many.echoed"


def entity_name(stem: str, index: int) -> str:
    """The YAML name of the index-th entity of a kind."""
    return f"{stem} {index:03d}"


def expected_entities() -> set[tuple[str, str]]:
    """(platform, id) of every entity: ids are the names in snake case."""
    return {
        (platform, entity_name(stem, i).lower().replace(" ", "_"))
        for _, platform, count, stem in KINDS
        for i in range(1, count + 1)
    }


def _entities(domain: str, count: int, stem: str) -> list[str]:
    lines = []
    for i in range(1, count + 1):
        name = entity_name(stem, i)
        match domain:
            case "switch":
                lines += ["  - platform: template", f"    name: {name}", "    optimistic: true"]
            case "sensor":
                lines += [
                    "  - platform: template",
                    f"    name: {name}",
                    '    unit_of_measurement: "%"',
                    "    device_class: moisture",
                    "    state_class: measurement",
                    f'    lambda: "return {i}.5;"',
                    "    update_interval: 60s",
                ]
            case "binary_sensor":
                lines += [
                    "  - platform: template",
                    f"    name: {name}",
                    "    device_class: window",
                    f'    lambda: "return {"true" if i % 2 else "false"};"',
                ]
            case "number":
                lines += [
                    "  - platform: template",
                    f"    name: {name}",
                    "    min_value: 5",
                    "    max_value: 30",
                    "    step: 0.5",
                    "    initial_value: 20",
                    "    optimistic: true",
                ]
            case "select":
                lines += [
                    "  - platform: template",
                    f"    name: {name}",
                    '    options: ["off", low, medium, high]',
                    "    initial_option: low",
                    "    optimistic: true",
                ]
            case "button":
                lines += ["  - platform: template", f"    name: {name}"]
            case "text_sensor":
                lines += [
                    "  - platform: template",
                    f"    name: {name}",
                    f"    lambda: 'return std::string(\"line {i}\");'",
                    "    update_interval: 60s",
                ]
    return lines


def yaml_text() -> str:
    """The device YAML."""
    lines = [
        "esphome:",
        f"  name: {DEVICE_ID}",
        "  friendly_name: NATS many entities",
        "host:",
        "logger:",
        "  level: DEBUG",
        "external_components:",
        "  - source:",
        "      type: local",
        f"      path: {ROOT / 'esphome_components'}",
        "    components: [nats]",
        "nats:",
        "  host: 127.0.0.1",
        "  heartbeat_interval: 5s",
        "  keepalive: 10s",
        "  reconnect_interval: 200ms",
        "  reconnect_max_interval: 2s",
        f"  tx_buffer_size: {TX_BUFFER_SIZE}",
        # host.yaml builds the configuration store; this firmware builds without it.
        "  config_store: false",
        "  on_message:",
    ]
    for subject in LONG_SUBJECTS:
        lines += [
            f"    - subject: {subject}",
            "      then:",
            "        - nats.publish:",
            f"            subject: {ECHO_SUBJECT}",
            "            payload: !lambda 'return subject;'",
        ]
    for domain in dict.fromkeys(domain for domain, *_ in KINDS):
        lines.append(f"{domain}:")
        for kind_domain, _, count, stem in KINDS:
            if kind_domain == domain:
                lines += _entities(domain, count, stem)
    return "\n".join(lines) + "\n"


def write_yaml() -> Path:
    """Write the YAML into the build directory (only when it changed, to keep builds incremental)."""
    path = BUILD_DIR / "yaml" / f"{DEVICE_ID}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml_text()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path
