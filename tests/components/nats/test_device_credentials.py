"""Operator mode: device credentials minted, renewed and revoked by Home Assistant, enforced by nats-server."""

from __future__ import annotations

import json
import time
from typing import Any

import nats
from nats.aio.msg import Msg
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from custom_components.nats.const import DOMAIN
from custom_components.nats.device_credentials import DeviceCredentials
from custom_components.nats.renewal import expiring_issue_id
from nats_home import nats_jwt
from nats_home.credentials import check_renewal, mint_device
from nats_home.operator import HomeSetup, UserCredentials, parse_creds
from nats_home.permissions import device_inbox_prefix

from ...nats_fixtures import until
from ...nats_operator import connect_options
from ...nats_server import NatsServer
from .conftest import DeviceStarter, state_of, wait_for

pytestmark = pytest.mark.jetstream


async def _provision(hass: HomeAssistant, device_id: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": device_id, **data}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def _credentials(entry: MockConfigEntry) -> DeviceCredentials:
    credentials = entry.runtime_data.credentials
    assert credentials is not None
    return credentials


def _make_due(credentials: DeviceCredentials, device_id: str, left: int) -> None:
    """Age a device's record so its renewal is due now with `left` seconds to expiry, and wake the renewal."""
    record = credentials.store.devices[device_id]
    now = int(time.time())
    credentials.store.update(device_id, issued=now + left - record.lifetime, expires=now + left)
    credentials.renewal.forget(device_id)


async def test_provision_action_returns_working_credentials(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    operator_setup: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
) -> None:
    server, setup = operator_home
    response = await _provision(hass, "kitchen", lifetime={"days": 2})
    creds = parse_creds(response["creds"])
    assert response["device_id"] == "kitchen"
    assert response["public_key"] == creds.public_key
    claims = nats_jwt.decode(creds.jwt)
    assert claims["exp"] - claims["iat"] == 2 * 24 * 3600
    assert response["expires"].startswith(time.strftime("%Y-%m-%d", time.gmtime(claims["exp"])))
    assert "nkey_seed: !secret nats_kitchen_nkey_seed\n" in response["secrets_yaml"]
    assert creds.seed in response["secrets_yaml"]
    # The credentials connect, and only as the device (its own subjects).
    client = await nats.connect(server.url, **connect_options(creds))
    try:
        await client.publish("home.devices.kitchen.status", b'{"v":1,"online":true,"interval":30}')
        await client.flush()
    finally:
        await client.close()
    # Home Assistant keeps the public key and times, never the seed.
    record = _credentials(operator_setup).store.devices["kitchen"]
    assert record.public_key == creds.public_key
    assert record.expires == claims["exp"]
    stored = str(hass_storage[f"nats.credentials.{operator_setup.entry_id}"])
    assert creds.public_key in stored
    assert creds.seed not in stored
    assert setup.bundle.account_signing_seed not in stored


async def test_provisioning_again_revokes_the_old_key(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    first = parse_creds((await _provision(hass, "kitchen"))["creds"])
    _, old_link = await start_device("kitchen", first)
    second = parse_creds((await _provision(hass, "kitchen"))["creds"])
    assert second.public_key != first.public_key
    await until(lambda: old_link.closed, 5)  # the old key was revoked: the server closed it
    assert old_link.disconnects >= 1
    _, new_link = await start_device("kitchen", second)  # the new key works
    assert not new_link.closed
    record = _credentials(operator_setup).store.devices["kitchen"]
    assert (record.public_key, record.revoked) == (second.public_key, False)


@pytest.mark.parametrize("credential_lifetime", [6])
async def test_renewal_is_delivered_and_recorded(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    """With a 6 s lifetime the JWT is renewed when 2 s are left; the device keeps the new one."""
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    device, link = await start_device("kitchen", creds)
    credentials = _credentials(operator_setup)
    minted = credentials.store.devices["kitchen"]
    await until(lambda: credentials.store.devices["kitchen"].expires > minted.expires, 10)
    record = credentials.store.devices["kitchen"]
    assert record.last_renewal is not None
    assert record.last_renewal.ok
    assert record.lifetime == 6
    assert device.credentials is not None
    held = nats_jwt.decode(device.credentials.jwt)
    assert held["sub"] == creds.public_key  # the same key, a new JWT
    assert held["exp"] >= record.expires  # the device holds the one recorded (or a later one)
    assert link.errors == []


async def test_a_silent_device_is_retried_and_raised_as_a_repair_until_it_takes_one(
    hass: HomeAssistant,
    operator_setup: MockConfigEntry,
    start_device: DeviceStarter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    silent, _ = await start_device("kitchen", creds, renewals=False)  # firmware without renewal
    credentials = _credentials(operator_setup)
    issue_id = expiring_issue_id(operator_setup.entry_id, "kitchen")
    issues = ir.async_get(hass)
    # Due, and within a quarter of its lifetime of expiry: a failure is a repair issue at once.
    _make_due(credentials, "kitchen", left=600)
    await until(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None, 5)
    record = credentials.store.devices["kitchen"]
    assert record.last_renewal is not None
    assert record.last_renewal.error is not None
    assert "offline" in record.last_renewal.error
    assert (
        "Device kitchen did not take its renewed credentials on home.devices.kitchen.credentials"
        in caplog.text
    )
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "credentials_expiring"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["subject"] == "home.devices.kitchen.credentials"

    # The device comes back with renewal support: its announcement makes Home Assistant try at once
    # (the next hourly retry is 150 s away at this lifetime).
    await silent.stop(clean=False)
    await silent.nc.close()
    device, _ = await start_device("kitchen", creds)
    await until(lambda: issues.async_get_issue(DOMAIN, issue_id) is None, 5)
    record = credentials.store.devices["kitchen"]
    assert record.last_renewal is not None
    assert record.last_renewal.ok
    assert record.expires > int(time.time()) + 3000
    assert device.credentials is not None
    assert nats_jwt.decode(device.credentials.jwt)["exp"] == record.expires


async def test_a_failed_renewal_far_from_expiry_is_only_a_warning(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    await start_device("kitchen", creds, renewals=False)
    credentials = _credentials(operator_setup)
    _make_due(credentials, "kitchen", left=1100)  # due (< 1200 s left), not within 900 s of expiry
    await until(lambda: credentials.store.devices["kitchen"].last_renewal is not None, 5)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, expiring_issue_id(operator_setup.entry_id, "kitchen"))
        is None
    )


async def test_revoke_action_disconnects_only_that_device_and_stops_its_renewal(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    kitchen_creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    hallway_creds = parse_creds((await _provision(hass, "hallway"))["creds"])
    _, kitchen_link = await start_device("kitchen", kitchen_creds)
    hallway, hallway_link = await start_device("hallway", hallway_creds)
    await wait_for(hass, lambda: hass.states.get("sensor.kitchen_temperature") is not None)

    started = time.monotonic()
    await hass.services.async_call(DOMAIN, "revoke_device", {"device_id": "kitchen"}, blocking=True)
    await until(lambda: kitchen_link.closed, 5)
    assert time.monotonic() - started < 5
    assert kitchen_link.disconnects >= 1  # closed by the server, and refused when it tried again
    # The hallway is untouched.
    assert hallway.nc.is_connected
    await hallway.nc.flush()
    assert hallway_link.disconnects == 0
    credentials = _credentials(operator_setup)
    assert credentials.store.devices["kitchen"].revoked
    assert not credentials.store.devices["hallway"].revoked

    # Both due: the hallway's renewal is the barrier for the pass that skips the revoked kitchen.
    _make_due(credentials, "kitchen", left=600)
    _make_due(credentials, "hallway", left=600)
    await until(lambda: credentials.store.devices["hallway"].last_renewal is not None, 5)
    assert credentials.store.devices["kitchen"].last_renewal is None
    # Its buttons are unavailable; renewing it on request is refused.
    await wait_for(
        hass, lambda: state_of(hass, "button.kitchen_renew_credentials_now")() == STATE_UNAVAILABLE
    )
    with pytest.raises(HomeAssistantError) as raised:
        await credentials.async_renew_now("kitchen")
    assert raised.value.translation_key == "device_revoked"


async def test_revoke_button_disconnects_the_device(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    _, link = await start_device("kitchen", creds)
    await wait_for(hass, lambda: hass.states.get("sensor.kitchen_temperature") is not None)
    revoke = "button.kitchen_revoke_credentials"
    assert state_of(hass, revoke)() not in (None, STATE_UNAVAILABLE)
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: revoke}, blocking=True)
    await until(lambda: link.closed, 5)
    assert link.disconnects >= 1
    assert _credentials(operator_setup).store.devices["kitchen"].revoked
    await wait_for(hass, lambda: state_of(hass, revoke)() == STATE_UNAVAILABLE)


async def test_renew_button_delivers_now(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    device, _ = await start_device("kitchen", creds)
    await wait_for(hass, lambda: hass.states.get("button.kitchen_renew_credentials_now") is not None)
    minted = _credentials(operator_setup).store.devices["kitchen"]
    await until(lambda: time.time() >= minted.issued + 1, 2)  # a renewal in the same second is the same JWT
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: "button.kitchen_renew_credentials_now"}, blocking=True
    )
    record = _credentials(operator_setup).store.devices["kitchen"]
    assert record.last_renewal is not None
    assert record.last_renewal.ok
    assert device.credentials is not None
    assert device.credentials.jwt != creds.jwt


async def test_renew_button_of_a_silent_device_fails_with_a_translated_error(
    hass: HomeAssistant, operator_setup: MockConfigEntry, start_device: DeviceStarter
) -> None:
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    await start_device("kitchen", creds, renewals=False)
    await wait_for(hass, lambda: hass.states.get("button.kitchen_renew_credentials_now") is not None)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {ATTR_ENTITY_ID: "button.kitchen_renew_credentials_now"}, blocking=True
        )
    assert raised.value.translation_key == "renewal_failed"


async def test_errors_are_translated(
    hass: HomeAssistant, operator_setup: MockConfigEntry, operator_home: tuple[NatsServer, HomeSetup]
) -> None:
    for service, data, key in (
        ("provision_device", {"device_id": "Not A Token"}, "invalid_device_id"),
        ("revoke_device", {"device_id": "nobody"}, "device_not_provisioned"),
        ("revoke_device", {"device_id": "x", "config_entry_id": "missing"}, "entry_not_loaded"),
    ):
        with pytest.raises(HomeAssistantError) as raised:
            await hass.services.async_call(
                DOMAIN, service, data, blocking=True, return_response=service == "provision_device"
            )
        assert raised.value.translation_key == key
    # A revocation the server cannot be reached for is reported, and nothing changes.
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    server, _ = operator_home
    server.stop()
    try:
        with pytest.raises(HomeAssistantError) as raised:
            await hass.services.async_call(DOMAIN, "revoke_device", {"device_id": "kitchen"}, blocking=True)
        assert raised.value.translation_key == "revoke_cannot_connect"
    finally:
        server.start()
    record = _credentials(operator_setup).store.devices["kitchen"]
    assert (record.public_key, record.revoked) == (creds.public_key, False)


async def test_actions_need_operator_mode(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "provision_device", {"device_id": "kitchen"}, blocking=True, return_response=True
        )
    assert raised.value.translation_key == "not_operator_mode"


async def test_devices_not_provisioned_get_no_credential_buttons(
    hass: HomeAssistant,
    operator_setup: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
) -> None:
    """A device connecting with credentials made elsewhere (here: minted outside Home Assistant) has no buttons."""
    _, setup = operator_home
    outside: UserCredentials = mint_device(setup.bundle, "porch")
    server, _ = operator_home
    client = await nats.connect(server.url, **connect_options(outside))
    try:
        await client.publish(
            "home.discovery.announce.porch",
            b'{"v":1,"id":"porch","name":"Porch","entities":[{"platform":"button","id":"bell","name":"Bell"}]}',
        )
        await client.flush()
        await wait_for(hass, lambda: hass.states.get("button.porch_bell") is not None)
    finally:
        await client.close()
    assert hass.states.get("button.porch_revoke_credentials") is None
    assert hass.states.get("button.porch_renew_credentials_now") is None


@pytest.mark.parametrize("credential_lifetime", [24])
async def test_a_failed_renewal_is_retried_and_becomes_a_repair_near_expiry(
    hass: HomeAssistant,
    operator_setup: MockConfigEntry,
    start_device: DeviceStarter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 24 s lifetime retries every second; the repair comes within 6 s (a quarter) of expiry."""
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    await start_device("kitchen", creds, renewals=False)
    credentials = _credentials(operator_setup)
    issue_id = expiring_issue_id(operator_setup.entry_id, "kitchen")
    issues = ir.async_get(hass)
    warning = "Device kitchen did not take its renewed credentials on home.devices.kitchen.credentials"
    _make_due(credentials, "kitchen", left=8)  # due (8 s left of 24), not yet near expiry
    await until(lambda: caplog.text.count(warning) >= 1, 5)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await until(lambda: caplog.text.count(warning) >= 3, 5)  # retried (about every second)
    assert issues.async_get_issue(DOMAIN, issue_id) is not None  # 6 s or less were left at the third


async def test_removing_the_entry_forgets_its_devices(
    hass: HomeAssistant, hass_storage: dict[str, Any], operator_setup: MockConfigEntry
) -> None:
    await _provision(hass, "kitchen")
    key = f"nats.credentials.{operator_setup.entry_id}"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(operator_setup.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_a_refused_renewal_is_recorded_with_the_devices_reason(
    hass: HomeAssistant, operator_setup: MockConfigEntry, operator_home: tuple[NatsServer, HomeSetup]
) -> None:
    """A device answering `{"ok": false, "error": ...}` (docs/protocol.md, Credentials) keeps its old JWT."""
    server, _ = operator_home
    creds = parse_creds((await _provision(hass, "kitchen"))["creds"])
    client = await nats.connect(
        server.url, inbox_prefix=device_inbox_prefix("kitchen"), **connect_options(creds)
    )
    received: list[bytes] = []

    async def _refuse(msg: Msg) -> None:
        received.append(msg.data)
        await msg.respond(b'{"ok":false,"error":"flash is full"}')

    try:
        await client.subscribe("home.devices.kitchen.credentials", cb=_refuse)
        await client.flush()
        credentials = _credentials(operator_setup)
        minted = credentials.store.devices["kitchen"]
        with pytest.raises(HomeAssistantError) as raised:
            await credentials.async_renew_now("kitchen")
    finally:
        await client.close()
    assert raised.value.translation_key == "renewal_failed"
    assert raised.value.translation_placeholders == {
        "device": "kitchen",
        "error": "the device refused it: flash is full",
    }
    request = json.loads(received[0])
    assert request["v"] == 1
    assert check_renewal(request["jwt"], creds.public_key)["sub"] == creds.public_key
    record = credentials.store.devices["kitchen"]
    assert record.expires == minted.expires  # not renewed
    assert record.last_renewal is not None
    assert record.last_renewal.error == "the device refused it: flash is full"
