"""Every configuration in examples/nats-server passes `nats-server -t` and does what its comments say."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import os
from pathlib import Path
import re
import subprocess

import nats
from nats.aio.client import Client
import nats.errors
import paho.mqtt.client as mqtt
import pytest

from nats_home.authz import render, users

from .certs import make_pki
from .example_server import EXAMPLES, ExampleServer
from .nats_server import free_port, server_binary

CONFIGS = sorted(EXAMPLES.glob("*.conf"))


def _check(config: Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [server_binary(), "-t", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("config", CONFIGS, ids=[config.name for config in CONFIGS])
def test_nats_server_accepts_the_example(config: Path, tmp_path: Path) -> None:
    """`nats-server -t -c <example>` as its header says (tls.conf next to the certificates it names)."""
    if config.name == "tls.conf":
        pki = make_pki(tmp_path)
        (tmp_path / "certs").mkdir()
        (tmp_path / "certs" / "server.pem").write_bytes(pki.cert_file.read_bytes())
        (tmp_path / "certs" / "server.key").write_bytes(pki.key_file.read_bytes())
        (tmp_path / "certs" / "ca.pem").write_text(pki.ca_pem)
    result = _check(config, tmp_path, {"NATS_NODE": "nats-1"})
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_every_example_is_listed_in_the_readme() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    assert all(f"`{config.name}`" in readme for config in CONFIGS)


def test_the_permissions_example_is_the_current_model() -> None:
    """The example is `nats-home-authz` output: with passwords masked, it is what the command prints today."""
    example = (EXAMPLES / "per-device-permissions.conf").read_text()
    generated = render(users("home", ["kitchen", "hallway"]), "home", "nats://192.168.1.10:4222")

    def masked(text: str) -> str:
        text = re.sub(r'password: "[^"]*"', 'password: "…"', text)
        text = re.sub(r"(_password: |password=|homeassistant / )\S+", r"\1…", text)
        return text[text.index("# NATS Home: per-device") :]

    assert masked(example) == masked(generated)


@pytest.fixture
def started() -> Iterator[list[ExampleServer]]:
    servers: list[ExampleServer] = []
    yield servers
    for server in servers:
        server.stop()


async def test_home_example_keeps_streams(
    tmp_path: Path, started: list[ExampleServer], clients: list[Client]
) -> None:
    server = ExampleServer(tmp_path, "home.conf")
    server.start()
    started.append(server)
    client = await nats.connect(server.url)
    clients.append(client)
    info = await client.jetstream().add_stream(
        name="NATS_HOME_HOME_DEVICES", subjects=["home.discovery.announce.*"]
    )
    assert info.config.name == "NATS_HOME_HOME_DEVICES"


async def test_mqtt_example_carries_an_mqtt_device_to_nats(
    tmp_path: Path, started: list[ExampleServer], clients: list[Client]
) -> None:
    """An MQTT 3.1.1 client's publish on zigbee2mqtt/kitchen reaches a NATS subscriber on zigbee2mqtt.kitchen."""
    mqtt_port = free_port()
    server = ExampleServer(tmp_path, "mqtt.conf", **{'"0.0.0.0:1883"': f'"127.0.0.1:{mqtt_port}"'})
    server.start()
    started.append(server)
    client = await nats.connect(server.url)
    clients.append(client)
    sub = await client.subscribe("zigbee2mqtt.kitchen")
    await client.flush()
    device = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kitchen", protocol=mqtt.MQTTv311)
    device.connect("127.0.0.1", mqtt_port)
    device.loop_start()
    try:
        device.publish("zigbee2mqtt/kitchen", b'{"state":"ON"}', qos=1).wait_for_publish(timeout=5)
        assert (await sub.next_msg(timeout=5)).data == b'{"state":"ON"}'
    finally:
        device.loop_stop()
        device.disconnect()


async def test_two_homes_example_keeps_the_accounts_apart(
    tmp_path: Path, started: list[ExampleServer], clients: list[Client]
) -> None:
    """The same subject in two accounts: each home sees only its own messages."""
    server = ExampleServer(tmp_path, "two-homes.conf")
    server.start()
    started.append(server)
    # The example's own placeholder passwords.
    a_ha = await nats.connect(server.url, user="flat-a-homeassistant", password="change-me-a")  # noqa: S106
    b_ha = await nats.connect(server.url, user="flat-b-homeassistant", password="change-me-b")  # noqa: S106
    a_device = await nats.connect(server.url, user="flat-a-devices", password="change-me-a-devices")  # noqa: S106
    clients += [a_ha, b_ha, a_device]
    seen_a, seen_b = await a_ha.subscribe("home.>"), await b_ha.subscribe("home.>")
    await a_ha.flush()
    await b_ha.flush()
    await a_device.publish("home.devices.kitchen.status", b"a")
    assert (await seen_a.next_msg(timeout=2)).data == b"a"
    with pytest.raises(nats.errors.TimeoutError):
        await seen_b.next_msg(timeout=0.5)
    # Each account has its own JetStream: the same stream name twice.
    for client in (a_ha, b_ha):
        await client.jetstream().add_stream(
            name="NATS_HOME_HOME_DEVICES", subjects=["home.discovery.announce.*"]
        )


async def test_cluster_example_forms_a_cluster(
    tmp_path: Path, started: list[ExampleServer], clients: list[Client]
) -> None:
    """Three nodes from the one file (ports and host names replaced) route messages to each other."""
    routes = [free_port() for _ in range(3)]
    nodes = []
    for index in range(3):
        replace = {'"0.0.0.0:6222"': f'"127.0.0.1:{routes[index]}"'}
        for other in range(3):
            replace[f'"nats-route://nats-{other + 1}:6222"'] = f'"nats-route://127.0.0.1:{routes[other]}"'
        node = ExampleServer(tmp_path / f"nats-{index + 1}", "cluster.conf", **replace)
        node.start({"NATS_NODE": f"nats-{index + 1}"})
        started.append(node)
        nodes.append(node)
    first, last = await nats.connect(nodes[0].url), await nats.connect(nodes[2].url)
    clients += [first, last]
    sub = await last.subscribe("home.devices.kitchen.status")
    await last.flush()
    async with asyncio.timeout(10):
        while True:  # routes take a moment to form and to carry the subscription
            await first.publish("home.devices.kitchen.status", b"up")
            try:
                assert (await sub.next_msg(timeout=0.2)).data == b"up"
                break
            except nats.errors.TimeoutError:
                continue
