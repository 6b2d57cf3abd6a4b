"""The whole of a secured home: operator mode and TLS together, Home Assistant and the host firmware.

nats-server requires TLS (the test CA) and trusts only the home's operator.
Home Assistant connects with the operator bundle over TLS and provisions the
device (`nats.provision_device`); the compiled firmware connects over TLS
with the minted seed and JWT. A command through Home Assistant is confirmed,
and the device's credentials allow it nothing of another device.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import urllib.request

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.nats.const import (
    AUTH_OPERATOR,
    CONF_AUTH_METHOD,
    CONF_OPERATOR_BUNDLE,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TLS_CA,
    DOMAIN,
)
from custom_components.nats.protocol.operator import HomeSetup, parse_creds

from ..certs import TestPki, make_pki
from ..components.nats.conftest import auto_enable_custom_integrations, wait_for  # noqa: F401 (fixture)
from ..nats_operator import operator_server
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HostFirmwareFactory
from .test_tls import tls_block, tls_env

pytestmark = [pytest.mark.timeout(300), pytest.mark.jetstream]


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


@pytest.fixture
def secure_home(tmp_path: Path, pki: TestPki) -> Iterator[tuple[NatsServer, HomeSetup]]:
    workdir = tmp_path / "server"
    workdir.mkdir()
    server, home = operator_server(workdir, extra=tls_block(pki))
    yield server, home
    server.stop()


def _authorized_connections(server: NatsServer) -> list[dict[str, object]]:
    """The server's connections with the user each authenticated as."""
    connz = f"http://127.0.0.1:{server.monitor_port}/connz?auth=1"
    with urllib.request.urlopen(connz, timeout=5) as answer:  # noqa: S310 (fixed http URL)
        connections: list[dict[str, object]] = json.load(answer)["connections"]
    return connections


def _entity_id(hass: HomeAssistant, platform: str, object_id: str) -> str | None:
    end = f":{HOST_DEVICE_ID}:{platform}:{object_id}"
    found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(end)]
    return found[0] if len(found) == 1 else None


async def test_minted_credentials_over_tls_end_to_end(
    hass: HomeAssistant,
    secure_home: tuple[NatsServer, HomeSetup],
    pki: TestPki,
    host_firmware: HostFirmwareFactory,
) -> None:
    server, home = secure_home
    assert server.url.startswith("tls://")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={
            CONF_SERVERS: [server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: AUTH_OPERATOR,
            CONF_OPERATOR_BUNDLE: home.bundle.to_json(),
            CONF_TLS_CA: pki.ca_pem,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": HOST_DEVICE_ID}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    creds = parse_creds(str(response["creds"]))

    firmware = host_firmware(server.url, env=tls_env(pki, NATS_NKEY_SEED=creds.seed, NATS_JWT=creds.jwt))
    await wait_for(hass, lambda: _entity_id(hass, "switch", "relay") is not None, timeout=30)
    relay = _entity_id(hass, "switch", "relay")
    assert relay is not None
    await wait_for(hass, lambda: hass.states.get(relay).state == "off", timeout=10)
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: relay}, blocking=True)
    feedback = _entity_id(hass, "binary_sensor", "relay_feedback")
    assert feedback is not None
    await wait_for(hass, lambda: hass.states.get(feedback).state == "on", timeout=10)

    log = firmware.log()
    assert "TLS handshake done" in log
    # Only the host demo's own custom subjects (demo.*) lie outside the model (docs/security.md).
    assert "Permissions Violation for Publish" not in log
    violations = [line for line in log.splitlines() if "Permissions Violation" in line]
    assert all('"demo.' in line for line in violations), violations
    # The server knows the device by the key Home Assistant minted, and every client speaks TLS.
    connections = await hass.async_add_executor_job(_authorized_connections, server)
    assert all(c.get("tls_version") for c in connections), connections
    assert creds.public_key in {c.get("authorized_user") for c in connections}, connections
    await hass.config_entries.async_unload(entry.entry_id)
