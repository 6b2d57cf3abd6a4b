"""End to end over TLS: Home Assistant and the compiled host firmware, each with its own client certificate.

The nats-server requires TLS and a client certificate signed by the test CA
(verify: true, as examples/nats-server/tls.conf). Home Assistant's config
entry holds the CA and its certificate; the firmware gets the CA and its own
certificate from its environment (tests/esphome/test_tls.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
    DOMAIN,
)

from ..certs import TestPki, make_pki
from ..components.nats.conftest import auto_enable_custom_integrations, wait_for  # noqa: F401 (fixture)
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HostFirmwareFactory
from .test_tls import peer_certificates, tls_block, tls_env

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


@pytest.fixture
def mtls_server(tmp_path: Path, pki: TestPki) -> Iterator[NatsServer]:
    """nats-server with JetStream that takes only clients with a certificate from the test CA."""
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = NatsServer(workdir, tls_block(pki, verify=True))
    server.start()
    yield server
    server.stop()


def _entity_id(hass: HomeAssistant, platform: str, object_id: str) -> str | None:
    # Unique ids start with the config entry's id: match the `<device>:<platform>:<id>` end.
    end = f":{HOST_DEVICE_ID}:{platform}:{object_id}"
    found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(end)]
    return found[0] if len(found) == 1 else None


async def test_home_assistant_commands_the_firmware_over_tls(
    hass: HomeAssistant, mtls_server: NatsServer, pki: TestPki, host_firmware: HostFirmwareFactory
) -> None:
    """Both sides on mutual TLS: the firmware appears, and a switch command is confirmed and comes back."""
    cert, key = pki.client_cert("home-assistant")
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        unique_id=f"{mtls_server.url}/home",
        data={
            CONF_SERVERS: [mtls_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "none",
            CONF_TLS_CA: pki.ca_pem,
            CONF_TLS_CLIENT_CERT: cert,
            CONF_TLS_CLIENT_KEY: key,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    firmware = host_firmware(mtls_server.url, env=tls_env(pki, client_cert="nats-host-demo"))
    await wait_for(hass, lambda: _entity_id(hass, "switch", "relay") is not None, timeout=30)
    relay = _entity_id(hass, "switch", "relay")
    assert relay is not None
    await wait_for(hass, lambda: hass.states.get(relay).state == "off", timeout=10)

    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: relay}, blocking=True)
    assert hass.states.get(relay).state == "on"
    # The firmware's own feedback sensor follows the relay: the command reached the device.
    feedback = _entity_id(hass, "binary_sensor", "relay_feedback")
    assert feedback is not None
    await wait_for(hass, lambda: hass.states.get(feedback).state == "on", timeout=10)

    assert "TLS handshake done" in firmware.log()
    assert peer_certificates(mtls_server, firmware.device_id)[0]["subject"] == "CN=nats-host-demo"
