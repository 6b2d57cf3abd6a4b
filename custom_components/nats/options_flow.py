"""Options: command timeout, replicas, the server's monitoring URL, per-device options and device credentials.

The options start with a menu: the home's settings, one device's own command
timeout and heartbeat tolerance, and (in operator mode) adding a device's
credentials, which are shown once to be copied into its firmware (ESPHome
secrets) or a .creds file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import probatio as vol
from yarl import URL

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    AVAILABILITY_FACTOR,
    CONF_COMMAND_TIMEOUT,
    CONF_CREDENTIAL_LIFETIME,
    CONF_DEVICE_OPTIONS,
    CONF_HEARTBEAT_TOLERANCE,
    CONF_MONITORING_URL,
    CONF_REPLICAS,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_REPLICAS,
)
from .device_credentials import Provisioned
from .device_options import DEVICE_KEYS, with_device_options
from .operator_auth import credential_lifetime, is_operator_mode
from .server_health import MonitoringError, async_fetch_stats

REPLICAS_OPTIONS: Final = ["1", "3", "5"]
"""Replicas of the home's JetStream streams: 1 on a single server, 3 or 5 on a cluster."""
DAY: Final = 24 * 3600
CONF_LIFETIME_DAYS: Final = "credential_lifetime_days"
"""The lifetime as the form shows it; the option keeps seconds."""
CONF_DEVICE_ID: Final = "device_id"
TIMEOUT_SELECTOR: Final = NumberSelector(
    NumberSelectorConfig(min=0.5, max=30, step=0.5, unit_of_measurement="s", mode=NumberSelectorMode.BOX)
)
TOLERANCE_SELECTOR: Final = NumberSelector(
    NumberSelectorConfig(min=1.5, max=20, step=0.5, mode=NumberSelectorMode.BOX)
)
"""Heartbeat intervals of silence before a device counts as unavailable (at least 1.5: one late
heartbeat is no outage)."""


class NatsOptionsFlow(OptionsFlowWithReload):
    """Options of one home."""

    def __init__(self) -> None:
        """Start with no device provisioned or chosen."""
        self._provisioned: Provisioned | None = None
        self._device_id = ""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the settings, per-device options and, in operator mode, adding a device's credentials."""
        menu = ["settings", "device_options"]
        if is_operator_mode(self.config_entry.data):
            menu.append("add_device")
        return self.async_show_menu(step_id="init", menu_options=menu)

    async def async_step_settings(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the timeout, replicas, monitoring URL and (operator mode) the credentials' lifetime.

        The timeout and lifetime apply to the next command and renewal; new
        replicas or a new monitoring URL reload the entry, whose set-up
        changes the streams and starts or stops watching the server's health.
        A monitoring URL is read once before it is kept.
        """
        operator = is_operator_mode(self.config_entry.data)
        options = self.config_entry.options
        replicas = int(options.get(CONF_REPLICAS, DEFAULT_REPLICAS))
        monitoring = options.get(CONF_MONITORING_URL) or ""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            CONF_COMMAND_TIMEOUT: options.get(CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT),
            CONF_HEARTBEAT_TOLERANCE: options.get(CONF_HEARTBEAT_TOLERANCE, AVAILABILITY_FACTOR),
            CONF_REPLICAS: str(replicas),
            CONF_MONITORING_URL: monitoring,
            CONF_LIFETIME_DAYS: max(1, round(credential_lifetime(options) / DAY)),
        }
        if user_input is not None:
            values.update(user_input)
            url = str(user_input.get(CONF_MONITORING_URL) or "").strip().rstrip("/")
            errors = await self._async_check_monitoring(url) if url else {}
            if not errors:
                new: dict[str, Any] = {
                    CONF_COMMAND_TIMEOUT: user_input[CONF_COMMAND_TIMEOUT],
                    CONF_HEARTBEAT_TOLERANCE: user_input[CONF_HEARTBEAT_TOLERANCE],
                    CONF_REPLICAS: int(user_input[CONF_REPLICAS]),
                }
                if CONF_DEVICE_OPTIONS in options:
                    new[CONF_DEVICE_OPTIONS] = options[CONF_DEVICE_OPTIONS]
                if url:
                    new[CONF_MONITORING_URL] = url
                if operator:
                    new[CONF_CREDENTIAL_LIFETIME] = int(user_input[CONF_LIFETIME_DAYS]) * DAY
                self.automatic_reload = new[CONF_REPLICAS] != replicas or url != monitoring
                return self.async_create_entry(data=new)
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_COMMAND_TIMEOUT, default=values[CONF_COMMAND_TIMEOUT]): TIMEOUT_SELECTOR,
            vol.Required(
                CONF_HEARTBEAT_TOLERANCE, default=values[CONF_HEARTBEAT_TOLERANCE]
            ): TOLERANCE_SELECTOR,
            vol.Required(CONF_REPLICAS, default=values[CONF_REPLICAS]): SelectSelector(
                SelectSelectorConfig(
                    options=REPLICAS_OPTIONS, translation_key=CONF_REPLICAS, mode=SelectSelectorMode.DROPDOWN
                )
            ),
        }
        if operator:
            fields[vol.Required(CONF_LIFETIME_DAYS, default=values[CONF_LIFETIME_DAYS])] = NumberSelector(
                NumberSelectorConfig(
                    min=1, max=365, step=1, unit_of_measurement="d", mode=NumberSelectorMode.BOX
                )
            )
        fields[
            vol.Optional(CONF_MONITORING_URL, description={"suggested_value": values[CONF_MONITORING_URL]})
        ] = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        return self.async_show_form(step_id="settings", data_schema=vol.Schema(fields), errors=errors)

    async def _async_check_monitoring(self, url: str) -> dict[str, str]:
        """Read the endpoint once: a typo or the client port (4222) is caught here, not in a log."""
        parsed = URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return {CONF_MONITORING_URL: "invalid_monitoring_url"}
        try:
            await async_fetch_stats(self.hass, url)
        except MonitoringError as err:
            return {CONF_MONITORING_URL: err.reason}
        return {}

    async def async_step_device_options(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which device gets its own command timeout or heartbeat tolerance."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED or not entry.runtime_data.hub.devices:
            return self.async_abort(reason="no_devices")
        if user_input is not None:
            self._device_id = user_input[CONF_DEVICE_ID]
            return await self.async_step_device_settings()
        devices = sorted(entry.runtime_data.hub.devices.values(), key=lambda device: device.name.casefold())
        choices = [
            SelectOptionDict(value=device.id, label=f"{device.name} ({device.id})") for device in devices
        ]
        return self.async_show_form(
            step_id="device_options",
            data_schema=vol.Schema(
                {vol.Required(CONF_DEVICE_ID): SelectSelector(SelectSelectorConfig(options=choices))}
            ),
        )

    async def async_step_device_settings(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the device's own values; an empty field follows the home's setting."""
        options = self.config_entry.options
        if user_input is not None:
            self.automatic_reload = False  # both apply to the next command and heartbeat
            return self.async_create_entry(data=with_device_options(options, self._device_id, user_input))
        own = options.get(CONF_DEVICE_OPTIONS, {}).get(self._device_id, {})
        selectors = {CONF_COMMAND_TIMEOUT: TIMEOUT_SELECTOR, CONF_HEARTBEAT_TOLERANCE: TOLERANCE_SELECTOR}
        return self.async_show_form(
            step_id="device_settings",
            data_schema=vol.Schema(
                {
                    vol.Optional(key, description={"suggested_value": own.get(key)}): selectors[key]
                    for key in DEVICE_KEYS
                }
            ),
            description_placeholders={
                "device": self.config_entry.runtime_data.hub.device_name(self._device_id),
                "timeout": f"{options.get(CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT):g}",
                "tolerance": f"{options.get(CONF_HEARTBEAT_TOLERANCE, AVAILABILITY_FACTOR):g}",
            },
        )

    async def async_step_add_device(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a device id and mint its credentials (a device that had some gets a new key)."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED or entry.runtime_data.credentials is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            device_id = user_input[CONF_DEVICE_ID].strip()
            try:
                self._provisioned = await entry.runtime_data.credentials.async_provision(device_id)
            except HomeAssistantError as err:
                errors = {"base": err.translation_key or "unknown"}
            else:
                return await self.async_step_device_credentials()
        return self.async_show_form(
            step_id="add_device",
            data_schema=vol.Schema({vol.Required(CONF_DEVICE_ID): TextSelector()}),
            errors=errors,
        )

    async def async_step_device_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the new credentials once; closing the form keeps the options as they were."""
        provisioned = self._provisioned
        assert provisioned is not None
        if user_input is not None:
            self.automatic_reload = False
            return self.async_create_entry(data=dict(self.config_entry.options))
        return self.async_show_form(
            step_id="device_credentials",
            data_schema=vol.Schema({}),
            description_placeholders={
                "device": provisioned.device_id,
                "expires": datetime.fromtimestamp(provisioned.record.expires, UTC).isoformat(),
                "secrets_yaml": provisioned.secrets_yaml,
                "creds": provisioned.credentials.creds_file(),
            },
        )
