"""End to end in operator mode: Home Assistant mints the host firmware's credentials and renews them.

The integration holds the home's operator bundle (connecting as its Home
Assistant user), provisions the device with `nats.provision_device`, and
renews its JWT over `P.devices.<device>.credentials` when a third of its
lifetime is left; the compiled firmware checks and keeps each renewal and
reconnects with it when the server closes the connection of the expired
one. Commands through Home Assistant work before and after.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from custom_components.nats.const import DOMAIN
from custom_components.nats.protocol.operator import HomeSetup, parse_creds

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    credential_lifetime,
    operator_entry,
    operator_home,
    operator_setup,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HOST_ENTITIES, HostFirmwareFactory

pytestmark = [pytest.mark.timeout(300), pytest.mark.jetstream]

LIFETIME = 10
"""Seconds each JWT Home Assistant mints lives: renewed with a third (3.3 s) left."""


async def _provision(hass: HomeAssistant, device_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": device_id}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def _relay(hass: HomeAssistant) -> str:
    # The unique id ends with <device>:<platform>:<entity>; what precedes it
    # (the home) is the integration's business.
    suffix = f"{HOST_DEVICE_ID}:switch:relay"
    found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(suffix)]
    assert len(found) == 1, found
    return found[0]


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[tuple[str, str]]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {tuple(e.unique_id.split(":")[-2:]) for e in entries}  # type: ignore[misc]


async def _switch(hass: HomeAssistant, service: str, want: str, attempts: int = 10) -> None:
    """A confirmed command: the service call succeeds (the device replied ok) and the state follows.

    Retried a few times: every LIFETIME seconds the server closes the
    device's connection and a command in that gap fails.
    """
    for attempt in range(attempts):
        try:
            await hass.services.async_call("switch", service, {ATTR_ENTITY_ID: _relay(hass)}, blocking=True)
        except HomeAssistantError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)
            continue
        break
    await wait_for(hass, lambda: hass.states.get(_relay(hass)).state == want, timeout=10)


@pytest.mark.parametrize("credential_lifetime", [LIFETIME])
async def test_home_assistant_renews_the_firmware_jwt(
    hass: HomeAssistant,
    operator_setup: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
    host_firmware: HostFirmwareFactory,
) -> None:
    server, _ = operator_home
    creds = parse_creds((await _provision(hass, HOST_DEVICE_ID))["creds"])
    firmware = host_firmware(server.url, env={"NATS_NKEY_SEED": creds.seed, "NATS_JWT": creds.jwt})
    await wait_for(hass, lambda: _registered(hass, operator_setup) >= HOST_ENTITIES, timeout=30)
    await _switch(hass, "turn_on", "on")

    # Home Assistant renews with a third of the lifetime left; the firmware
    # answers ok (what the record shows) and logs that it kept the JWT.
    credentials = operator_setup.runtime_data.credentials
    assert credentials is not None
    minted = credentials.store.devices[HOST_DEVICE_ID]
    await wait_for(
        hass,
        lambda: credentials.store.devices[HOST_DEVICE_ID].expires > minted.expires,
        timeout=LIFETIME + 10,
    )
    record = credentials.store.devices[HOST_DEVICE_ID]
    assert record.last_renewal is not None
    assert record.last_renewal.ok
    await firmware.wait_log(
        f"Renewed user JWT on home.devices.{HOST_DEVICE_ID}.credentials kept", count=1, timeout=10
    )

    # Past the first JWT's expiry the server closed the connection; the
    # firmware came back with the renewed JWT and obeys again.
    await firmware.wait_log("Disconnected from", count=1, timeout=LIFETIME + 10)
    await firmware.wait_log("Connected to", count=2, timeout=20)
    assert time.time() > minted.expires
    await _switch(hass, "turn_off", "off")
    assert "refused this device's credentials" not in firmware.log()
