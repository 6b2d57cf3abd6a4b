"""NATS switches."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchDeviceClass, SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entity import NatsConfigEntity, async_setup_config_entities
from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.config_settings import ConfigValue, SwitchSetting
from .protocol.platforms.switch import SwitchInfo, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add switches as devices announce them, and switch settings as devices declare them."""
    async_setup_platform_entities(entry, "switch", async_add_entities, NatsSwitch)
    async_setup_config_entities(entry, "switch", async_add_entities, NatsConfigSwitch)


class NatsSwitch(NatsEntity[SwitchInfo, str | None], SwitchEntity):
    """A switch whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: SwitchInfo) -> None:
        """Describe the switch."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(SwitchDeviceClass, description, device_id)

    def apply_state(self, value: str | None) -> None:
        """Store ON/OFF/unknown."""
        self._attr_is_on = None if value is None else value == "ON"

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on, confirmed by the device."""
        await self.async_command(command(on=True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off, confirmed by the device."""
        await self.async_command(command(on=False))


class NatsConfigSwitch(NatsConfigEntity[SwitchSetting], SwitchEntity):
    """A switch setting."""

    def apply_state(self, value: ConfigValue | None) -> None:
        """Store on/off/unknown."""
        self._attr_is_on = value if isinstance(value, bool) else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Store true in the bucket; the device picks it up."""
        await self.async_write_setting(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Store false in the bucket; the device picks it up."""
        await self.async_write_setting(False)
