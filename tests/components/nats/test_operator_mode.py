"""Operator mode in the config flow, options flow and diagnostics, against nats-server in operator mode."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_COMMAND_TIMEOUT,
    CONF_CREDENTIAL_LIFETIME,
    CONF_OPERATOR_BUNDLE,
    CONF_PREFIX,
    CONF_REPLICAS,
    CONF_SERVERS,
    DOMAIN,
)
from nats_home.operator import HomeSetup, create_home, parse_creds

from ...nats_operator import connect_options, operator_server
from ...nats_server import NatsServer
from .conftest import DeviceStarter, state_of, wait_for

pytestmark = pytest.mark.jetstream


@pytest.fixture
def other_home(tmp_path: Path) -> Iterator[tuple[NatsServer, HomeSetup]]:
    """A second home in operator mode on its own server."""
    workdir = tmp_path / "other"
    workdir.mkdir()
    server, setup = operator_server(workdir)
    yield server, setup
    server.stop()


async def _operator_step(hass: HomeAssistant, server: NatsServer, prefix: str = "home") -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVERS: server.url, CONF_AUTH_METHOD: "operator", CONF_PREFIX: prefix}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials_operator"
    return result


async def test_a_bundle_sets_up_a_working_home(
    hass: HomeAssistant,
    operator_home: tuple[NatsServer, HomeSetup],
    start_device: DeviceStarter,
) -> None:
    """The bundle's prefix is the entry's; a device with credentials minted by the entry reports its state."""
    server, setup = operator_home
    result = await _operator_step(hass, server, prefix="typed-by-mistake")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: "  " + setup.bundle.to_json()}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "NATS (home)"
    assert result["data"][CONF_PREFIX] == "home"
    assert result["data"][CONF_OPERATOR_BUNDLE] == setup.bundle.to_json()
    entry = result["result"]
    assert entry.unique_id == f"{server.url}/home@account:{setup.bundle.account}"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.hub.retention.available  # Home Assistant's user may create the streams

    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": "kitchen"}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    device, _ = await start_device("kitchen", parse_creds(response["creds"]))
    await device.set_state("temperature", 21.5)
    await wait_for(hass, lambda: state_of(hass, "sensor.kitchen_temperature")() == "21.5")

    # After a restart the entry still knows the device it provisioned (its buttons too).
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    credentials = entry.runtime_data.credentials
    assert credentials is not None
    assert credentials.store.devices["kitchen"].public_key == parse_creds(response["creds"]).public_key
    assert hass.states.get("button.kitchen_revoke_credentials") is not None


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"kind": "something else"}',
        json.dumps({"kind": "nats-home-operator-bundle", "prefix": "home"}),
    ],
)
async def test_an_invalid_bundle_is_refused(
    hass: HomeAssistant, operator_home: tuple[NatsServer, HomeSetup], text: str
) -> None:
    server, _ = operator_home
    result = await _operator_step(hass, server)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_OPERATOR_BUNDLE: text})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_OPERATOR_BUNDLE: "invalid_operator_bundle"}


async def test_a_damaged_bundle_is_refused(
    hass: HomeAssistant, operator_home: tuple[NatsServer, HomeSetup]
) -> None:
    """A bundle whose Home Assistant user is not of its account (edited by hand) is no bundle."""
    server, setup = operator_home
    data = json.loads(setup.bundle.to_json())
    data["home_assistant"] = data["system"]
    result = await _operator_step(hass, server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: json.dumps(data)}
    )
    assert result["errors"] == {CONF_OPERATOR_BUNDLE: "invalid_operator_bundle"}


async def test_the_bundle_of_another_home_is_refused_by_the_server(
    hass: HomeAssistant,
    operator_home: tuple[NatsServer, HomeSetup],
    other_home: tuple[NatsServer, HomeSetup],
) -> None:
    server, _ = operator_home
    _, other = other_home
    result = await _operator_step(hass, server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: other.bundle.to_json()}
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_a_server_not_in_operator_mode_is_refused(hass: HomeAssistant, nats_server: NatsServer) -> None:
    """A server without authentication would let the bundle's user in and enforce nothing."""
    result = await _operator_step(hass, nats_server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: create_home().bundle.to_json()}
    )
    assert result["errors"] == {"base": "operator_not_on_server"}


async def test_reauth_takes_only_this_homes_bundle(
    hass: HomeAssistant,
    operator_entry: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
    other_home: tuple[NatsServer, HomeSetup],
) -> None:
    _, setup = operator_home
    operator_entry.add_to_hass(hass)
    result = await operator_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_OPERATOR_BUNDLE: "{}"})
    assert result["errors"] == {CONF_OPERATOR_BUNDLE: "invalid_operator_bundle"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_OPERATOR_BUNDLE: other_home[1].bundle.to_json()}
    )
    assert result["errors"] == {CONF_OPERATOR_BUNDLE: "operator_other_home"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_OPERATOR_BUNDLE: setup.bundle.to_json()}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert operator_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_keeps_the_home(
    hass: HomeAssistant,
    operator_entry: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
    other_home: tuple[NatsServer, HomeSetup],
) -> None:
    server, setup = operator_home
    operator_entry.add_to_hass(hass)
    result = await operator_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVERS: server.url, CONF_AUTH_METHOD: "operator", CONF_PREFIX: "home"}
    )
    assert result["step_id"] == "credentials_operator"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: other_home[1].bundle.to_json()}
    )
    assert result["errors"] == {CONF_OPERATOR_BUNDLE: "operator_other_home"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_OPERATOR_BUNDLE: setup.bundle.to_json()}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_options_menu_settings_with_the_credentials_lifetime(
    hass: HomeAssistant, operator_setup: MockConfigEntry
) -> None:
    hub = operator_setup.runtime_data.hub
    result = await hass.config_entries.options.async_init(operator_setup.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "device_options", "add_device"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "settings"}
    )
    assert result["step_id"] == "settings"
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        CONF_COMMAND_TIMEOUT,
        "heartbeat_tolerance",
        CONF_REPLICAS,
        "credential_lifetime_days",
        "monitoring_url",
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_COMMAND_TIMEOUT: 2, CONF_REPLICAS: "1", "credential_lifetime_days": 10}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert operator_setup.options == {
        CONF_COMMAND_TIMEOUT: 2,
        "heartbeat_tolerance": 2.5,
        CONF_REPLICAS: 1,
        CONF_CREDENTIAL_LIFETIME: 10 * 24 * 3600,
    }
    assert operator_setup.runtime_data.hub is hub  # not reloaded
    credentials = operator_setup.runtime_data.credentials
    assert credentials is not None
    assert credentials.lifetime == 10 * 24 * 3600


async def test_options_add_device_shows_its_credentials_once(
    hass: HomeAssistant, operator_setup: MockConfigEntry, operator_home: tuple[NatsServer, HomeSetup]
) -> None:
    server, _ = operator_home
    hub = operator_setup.runtime_data.hub
    options = dict(operator_setup.options)
    result = await hass.config_entries.options.async_init(operator_setup.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "add_device"}
    )
    assert result["step_id"] == "add_device"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"device_id": "Kitchen!"})
    assert result["errors"] == {"base": "invalid_device_id"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"device_id": "kitchen"})
    assert result["step_id"] == "device_credentials"
    placeholders = result["description_placeholders"]
    creds = parse_creds(placeholders["creds"])
    assert creds.seed in placeholders["secrets_yaml"]
    assert placeholders["device"] == "kitchen"
    client = await nats.connect(server.url, **connect_options(creds))
    await client.close()
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert dict(operator_setup.options) == options
    assert operator_setup.runtime_data.hub is hub  # not reloaded
    credentials = operator_setup.runtime_data.credentials
    assert credentials is not None
    assert credentials.store.devices["kitchen"].public_key == creds.public_key


async def test_diagnostics_show_credential_status_without_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    operator_setup: MockConfigEntry,
    operator_home: tuple[NatsServer, HomeSetup],
    snapshot: SnapshotAssertion,
) -> None:
    _, setup = operator_home
    response = await hass.services.async_call(
        DOMAIN, "provision_device", {"device_id": "kitchen"}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    creds = parse_creds(response["creds"])
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, operator_setup)
    text = json.dumps(diagnostics)
    bundle = setup.bundle
    for secret in (
        creds.seed,
        creds.jwt,
        bundle.account_signing_seed,
        bundle.operator_signing_seed,
        bundle.home_assistant.seed,
        bundle.home_assistant.jwt,
        bundle.system.seed,
    ):
        assert secret not in text
    assert diagnostics["entry"]["data"][CONF_OPERATOR_BUNDLE] == "**REDACTED**"
    kitchen = diagnostics["device_credentials"]["devices"]["kitchen"]
    assert kitchen["public_key"] == creds.public_key
    assert kitchen["revoked"] is False
    assert kitchen["last_renewal"] is None
    volatile = (
        "servers",
        "server_version",
        "messages",
        "last_heard_seconds_ago",
        "last_discovery",
        "retention",
        "public_key",
        "issued",
        "expires",
    )
    assert diagnostics == snapshot(exclude=props(*volatile))
