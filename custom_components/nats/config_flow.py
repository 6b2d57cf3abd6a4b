"""Config flow: server, authentication and prefix, tested before saving."""

from __future__ import annotations

import logging
import ssl
from typing import Any

import probatio as vol

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .connection import (
    AUTH_FAILURES,
    ClientCertError,
    ConnectionFailedError,
    InvalidUrlError,
    async_open,
    build_tls_context,
    normalize_pem,
    parse_servers,
    uses_tls,
    validate_client_cert,
    validate_credentials,
    validate_nkey_seed,
)
from .const import (
    AUTH_CREDS,
    AUTH_METHODS,
    AUTH_NKEY,
    AUTH_NONE,
    AUTH_OPERATOR,
    AUTH_TOKEN,
    AUTH_USERPASS,
    CONF_AUTH_METHOD,
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_OPERATOR_BUNDLE,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TLS_CA,
    CONF_TLS_CLIENT_CERT,
    CONF_TLS_CLIENT_KEY,
    CONF_TOKEN,
    DEFAULT_PREFIX,
    DOMAIN,
)
from .entry_identity import entry_unique_id
from .migration import CURRENT_MINOR_VERSION
from .operator_auth import check_bundle, home_account, is_operator_mode
from .options_flow import NatsOptionsFlow
from .protocol.subjects import is_valid_prefix
from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

_MULTILINE = TextSelector(TextSelectorConfig(multiline=True))
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))

KEY_UNCHANGED = "__nats_client_key_unchanged__"
"""Shown in the client key field instead of a stored key, which never goes back to the browser."""

TLS_REASONS = frozenset({"tls_error"} | (AUTH_FAILURES - {"invalid_auth"}))
"""Connection failures the server step's TLS fields fix."""

CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    AUTH_NONE: (),
    AUTH_USERPASS: (CONF_USERNAME, CONF_PASSWORD),
    AUTH_TOKEN: (CONF_TOKEN,),
    AUTH_NKEY: (CONF_NKEY_SEED,),
    AUTH_CREDS: (CONF_CREDENTIALS,),
    AUTH_OPERATOR: (CONF_OPERATOR_BUNDLE,),
}


def _client_cert_fields(defaults: dict[str, Any]) -> dict[vol.Optional, TextSelector]:
    """Return the optional client certificate (PEM) and key fields; a stored key shows as a placeholder."""
    return {
        vol.Optional(
            CONF_TLS_CLIENT_CERT, description={"suggested_value": defaults.get(CONF_TLS_CLIENT_CERT)}
        ): _MULTILINE,
        vol.Optional(
            CONF_TLS_CLIENT_KEY,
            description={"suggested_value": KEY_UNCHANGED if defaults.get(CONF_TLS_CLIENT_KEY) else None},
        ): _SECRET,
    }


def _server_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_SERVERS, default=defaults.get(CONF_SERVERS, "")): TextSelector(),
            vol.Required(CONF_AUTH_METHOD, default=defaults.get(CONF_AUTH_METHOD, AUTH_NONE)): SelectSelector(
                SelectSelectorConfig(
                    options=list(AUTH_METHODS),
                    mode=SelectSelectorMode.DROPDOWN,
                    translation_key=CONF_AUTH_METHOD,
                )
            ),
            vol.Required(CONF_PREFIX, default=defaults.get(CONF_PREFIX, DEFAULT_PREFIX)): TextSelector(),
            vol.Optional(CONF_TLS_CA, description={"suggested_value": defaults.get(CONF_TLS_CA)}): _MULTILINE,
            **_client_cert_fields(defaults),
        }
    )


def _credentials_schema(method: str, defaults: dict[str, Any]) -> vol.Schema:
    selectors = {
        CONF_USERNAME: TextSelector(),
        CONF_PASSWORD: _SECRET,
        CONF_TOKEN: _SECRET,
        CONF_NKEY_SEED: _SECRET,
        CONF_CREDENTIALS: _MULTILINE,
        CONF_OPERATOR_BUNDLE: _MULTILINE,
    }
    return vol.Schema(
        {
            vol.Required(field, default=defaults.get(field, vol.UNDEFINED)): selectors[field]
            for field in CREDENTIAL_FIELDS[method]
        }
    )


def _client_cert_input(user_input: dict[str, Any], key_on_file: str | None) -> dict[str, str | None]:
    """Return the client certificate and key entered, or raise ClientCertError.

    The placeholder stands for the key already held; a key pasted into the
    single-line password field lost its newlines, which normalize_pem restores.
    """
    cert = normalize_pem(user_input.get(CONF_TLS_CLIENT_CERT) or "") or None
    key = user_input.get(CONF_TLS_CLIENT_KEY) or ""
    key = key_on_file if key == KEY_UNCHANGED else normalize_pem(key) or None
    validate_client_cert(cert, key)
    return {CONF_TLS_CLIENT_CERT: cert, CONF_TLS_CLIENT_KEY: key}


def _check_credentials(method: str, user_input: dict[str, Any]) -> dict[str, str]:
    try:
        if method == AUTH_NKEY:
            validate_nkey_seed(user_input[CONF_NKEY_SEED])
        elif method == AUTH_CREDS:
            validate_credentials(user_input[CONF_CREDENTIALS])
    except ValueError:
        field = CONF_NKEY_SEED if method == AUTH_NKEY else CONF_CREDENTIALS
        return {field: f"invalid_{field}"}
    return {}


class NatsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a home on a NATS server."""

    VERSION = 1
    MINOR_VERSION = CURRENT_MINOR_VERSION  # migration.py

    def __init__(self) -> None:
        """Start with no settings."""
        self._data: dict[str, Any] = {}
        self._key_on_file: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: NatsConfigEntry) -> NatsOptionsFlow:
        """Return the options flow."""
        return NatsOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the server, authentication method, prefix and CA."""
        return await self._async_step_server("user", user_input, {})

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change server, authentication or prefix of an existing entry."""
        entry = self._get_reconfigure_entry()
        defaults = {**entry.data, CONF_SERVERS: ", ".join(entry.data[CONF_SERVERS])}
        if user_input is None:
            self._key_on_file = entry.data.get(CONF_TLS_CLIENT_KEY)
        return await self._async_step_server("reconfigure", user_input, defaults)

    async def _async_step_server(
        self, step_id: str, user_input: dict[str, Any] | None, defaults: dict[str, Any]
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            defaults = user_input
            try:
                servers = parse_servers(user_input[CONF_SERVERS])
            except InvalidUrlError:
                errors[CONF_SERVERS] = "invalid_url"
            prefix = user_input[CONF_PREFIX].strip()
            if not is_valid_prefix(prefix):
                errors[CONF_PREFIX] = "invalid_prefix"
            client_cert: dict[str, str | None] = {}
            try:
                client_cert = _client_cert_input(user_input, self._key_on_file)
            except ClientCertError as err:
                errors[err.field] = err.reason
            else:
                # Held for the form shown again, as the placeholder.
                self._key_on_file = client_cert[CONF_TLS_CLIENT_KEY]
            defaults = {**user_input, CONF_TLS_CLIENT_KEY: self._key_on_file}
            if not errors:
                self._data = {
                    CONF_SERVERS: servers,
                    CONF_PREFIX: prefix,
                    CONF_AUTH_METHOD: user_input[CONF_AUTH_METHOD],
                    CONF_TLS_CA: (user_input.get(CONF_TLS_CA) or "").strip() or None,
                }
                if client_cert[CONF_TLS_CLIENT_CERT]:
                    self._data.update(client_cert)
                if self._data[CONF_AUTH_METHOD] == AUTH_NONE:
                    return await self._async_finish(step_id, {})
                if uses_tls(self._data):
                    # TLS comes before authentication: a certificate the server
                    # refuses is reported here, where it can be fixed.
                    errors = await self._async_test({**self._data, CONF_AUTH_METHOD: AUTH_NONE})
                    if errors.get("base") not in TLS_REASONS and set(errors) == {"base"}:
                        errors = {}  # anything else (refused credentials) is for the next step
                if not errors:
                    return await self.async_step_credentials()
        return self.async_show_form(
            step_id=step_id,
            data_schema=_server_schema(defaults),
            errors=errors,
        )

    async def async_step_credentials(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the chosen method's credentials, then test them."""
        method = self._data[CONF_AUTH_METHOD]
        step_id = f"credentials_{method}"
        if user_input is None:
            return self.async_show_form(step_id=step_id, data_schema=_credentials_schema(method, {}))
        errors = _check_credentials(method, user_input)
        if method == AUTH_OPERATOR:
            account = (
                home_account(self._get_reconfigure_entry().data)
                if self.source == SOURCE_RECONFIGURE
                else None
            )
            checked = check_bundle(user_input, account)
            if isinstance(checked, dict):
                errors = checked
            else:
                # The bundle's users may only use its prefix, so it is the entry's,
                # whatever the server step said (the step's description tells).
                self._data[CONF_PREFIX] = checked.prefix
                user_input = {CONF_OPERATOR_BUNDLE: checked.to_json()}
        if not errors:
            return await self._async_finish(step_id, user_input)
        return self.async_show_form(
            step_id=step_id, data_schema=_credentials_schema(method, user_input), errors=errors
        )

    async_step_credentials_userpass = async_step_credentials
    async_step_credentials_token = async_step_credentials
    async_step_credentials_nkey = async_step_credentials
    async_step_credentials_creds = async_step_credentials
    async_step_credentials_operator = async_step_credentials

    async def async_step_reauth(self, entry_data: dict[str, Any]) -> ConfigFlowResult:
        """Ask for new credentials after the server refused the old ones."""
        self._data = dict(entry_data)
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for new credentials of the same method and test them."""
        method = self._data[CONF_AUTH_METHOD]
        with_tls = uses_tls(self._data)
        errors: dict[str, str] = {}
        defaults = user_input or {}
        if user_input is not None:
            updates = dict(user_input)
            errors = _check_credentials(method, user_input)
            if method == AUTH_OPERATOR:
                checked = check_bundle(user_input, home_account(self._data))
                if isinstance(checked, dict):
                    errors = checked
                elif checked.prefix != self._data[CONF_PREFIX]:
                    errors = {CONF_OPERATOR_BUNDLE: "operator_other_home"}
                else:
                    updates[CONF_OPERATOR_BUNDLE] = checked.to_json()
            if with_tls and not errors:
                try:
                    updates.update(_client_cert_input(user_input, self._data.get(CONF_TLS_CLIENT_KEY)))
                except ClientCertError as err:
                    errors = {err.field: err.reason}
            if not errors:
                errors = await self._async_test({**self._data, **updates})
            if not errors:
                # New credentials may be a new identity (another NKey): the unique id follows,
                # unless that makes it another entry's.
                entry = self._get_reauth_entry()
                await self.async_set_unique_id(entry_unique_id({**self._data, **updates}))
                if self.unique_id != entry.unique_id:
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry, unique_id=self.unique_id, data_updates=updates
                )
        elif with_tls:
            defaults = {CONF_TLS_CLIENT_CERT: self._data.get(CONF_TLS_CLIENT_CERT)}
        schema = _credentials_schema(method, defaults)
        if with_tls:
            # The server may refuse Home Assistant's client certificate rather than its credentials.
            key = self._data.get(CONF_TLS_CLIENT_KEY)
            schema = schema.extend(_client_cert_fields({**defaults, CONF_TLS_CLIENT_KEY: key}))
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={"method": method},
        )

    async def _async_finish(self, step_id: str, credentials: dict[str, Any]) -> ConfigFlowResult:
        data = {**self._data, **credentials}
        errors = await self._async_test(data)
        if errors:
            method = data[CONF_AUTH_METHOD]
            schema = (
                _credentials_schema(method, credentials)
                if credentials
                else _server_schema({**data, CONF_SERVERS: ", ".join(data[CONF_SERVERS])})
            )
            return self.async_show_form(step_id=step_id, data_schema=schema, errors=errors)
        await self.async_set_unique_id(entry_unique_id(data))
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            if self.unique_id != entry.unique_id:
                self._abort_if_unique_id_configured()
            return self.async_update_reload_and_abort(entry, unique_id=self.unique_id, data=data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=f"NATS ({data[CONF_PREFIX]})", data=data)

    async def _async_test(self, data: dict[str, Any]) -> dict[str, str]:
        """Open and close a short-lived connection; map failures to form errors."""
        tls = None
        if uses_tls(data):
            try:
                tls = await self.hass.async_add_executor_job(build_tls_context, data.get(CONF_TLS_CA))
            except ssl.SSLError as err:
                _LOGGER.debug("Invalid CA certificate: %s", err)
                return {"base": "tls_error"} if self.source == SOURCE_REAUTH else {CONF_TLS_CA: "invalid_ca"}
            if data.get(CONF_TLS_CLIENT_CERT):
                try:
                    tls = await self.hass.async_add_executor_job(
                        build_tls_context,
                        data.get(CONF_TLS_CA),
                        data[CONF_TLS_CLIENT_CERT],
                        data[CONF_TLS_CLIENT_KEY],
                    )
                except ssl.SSLError as err:
                    # Parsed by cryptography, yet refused by OpenSSL (an unsupported key type).
                    _LOGGER.debug("Client certificate not usable: %s", err.reason)
                    return {CONF_TLS_CLIENT_CERT: "invalid_client_cert"}
        client = None
        try:
            client = await async_open(data, tls, name="Home Assistant (config flow)")
            if is_operator_mode(data) and not getattr(client, "_server_info", {}).get("auth_required"):
                # It let Home Assistant in without checking the bundle's user: it does
                # not run this home's operator, and would enforce no device's permissions.
                return {"base": "operator_not_on_server"}
        except ConnectionFailedError as err:
            _LOGGER.debug("Connection test to %s failed: %s", data[CONF_SERVERS], err)
            return {"base": err.reason}
        except Exception:
            _LOGGER.exception("Unexpected error testing the NATS connection")
            return {"base": "unknown"}
        finally:
            if client is not None:
                await client.close()
        return {}
