"""Options: command timeout, streams' replicas and, in operator mode, device credentials.

In operator mode the options start with a menu: the settings, or adding a
device's credentials, which are shown once to be copied into its firmware
(ESPHome secrets) or a .creds file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import probatio as vol

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .const import (
    CONF_COMMAND_TIMEOUT,
    CONF_CREDENTIAL_LIFETIME,
    CONF_REPLICAS,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_REPLICAS,
)
from .device_credentials import Provisioned
from .operator_auth import credential_lifetime, is_operator_mode

REPLICAS_OPTIONS: Final = ["1", "3", "5"]
"""Replicas of the home's JetStream streams: 1 on a single server, 3 or 5 on a cluster."""
DAY: Final = 24 * 3600
CONF_LIFETIME_DAYS: Final = "credential_lifetime_days"
"""The lifetime as the form shows it; the option keeps seconds."""
CONF_DEVICE_ID: Final = "device_id"


class NatsOptionsFlow(OptionsFlowWithReload):
    """Options of one home."""

    def __init__(self) -> None:
        """Start with no device provisioned."""
        self._provisioned: Provisioned | None = None

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the settings and, in operator mode, adding a device's credentials."""
        if is_operator_mode(self.config_entry.data):
            return self.async_show_menu(step_id="init", menu_options=["settings", "add_device"])
        return await self.async_step_settings(user_input)

    async def async_step_settings(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the command timeout, the streams' replicas and (operator mode) the credentials' lifetime.

        The timeout and lifetime apply to the next command and renewal; new
        replicas reload the entry, whose set-up changes the streams.
        """
        operator = is_operator_mode(self.config_entry.data)
        options = self.config_entry.options
        replicas = int(options.get(CONF_REPLICAS, DEFAULT_REPLICAS))
        if user_input is not None:
            new = {
                CONF_COMMAND_TIMEOUT: user_input[CONF_COMMAND_TIMEOUT],
                CONF_REPLICAS: int(user_input[CONF_REPLICAS]),
            }
            if operator:
                new[CONF_CREDENTIAL_LIFETIME] = int(user_input[CONF_LIFETIME_DAYS]) * DAY
            self.automatic_reload = new[CONF_REPLICAS] != replicas
            return self.async_create_entry(data=new)
        timeout = options.get(CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT)
        fields: dict[vol.Required, Any] = {
            vol.Required(CONF_COMMAND_TIMEOUT, default=timeout): NumberSelector(
                NumberSelectorConfig(
                    min=0.5, max=30, step=0.5, unit_of_measurement="s", mode=NumberSelectorMode.BOX
                )
            ),
            vol.Required(CONF_REPLICAS, default=str(replicas)): SelectSelector(
                SelectSelectorConfig(
                    options=REPLICAS_OPTIONS, translation_key=CONF_REPLICAS, mode=SelectSelectorMode.DROPDOWN
                )
            ),
        }
        if operator:
            days = max(1, round(credential_lifetime(options) / DAY))
            fields[vol.Required(CONF_LIFETIME_DAYS, default=days)] = NumberSelector(
                NumberSelectorConfig(
                    min=1, max=365, step=1, unit_of_measurement="d", mode=NumberSelectorMode.BOX
                )
            )
        return self.async_show_form(step_id="settings", data_schema=vol.Schema(fields))

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
