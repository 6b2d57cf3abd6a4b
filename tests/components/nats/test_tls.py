"""TLS with the user's own CA and a client certificate (mutual TLS), against a real nats-server.

The CA, the server's certificate and every client certificate are generated
in the test. The client key lives only in the config entry: never in a file
of the configuration folder, a log, diagnostics or a form sent back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
import logging
import os
from pathlib import Path
import shutil
import ssl
import subprocess
import tempfile
from typing import Any
from unittest.mock import patch

import nats
from nats.aio.client import Client
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_PASSWORD, CONF_USERNAME, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.nats import connection
from custom_components.nats.config_flow import KEY_UNCHANGED
from custom_components.nats.connection import build_tls_context, normalize_pem
from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
    DOMAIN,
)
from nats_home.device import Device

from ...certs import TestPki, make_pki
from ...nats_server import NatsServer, server_binary
from .conftest import wait_for

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "nats-server" / "tls.conf"


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    """A CA, and the server's certificate for 127.0.0.1 signed by it."""
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


def _verify_config(pki: TestPki, extra: str = "") -> str:
    return (
        f'tls {{ cert_file: "{pki.cert_file}", key_file: "{pki.key_file}", ca_file: "{pki.ca_file}",'
        f" verify: true }}\n{extra}"
    )


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[str], NatsServer]]:
    """Start nats-servers with the given configuration; stopped after Home Assistant."""
    servers: list[NatsServer] = []

    def _start(config: str) -> NatsServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        server = NatsServer(workdir, config)
        server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def mtls_server(start_server: Callable[[str], NatsServer], pki: TestPki) -> NatsServer:
    """A nats-server that accepts only clients with a certificate signed by the test CA."""
    return start_server(_verify_config(pki))


@pytest.fixture
async def tls_device(mtls_server: NatsServer, pki: TestPki) -> AsyncIterator[Device]:
    """A device with a switch, connected with its own client certificate."""
    cert, key = pki.client_cert("plug")
    context = build_tls_context(pki.ca_pem, cert, key)
    client: Client = await nats.connect(mtls_server.url, tls=context, max_reconnect_attempts=-1)
    device = Device(
        client,
        "plug",
        entities=[{"platform": "switch", "id": "relay", "name": "Relay"}],
        name="Plug",
        announce_jitter=0,
    )
    await device.start()
    yield device
    await device.stop(clean=False)
    await client.close()


async def _user_step(hass: HomeAssistant, **user_input: Any) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_AUTH_METHOD: "none", CONF_PREFIX: "home", **user_input}
    )


def _secret(pem: str) -> str:
    """Base64 of the PEM's last bytes (a key's private value, a certificate's signature): unique to it."""
    return "".join(pem.strip().splitlines()[1:-1])[-60:-20]


def _leaks(pem: str, text: str) -> bool:
    """Whether text holds the PEM's secret part, wrapped at any width or on one line."""
    return _secret(pem) in text.replace("\\n", "").replace("\n", "")


def _one_line(pem: str) -> str:
    """The PEM as a browser's password field leaves it: newlines dropped."""
    return pem.replace("\n", "")


async def test_mutual_tls_end_to_end(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mtls_server: NatsServer,
    pki: TestPki,
    tls_device: Device,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refused without a client certificate; with one, set-up, a device's entity and a command work.

    The key stays out of the configuration folder, the logs and the diagnostics.
    """
    caplog.set_level(logging.DEBUG, logger="custom_components.nats")
    cert, key = pki.client_cert()
    result = await _user_step(hass, **{CONF_SERVERS: mtls_server.url, CONF_TLS_CA: pki.ca_pem})
    assert result["errors"] == {"base": "client_cert_required"}

    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_SERVERS: mtls_server.url,
            CONF_AUTH_METHOD: "none",
            CONF_PREFIX: "home",
            CONF_TLS_CA: pki.ca_pem,
            CONF_TLS_CLIENT_CERT: cert,
            CONF_TLS_CLIENT_KEY: _one_line(key),  # pasted into the password field
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_TLS_CLIENT_CERT] == cert
    assert entry.data[CONF_TLS_CLIENT_KEY] == key  # newlines restored
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    await wait_for(hass, lambda: hass.states.get("switch.plug_relay") is not None)
    await hass.services.async_call(
        "switch", SERVICE_TURN_ON, {ATTR_ENTITY_ID: "switch.plug_relay"}, blocking=True
    )
    assert hass.states.get("switch.plug_relay").state == STATE_ON
    assert [entity for entity, _ in tls_device.commands] == ["relay"]
    # The server saw Home Assistant's connection with its certificate.
    names = {connection.get("name") for connection in mtls_server.connections()}
    assert any(name and name.startswith("Home Assistant (") for name in names)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert not _leaks(key, text)
    assert not _leaks(cert, text)
    assert diagnostics["entry"]["data"][CONF_TLS_CLIENT_KEY] == "**REDACTED**"
    assert not _leaks(key, caplog.text)
    for path in Path(hass.config.config_dir).rglob("*"):
        if path.is_file() and path.name != "core.config_entries":  # Home Assistant's own store of entries
            assert not _leaks(key, path.read_text(errors="ignore")), path


async def test_client_certificate_errors(
    hass: HomeAssistant, mtls_server: NatsServer, pki: TestPki, tmp_path: Path
) -> None:
    """Each wrong certificate or key is named on its field before connecting; a stranger's is refused."""
    cert, key = pki.client_cert()
    other_cert, other_key = pki.client_cert("someone-else")
    other_dir = tmp_path / "other-ca"
    other_dir.mkdir()
    other_pki = make_pki(other_dir)
    stranger_cert, stranger_key = other_pki.client_cert()
    base = {CONF_SERVERS: mtls_server.url, CONF_TLS_CA: pki.ca_pem}
    cases = [
        ({CONF_TLS_CLIENT_CERT: "not a cert", CONF_TLS_CLIENT_KEY: key}, {CONF_TLS_CLIENT_CERT: "invalid_client_cert"}),
        ({CONF_TLS_CLIENT_CERT: cert, CONF_TLS_CLIENT_KEY: "not a key"}, {CONF_TLS_CLIENT_KEY: "invalid_client_key"}),
        ({CONF_TLS_CLIENT_CERT: cert, CONF_TLS_CLIENT_KEY: other_key}, {CONF_TLS_CLIENT_KEY: "client_cert_key_mismatch"}),
        ({CONF_TLS_CLIENT_CERT: other_cert}, {CONF_TLS_CLIENT_KEY: "client_key_missing"}),
        ({CONF_TLS_CLIENT_KEY: key}, {CONF_TLS_CLIENT_CERT: "client_cert_missing"}),
        ({CONF_TLS_CLIENT_CERT: stranger_cert, CONF_TLS_CLIENT_KEY: stranger_key}, {"base": "client_cert_rejected"}),
    ]  # fmt: skip
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    for user_input, errors in cases:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_AUTH_METHOD: "none", CONF_PREFIX: "home", **base, **user_input}
        )
        assert result["errors"] == errors, user_input
        # No key goes back to the browser, not even a wrong one.
        shown = str(result["data_schema"].schema)
        assert not _leaks(key, shown)
        assert not _leaks(stranger_key, shown)
    # Right certificate, wrong CA for the server: the server's certificate is not trusted.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_AUTH_METHOD: "none",
            CONF_PREFIX: "home",
            CONF_SERVERS: mtls_server.url,
            CONF_TLS_CA: other_pki.ca_pem,
            CONF_TLS_CLIENT_CERT: cert,
            CONF_TLS_CLIENT_KEY: key,
        },
    )
    assert result["errors"] == {"base": "tls_error"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_AUTH_METHOD: "none",
            CONF_PREFIX: "home",
            **base,
            CONF_TLS_CLIENT_CERT: cert,
            CONF_TLS_CLIENT_KEY: key,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_missing_certificate_with_credentials(
    hass: HomeAssistant, pki: TestPki, start_server: Callable[[str], NatsServer]
) -> None:
    """With a password too, a missing client certificate is reported on the first step, where it is entered."""
    server = start_server(_verify_config(pki, "authorization { user: ha, password: s3cret }"))
    base = {CONF_SERVERS: server.url, CONF_AUTH_METHOD: "userpass", CONF_TLS_CA: pki.ca_pem}
    result = await _user_step(hass, **base)
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "client_cert_required"}
    cert, key = pki.client_cert()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**base, CONF_PREFIX: "home", CONF_TLS_CLIENT_CERT: cert, CONF_TLS_CLIENT_KEY: key},
    )
    assert result["step_id"] == "credentials_userpass"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "ha", CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "ha", CONF_PASSWORD: "s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TLS_CLIENT_KEY] == key


async def test_reauth_asks_for_the_client_certificate(
    hass: HomeAssistant, mtls_server: NatsServer, pki: TestPki
) -> None:
    """A server that starts requiring a client certificate makes Home Assistant ask for one, not retry forever."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{mtls_server.url}/home",
        data={
            CONF_SERVERS: [mtls_server.url],
            CONF_PREFIX: "home",
            CONF_AUTH_METHOD: "none",
            CONF_TLS_CA: pki.ca_pem,
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "reauth_confirm"
    assert [str(key) for key in result["data_schema"].schema] == [CONF_TLS_CLIENT_CERT, CONF_TLS_CLIENT_KEY]

    cert, key = pki.client_cert()
    other_cert, _ = pki.client_cert("other")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_TLS_CLIENT_CERT: other_cert, CONF_TLS_CLIENT_KEY: key}
    )
    assert result["errors"] == {CONF_TLS_CLIENT_KEY: "client_cert_key_mismatch"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_TLS_CLIENT_CERT: cert, CONF_TLS_CLIENT_KEY: key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_TLS_CLIENT_KEY] == key


async def test_reconfigure_keeps_the_key_unseen(
    hass: HomeAssistant, mtls_server: NatsServer, pki: TestPki
) -> None:
    """Reconfigure shows a placeholder for the stored key, never the key; leaving it keeps the key."""
    cert, key = pki.client_cert()
    data = {
        CONF_SERVERS: [mtls_server.url],
        CONF_PREFIX: "home",
        CONF_AUTH_METHOD: "none",
        CONF_TLS_CA: pki.ca_pem,
        CONF_TLS_CLIENT_CERT: cert,
        CONF_TLS_CLIENT_KEY: key,
    }
    entry = MockConfigEntry(domain=DOMAIN, unique_id=f"{mtls_server.url}/home", data=data)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    schema = result["data_schema"].schema
    suggested = {str(field): (field.description or {}).get("suggested_value") for field in schema}
    assert suggested[CONF_TLS_CLIENT_KEY] == KEY_UNCHANGED
    assert suggested[CONF_TLS_CLIENT_CERT] == cert
    assert not _leaks(key, str(schema))

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_SERVERS: mtls_server.url,
            CONF_AUTH_METHOD: "none",
            CONF_PREFIX: "villa",
            CONF_TLS_CA: pki.ca_pem,
            CONF_TLS_CLIENT_CERT: cert,
            CONF_TLS_CLIENT_KEY: KEY_UNCHANGED,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PREFIX] == "villa"
    assert entry.data[CONF_TLS_CLIENT_CERT] == cert
    assert entry.data[CONF_TLS_CLIENT_KEY] == key


def test_pem_newlines_restored(pki: TestPki) -> None:
    """A key pasted into a single-line field is the same key again; text without PEM stays as it is."""
    cert, key = pki.client_cert()
    assert normalize_pem(_one_line(key)) == key
    assert normalize_pem(_one_line(cert + cert)) == cert + cert
    assert normalize_pem("  hello ") == "hello"


def test_client_key_loaded_without_memfd(pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without memfd (not Linux) the key goes through a private temporary file, deleted at once."""
    cert, key = pki.client_cert()
    monkeypatch.setattr(connection, "_memfd_usable", lambda: False)
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def _mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(real_mkdtemp(*args, **kwargs))
        assert os.stat(made[-1]).st_mode & 0o077 == 0  # only this user
        return made[-1]

    with patch.object(tempfile, "mkdtemp", _mkdtemp):
        context = build_tls_context(pki.ca_pem, cert, key)
    assert isinstance(context, ssl.SSLContext)
    assert made
    assert not any(Path(directory).exists() for directory in made)


def test_key_never_written_with_memfd(pki: TestPki) -> None:
    """On Linux no file is created at all: the key goes through an anonymous memory file."""
    if not connection._memfd_usable():
        pytest.skip("memfd is Linux only")
    cert, key = pki.client_cert()
    with patch.object(tempfile, "mkdtemp", side_effect=AssertionError("no temporary file expected")):
        build_tls_context(pki.ca_pem, cert, key)


def test_example_server_config_is_valid(tmp_path: Path, pki: TestPki) -> None:
    """examples/nats-server/tls.conf passes `nats-server -t` as written, next to certificates at its paths."""
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(pki.cert_file, certs / "server.pem")
    shutil.copy(pki.key_file, certs / "server.key")
    (certs / "ca.pem").write_text(pki.ca_pem)
    check = subprocess.run(
        [server_binary(), "-t", "-c", str(EXAMPLE)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # The example is what the end-to-end test runs against: verify on, the CA given.
    text = EXAMPLE.read_text()
    assert "verify: true" in text
    assert 'ca_file: "certs/ca.pem"' in text
