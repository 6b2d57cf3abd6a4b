"""Opening a NATS connection from config entry data, with failures classified."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
import ssl
from typing import Any, Final
from urllib.parse import urlsplit

import nkeys

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady

from nats.aio.client import Client, RawCredentials
import nats.errors

from .const import (
    AUTH_CREDS,
    AUTH_NKEY,
    AUTH_TOKEN,
    AUTH_USERPASS,
    CONF_AUTH_METHOD,
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TOKEN,
    DOMAIN,
)

CONNECT_TIMEOUT: Final = 5.0
SCHEMES: Final = frozenset({"nats", "tls", "ws", "wss"})
TLS_SCHEMES: Final = frozenset({"tls", "wss"})
CREDS_JWT_MARKER: Final = "-----BEGIN NATS USER JWT-----"
CREDS_SEED_MARKER: Final = "-----BEGIN USER NKEY SEED-----"

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
        if self.reason == "invalid_auth":
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
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


def uses_tls(data: Mapping[str, Any]) -> bool:
    """Return whether the connection needs a TLS context."""
    return bool(data.get(CONF_TLS_CA)) or any(
        urlsplit(url).scheme in TLS_SCHEMES for url in data[CONF_SERVERS]
    )


def build_tls_context(ca_pem: str | None) -> ssl.SSLContext:
    """Build a verifying client context (blocking: loads certificates)."""
    context = ssl.create_default_context(cadata=ca_pem or None)
    if not ca_pem:
        context.load_default_certs()
    return context


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
    """Return nats-py connect() options for the entry's authentication."""
    method = data.get(CONF_AUTH_METHOD)
    if method == AUTH_USERPASS:
        return {"user": data[CONF_USERNAME], "password": data[CONF_PASSWORD]}
    if method == AUTH_TOKEN:
        return {"token": data[CONF_TOKEN]}
    if method == AUTH_NKEY:
        return {"nkeys_seed_str": data[CONF_NKEY_SEED].strip()}
    if method == AUTH_CREDS:
        return {"user_credentials": RawCredentials(data[CONF_CREDENTIALS])}
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
) -> Client:
    """Connect, or raise ConnectionFailedError within CONNECT_TIMEOUT.

    nats-py retries a failing first connect forever and only reports why
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

    client = Client()
    options: dict[str, Any] = {
        "servers": list(data[CONF_SERVERS]),
        "name": name,
        "connect_timeout": 2,
        "reconnect_time_wait": 1,
        "max_reconnect_attempts": 2,
        "error_cb": _record,
        "tls": tls_context,
        **auth_options(data),
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
        detail = next((str(e) for e in seen if str(e)), type(err).__name__)
        if reason == "invalid_auth":
            detail = "authorization violation"
        with contextlib.suppress(Exception):
            await client.close()
        raise ConnectionFailedError(reason, detail) from err
    connecting = False
    seen.clear()
    client.options["max_reconnect_attempts"] = -1
    return client
