"""Config flow against real nats-servers: every auth method, every error, reauth, reconfigure."""

from __future__ import annotations

from collections.abc import Iterator
import hashlib
from pathlib import Path
from typing import Any
from unittest.mock import patch

import nkeys
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_COMMAND_TIMEOUT,
    CONF_CREDENTIALS,
    CONF_HEARTBEAT_TOLERANCE,
    CONF_MONITORING_URL,
    CONF_NKEY_SEED,
    CONF_PREFIX,
    CONF_REPLICAS,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TOKEN,
    DOMAIN,
)

from ...certs import make_pki
from ...nats_jwt import JwtRealm, new_seed, public_key
from ...nats_server import NatsServer, free_port
from .conftest import open_options_settings


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Any]:
    """Start nats-servers with given extra configuration; stop them afterwards."""
    servers: list[NatsServer] = []

    def _start(config: str = "") -> NatsServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        server = NatsServer(workdir, config)
        server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


async def _user_step(hass: HomeAssistant, **user_input: Any) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_AUTH_METHOD: "none", CONF_PREFIX: "home", **user_input}
    )


async def test_no_auth(hass: HomeAssistant, nats_server: NatsServer) -> None:
    """A reachable server without authentication creates the entry at once."""
    result = await _user_step(hass, **{CONF_SERVERS: nats_server.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "NATS (home)"
    assert result["data"] == {
        CONF_SERVERS: [nats_server.url],
        CONF_PREFIX: "home",
        CONF_AUTH_METHOD: "none",
        CONF_TLS_CA: None,
    }
    assert result["result"].unique_id == f"{nats_server.url}/home"


async def test_cluster_urls(hass: HomeAssistant, nats_server: NatsServer) -> None:
    """Several URLs (one down) are accepted; the connection fails over to the live one."""
    dead = f"nats://127.0.0.1:{free_port()}"
    result = await _user_step(
        hass, **{CONF_SERVERS: f"{dead}, 127.0.0.1:{nats_server.port}", CONF_PREFIX: "flat.one"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SERVERS] == [dead, f"nats://127.0.0.1:{nats_server.port}"]
    assert result["data"][CONF_PREFIX] == "flat.one"


@pytest.mark.parametrize(
    ("method", "server_config", "credentials"),
    [
        (
            "userpass",
            "authorization { user: ha, password: s3cret }",
            {CONF_USERNAME: "ha", CONF_PASSWORD: "s3cret"},
        ),
        ("token", "authorization { token: t0ken }", {CONF_TOKEN: "t0ken"}),
    ],
)
async def test_credentials(
    hass: HomeAssistant, start_server: Any, method: str, server_config: str, credentials: dict[str, str]
) -> None:
    """User/password and token: wrong credentials are refused, right ones create the entry."""
    server = start_server(server_config)
    result = await _user_step(hass, **{CONF_SERVERS: server.url, CONF_AUTH_METHOD: method})
    assert result["step_id"] == f"credentials_{method}"
    wrong = dict.fromkeys(credentials, "wrong")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], wrong)
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] | credentials == result["data"]


async def test_nkey(hass: HomeAssistant, start_server: Any) -> None:
    """An NKey seed: malformed is refused before connecting, the right one connects."""
    seed = new_seed(nkeys.PREFIX_BYTE_USER)
    server = start_server(f"authorization {{ users: [ {{ nkey: {public_key(seed)} }} ] }}")
    result = await _user_step(hass, **{CONF_SERVERS: server.url, CONF_AUTH_METHOD: "nkey"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NKEY_SEED: "SUxxxx"})
    assert result["errors"] == {CONF_NKEY_SEED: "invalid_nkey_seed"}
    other = new_seed(nkeys.PREFIX_BYTE_USER)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NKEY_SEED: other})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NKEY_SEED: seed})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_creds_file(hass: HomeAssistant, start_server: Any) -> None:
    """A .creds file (JWT + seed) against a server in operator mode."""
    realm = JwtRealm()
    server = start_server(realm.server_config())
    result = await _user_step(hass, **{CONF_SERVERS: server.url, CONF_AUTH_METHOD: "creds"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_CREDENTIALS: "hello"})
    assert result["errors"] == {CONF_CREDENTIALS: "invalid_credentials"}
    stranger = JwtRealm().user_creds("stranger")  # signed by an account the server does not know
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_CREDENTIALS: stranger})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CREDENTIALS: realm.user_creds("home-assistant")}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_tls(hass: HomeAssistant, start_server: Any, tmp_path: Path) -> None:
    """TLS: an unknown CA is a tls_error, the right CA connects, garbage is no CA."""
    pki = make_pki(tmp_path)
    server = start_server(f'tls {{ cert_file: "{pki.cert_file}", key_file: "{pki.key_file}" }}')
    assert server.url.startswith("tls://")
    result = await _user_step(hass, **{CONF_SERVERS: server.url})
    assert result["errors"] == {"base": "tls_error"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERVERS: server.url, CONF_AUTH_METHOD: "none", CONF_PREFIX: "home", CONF_TLS_CA: "not a cert"},
    )
    assert result["errors"] == {CONF_TLS_CA: "invalid_ca"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERVERS: server.url, CONF_AUTH_METHOD: "none", CONF_PREFIX: "home", CONF_TLS_CA: pki.ca_pem},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TLS_CA] == pki.ca_pem.strip()


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_SERVERS: "http://example:4222"}, {CONF_SERVERS: "invalid_url"}),
        ({CONF_SERVERS: "nats://:4222"}, {CONF_SERVERS: "invalid_url"}),
        ({CONF_SERVERS: "nats://host:99999"}, {CONF_SERVERS: "invalid_url"}),
        ({CONF_SERVERS: " "}, {CONF_SERVERS: "invalid_url"}),
        ({CONF_PREFIX: "home.*"}, {CONF_PREFIX: "invalid_prefix"}),
        ({CONF_PREFIX: "home..x"}, {CONF_PREFIX: "invalid_prefix"}),
        ({CONF_PREFIX: "my home"}, {CONF_PREFIX: "invalid_prefix"}),
    ],
)
async def test_form_errors_then_recovery(
    hass: HomeAssistant, nats_server: NatsServer, user_input: dict[str, str], errors: dict[str, str]
) -> None:
    """Invalid URLs and prefixes are flagged on their field; fixing them finishes the flow."""
    result = await _user_step(hass, **{CONF_SERVERS: nats_server.url, **user_input})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVERS: nats_server.url, CONF_AUTH_METHOD: "none", CONF_PREFIX: "home"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_cannot_connect(hass: HomeAssistant) -> None:
    """Nothing listening: cannot_connect."""
    result = await _user_step(hass, **{CONF_SERVERS: f"nats://127.0.0.1:{free_port()}"})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_unknown_error(hass: HomeAssistant, nats_server: NatsServer) -> None:
    """A bug while testing the connection shows `unknown` (mocked: nothing real fails this way)."""
    with patch("custom_components.nats.config_flow.async_open", side_effect=RuntimeError("boom")):
        result = await _user_step(hass, **{CONF_SERVERS: nats_server.url})
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_aborts(hass: HomeAssistant, nats_server: NatsServer) -> None:
    """The same server and prefix cannot be added twice; another prefix can."""
    assert (await _user_step(hass, **{CONF_SERVERS: nats_server.url}))["type"] is FlowResultType.CREATE_ENTRY
    result = await _user_step(hass, **{CONF_SERVERS: nats_server.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    result = await _user_step(hass, **{CONF_SERVERS: nats_server.url, CONF_PREFIX: "cottage"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reauth(hass: HomeAssistant, start_server: Any) -> None:
    """The server refuses the saved password: setup asks for a new one, which is tested."""
    server = start_server("authorization { user: ha, password: new-password }")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{server.url}/home",
        data={
            CONF_SERVERS: [server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "userpass",
            CONF_USERNAME: "ha",
            CONF_PASSWORD: "old-password",
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "ha", CONF_PASSWORD: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: "ha", CONF_PASSWORD: "new-password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "new-password"
    await hass.async_block_till_done()
    assert entry.state.name == "LOADED"


async def test_reconfigure(hass: HomeAssistant, nats_server: NatsServer, start_server: Any) -> None:
    """Reconfigure moves the entry to another server, prefix and authentication."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{nats_server.url}/home",
        data={CONF_SERVERS: [nats_server.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
    )
    entry.add_to_hass(hass)
    other = start_server("authorization { token: abc }")
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERVERS: other.url, CONF_AUTH_METHOD: "token", CONF_PREFIX: "villa"},
    )
    assert result["step_id"] == "credentials_token"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TOKEN: "abc"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        CONF_SERVERS: [other.url],
        CONF_PREFIX: "villa",
        CONF_AUTH_METHOD: "token",
        CONF_TLS_CA: None,
        CONF_TOKEN: "abc",
    }
    # The token authenticates: a hash of it (never the token) tells this user from another.
    assert entry.unique_id == f"{other.url}/villa@token:{hashlib.sha256(b'abc').hexdigest()[:16]}"


async def test_options(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    """The command timeout is an option; it applies at once, without reloading the entry."""
    hub = setup_entry.runtime_data.hub
    result = await hass.config_entries.options.async_init(setup_entry.entry_id)
    assert result["menu_options"] == ["settings", "device_options"]
    result = await open_options_settings(hass, setup_entry)
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        CONF_COMMAND_TIMEOUT,
        CONF_HEARTBEAT_TOLERANCE,
        CONF_REPLICAS,
        CONF_MONITORING_URL,
    ]
    assert [key.default() for key in list(schema)[:3]] == [2.0, 2.5, "1"]
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_COMMAND_TIMEOUT: 5})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_entry.options == {CONF_COMMAND_TIMEOUT: 5, CONF_HEARTBEAT_TOLERANCE: 2.5, CONF_REPLICAS: 1}
    assert setup_entry.runtime_data.hub is hub  # not reloaded
    assert hub.command_timeout == 5


async def test_options_replicas(hass: HomeAssistant, setup_entry: MockConfigEntry) -> None:
    """Replicas are 1, 3 or 5, stored as a number; a change reloads the entry, whose set-up applies it."""
    hub = setup_entry.runtime_data.hub
    result = await open_options_settings(hass, setup_entry)
    replicas = next(key for key in result["data_schema"].schema if str(key) == CONF_REPLICAS)
    selector = result["data_schema"].schema[replicas]
    assert selector.config["options"] == ["1", "3", "5"]
    assert selector.config["translation_key"] == CONF_REPLICAS
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_COMMAND_TIMEOUT: 2, CONF_REPLICAS: "3"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert setup_entry.options == {CONF_COMMAND_TIMEOUT: 2, CONF_HEARTBEAT_TOLERANCE: 2.5, CONF_REPLICAS: 3}
    assert setup_entry.state is ConfigEntryState.LOADED
    assert setup_entry.runtime_data.hub is not hub  # reloaded

    result = await open_options_settings(hass, setup_entry)
    assert [key.default() for key in list(result["data_schema"].schema)[:3]] == [2, 2.5, "3"]
