"""Opening a NATS connection from config entry data, with failures classified."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
import os
from pathlib import Path
import re
import ssl
import tempfile
from typing import Any, Final
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
import nkeys

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady

import nats.aio.client
from nats.aio.client import RawCredentials
import nats.errors

from .const import (
    AUTH_CREDS,
    AUTH_NKEY,
    AUTH_OPERATOR,
    AUTH_TOKEN,
    AUTH_USERPASS,
    CONF_AUTH_METHOD,
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
    CONF_TOKEN,
    DOMAIN,
)
from .operator_auth import bundle_of, jwt_auth
from .protocol import client as own_client
from .protocol.transport import NatsClient

CONNECT_TIMEOUT: Final = 5.0
SCHEMES: Final = frozenset({"nats", "tls", "ws", "wss"})
TLS_SCHEMES: Final = frozenset({"tls", "wss"})
CREDS_JWT_MARKER: Final = "-----BEGIN NATS USER JWT-----"
CREDS_SEED_MARKER: Final = "-----BEGIN USER NKEY SEED-----"
PEM_BLOCK: Final = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
CLIENT_CERT_REFUSED: Final = re.compile(
    r"alert (unknown ca|bad certificate|certificate (unknown|expired|revoked))"
)
"""TLS alerts the server sends when it refuses Home Assistant's own certificate."""
AUTH_FAILURES: Final = frozenset({"invalid_auth", "client_cert_required", "client_cert_rejected"})
"""Reasons a retry cannot fix: the server refused Home Assistant's credentials or client certificate."""

type ErrorCallback = Callable[[Exception], Awaitable[None]]
type EventCallback = Callable[[], Awaitable[None]]


class ConnectionFailedError(Exception):
    """Opening the connection failed; `reason` is a config flow error key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason

    def config_entry_error(self) -> ConfigEntryAuthFailed | ConfigEntryNotReady:
        """Return the error Home Assistant acts on at set-up: reauthentication, or a retry later."""
        placeholders = {"error": str(self)}
        if self.reason in AUTH_FAILURES:
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key=self.reason,
                translation_placeholders=placeholders,
            )
        return ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect", translation_placeholders=placeholders
        )


class InvalidUrlError(ValueError):
    """A server URL that cannot be used."""


def parse_servers(text: str | list[str]) -> list[str]:
    """Split and validate server URLs (comma, space or newline separated)."""
    items = text if isinstance(text, list) else text.replace(",", " ").split()
    if not items:
        raise InvalidUrlError("no server URL given")
    servers = []
    for item in items:
        url = item.strip()
        if "://" not in url:
            url = f"nats://{url}"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as err:
            raise InvalidUrlError(f"{item}: {err}") from None
        if parts.scheme not in SCHEMES:
            raise InvalidUrlError(f"{item}: scheme must be one of {', '.join(sorted(SCHEMES))}")
        if not parts.hostname or port == 0 or parts.path not in ("", "/"):
            raise InvalidUrlError(f"{item}: expected scheme://host[:port]")
        servers.append(url)
    return servers


def speaks_own(servers: list[str]) -> bool:
    """Return whether this project's own client can reach these servers (not over websocket)."""
    return all(urlsplit(url).scheme in own_client.SCHEMES for url in servers)


def uses_tls(data: Mapping[str, Any]) -> bool:
    """Return whether the connection needs a TLS context."""
    return (
        bool(data.get(CONF_TLS_CA))
        or bool(data.get(CONF_TLS_CLIENT_CERT))
        or any(urlsplit(url).scheme in TLS_SCHEMES for url in data[CONF_SERVERS])
    )


class ClientCertError(ValueError):
    """A client certificate or key that cannot be used; `field` and `reason` are the form's error."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def normalize_pem(text: str) -> str:
    """Return the PEM blocks of text, wrapped again at 64 characters.

    The key is typed into a password field, which is a single line: browsers
    drop the newlines of a pasted PEM, and this puts them back.
    """
    blocks = []
    for label, body in PEM_BLOCK.findall(text):
        data = "".join(body.split())
        lines = [data[i : i + 64] for i in range(0, len(data), 64)]
        blocks.append("\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]))
    return "\n".join(blocks) + "\n" if blocks else text.strip()


def validate_client_cert(cert_pem: str | None, key_pem: str | None) -> None:
    """Raise ClientCertError unless both are PEM and the key is the certificate's.

    Errors never quote the PEM text: it must not reach a log or a form.
    """
    if not cert_pem and not key_pem:
        return
    if not cert_pem:
        raise ClientCertError(CONF_TLS_CLIENT_CERT, "client_cert_missing")
    if not key_pem:
        raise ClientCertError(CONF_TLS_CLIENT_KEY, "client_key_missing")
    try:
        certificate = x509.load_pem_x509_certificates(cert_pem.encode())[0]
    except (ValueError, IndexError):
        raise ClientCertError(CONF_TLS_CLIENT_CERT, "invalid_client_cert") from None
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # TypeError: an encrypted key (there is no passphrase to open it).
        raise ClientCertError(CONF_TLS_CLIENT_KEY, "invalid_client_key") from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise ClientCertError(CONF_TLS_CLIENT_KEY, "client_cert_key_mismatch")


def build_tls_context(
    ca_pem: str | None, client_cert: str | None = None, client_key: str | None = None
) -> ssl.SSLContext:
    """Build a verifying client context, with a client certificate if given (blocking: loads files)."""
    context = ssl.create_default_context(cadata=ca_pem or None)
    if not ca_pem:
        context.load_default_certs()
    if client_cert and client_key:
        _load_client_cert(context, f"{client_key.strip()}\n{client_cert.strip()}\n".encode())
    return context


def _load_client_cert(context: ssl.SSLContext, pem: bytes) -> None:
    """Load a private key and its certificate chain from memory into context.

    Python's ssl module reads a certificate chain and key only from a file
    (load_cert_chain takes paths; unlike load_verify_locations there is no
    in-memory form), while the key lives only in the config entry and must
    not be written into the configuration folder, a backup, or any disk. On
    Linux the file is an anonymous memory file (memfd), which is never on a
    disk and has no name in any directory: OpenSSL opens it through
    /proc/self/fd and it is gone when closed, right after loading. Elsewhere
    it is a file readable only by this user, in a private temporary directory
    (not the configuration folder), deleted as soon as it is loaded.
    """
    if _memfd_usable():
        descriptor = os.memfd_create("nats-client-cert", os.MFD_CLOEXEC)
        try:
            os.write(descriptor, pem)
            context.load_cert_chain(f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)
        return
    with tempfile.TemporaryDirectory(prefix="nats-") as directory:
        path = os.path.join(directory, "client.pem")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, pem)
        finally:
            os.close(descriptor)
        context.load_cert_chain(path)


def _memfd_usable() -> bool:
    """Return whether anonymous memory files can be opened by path (Linux with /proc)."""
    return hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir()


async def async_tls_context(hass: HomeAssistant, data: Mapping[str, Any]) -> ssl.SSLContext | None:
    """Return the TLS context for the entry's data, or None when it does not use TLS."""
    if not uses_tls(data):
        return None
    return await hass.async_add_executor_job(
        build_tls_context,
        data.get(CONF_TLS_CA),
        data.get(CONF_TLS_CLIENT_CERT),
        data.get(CONF_TLS_CLIENT_KEY),
    )


def validate_nkey_seed(seed: str) -> None:
    """Raise ValueError unless seed is a user NKey seed."""
    try:
        nkeys.from_seed(seed.strip().encode())
    except (nkeys.NkeysError, ValueError, TypeError) as err:
        raise ValueError(str(err) or "invalid seed") from None


def validate_credentials(creds: str) -> None:
    """Raise ValueError unless creds looks like a NATS .creds file."""
    if CREDS_JWT_MARKER not in creds or CREDS_SEED_MARKER not in creds:
        raise ValueError("not the contents of a NATS credentials (.creds) file")


def auth_options(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return connect() options for the entry's authentication (nats-py's names, which both clients take)."""
    method = data.get(CONF_AUTH_METHOD)
    if method == AUTH_USERPASS:
        return {"user": data[CONF_USERNAME], "password": data[CONF_PASSWORD]}
    if method == AUTH_TOKEN:
        return {"token": data[CONF_TOKEN]}
    if method == AUTH_NKEY:
        return {"nkeys_seed_str": data[CONF_NKEY_SEED].strip()}
    if method == AUTH_CREDS:
        return {"user_credentials": RawCredentials(data[CONF_CREDENTIALS])}
    if method == AUTH_OPERATOR:
        return jwt_auth(bundle_of(data).home_assistant)
    return {}


def classify(errors: list[BaseException]) -> str:
    """Map the errors of a failed connect to a config flow error key.

    The server's refusal may be followed by a reset or a timeout on retry,
    so any refusal among the errors decides.
    """
    texts = [str(err).lower() for err in errors]
    if any(isinstance(err, nats.errors.AuthorizationError) for err in errors) or any(
        "authorization" in text for text in texts
    ):
        return "invalid_auth"
    # TLS alerts the server sends about Home Assistant's own certificate.
    if any("alert certificate required" in text for text in texts):
        return "client_cert_required"
    if any(CLIENT_CERT_REFUSED.search(text) for text in texts):
        return "client_cert_rejected"
    if any(isinstance(err, ssl.SSLError) for err in errors) or any("tls" in text for text in texts):
        return "tls_error"
    return "cannot_connect"


async def async_open(
    data: Mapping[str, Any],
    tls_context: ssl.SSLContext | None,
    *,
    name: str,
    error_cb: ErrorCallback | None = None,
    disconnected_cb: EventCallback | None = None,
    reconnected_cb: EventCallback | None = None,
    auth: Mapping[str, Any] | None = None,
    jetstream: bool = False,
) -> NatsClient:
    """Connect, or raise ConnectionFailedError within CONNECT_TIMEOUT.

    `auth` replaces the entry's own authentication (operator mode's system
    user, which reaches the same servers with the same TLS).

    The client is this project's own (protocol/client), which halves the
    event-loop work of every message (docs/benchmarks.md), unless the
    servers are websocket URLs, which it does not speak, or `jetstream` asks
    for nats-py's JetStream API (streams, consumers, key-value buckets).

    A client may retry a failing first connect for long and report why only
    through error_cb, so the attempt is bounded here and every error kept.
    Once connected, the client reconnects forever on its own.
    """
    seen: list[BaseException] = []
    connecting = True

    async def _record(err: Exception) -> None:
        if connecting:
            seen.append(err)
        if error_cb is not None:
            await error_cb(err)

    client: NatsClient = (
        nats.aio.client.Client() if jetstream or not speaks_own(data[CONF_SERVERS]) else own_client.Client()
    )
    options: dict[str, Any] = {
        "servers": list(data[CONF_SERVERS]),
        "name": name,
        "connect_timeout": 2,
        "reconnect_time_wait": 1,
        "max_reconnect_attempts": 2,
        "error_cb": _record,
        "tls": tls_context,
        **(auth_options(data) if auth is None else auth),
    }
    if disconnected_cb is not None:
        options["disconnected_cb"] = disconnected_cb
    if reconnected_cb is not None:
        options["reconnected_cb"] = reconnected_cb
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await client.connect(**options)
    except (TimeoutError, OSError, nats.errors.Error) as err:
        seen.append(err)
        reason = classify(seen)
        if reason == "cannot_connect" and getattr(client, "_server_info", {}).get("tls_verify"):
            # The server demands client certificates (its INFO says tls_verify) and
            # dropped the connection after the handshake. Its TLS alert saying why
            # is often lost to a broken pipe, as TLS 1.3 sends it after the
            # client's first write; the INFO tells what the alert would have.
            reason = "client_cert_rejected" if data.get(CONF_TLS_CLIENT_CERT) else "client_cert_required"
        detail = next((str(e) for e in seen if str(e)), type(err).__name__)
        if reason == "invalid_auth":
            detail = "authorization violation"
        elif reason != "cannot_connect":
            # The TLS error itself, not a broken pipe that followed it.
            detail = next((str(e) for e in seen if isinstance(e, ssl.SSLError)), detail)
        with contextlib.suppress(Exception):
            await client.close()
        raise ConnectionFailedError(reason, detail) from err
    connecting = False
    seen.clear()
    client.options["max_reconnect_attempts"] = -1
    return client


async def async_open_home(
    data: Mapping[str, Any],
    tls_context: ssl.SSLContext | None,
    *,
    name: str,
    error_cb: ErrorCallback,
    disconnected_cb: EventCallback,
    reconnected_cb: EventCallback,
) -> tuple[NatsClient, nats.aio.client.Client]:
    """Open Home Assistant's connections to a home: the live one, and nats-py's for the JetStream API.

    Over websocket URLs the live connection is nats-py's too, and serves both.
    The JetStream connection tells errors (a refused user starts reauth) but
    not disconnects: the live connection decides what is available.
    """
    client = await async_open(
        data,
        tls_context,
        name=name,
        error_cb=error_cb,
        disconnected_cb=disconnected_cb,
        reconnected_cb=reconnected_cb,
    )
    if isinstance(client, nats.aio.client.Client):
        return client, client
    try:
        jetstream = await async_open(
            data, tls_context, name=f"{name} JetStream", error_cb=error_cb, jetstream=True
        )
    except ConnectionFailedError:
        await client.close()
        raise
    assert isinstance(jetstream, nats.aio.client.Client)
    return client, jetstream


async def async_close(client: NatsClient) -> None:
    """Close a client; nats-py's CancelledError from ending its own reconnect is not ours.

    nats-py's close() cancels its reconnect task and can then raise that
    CancelledError from waiting on the old socket. The close runs in a task
    of its own, so a cancellation of the caller still propagates.
    """
    closing = asyncio.ensure_future(client.close())
    await asyncio.wait((closing,))
    if not closing.cancelled():
        closing.result()
