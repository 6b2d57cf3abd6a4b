"""NATS numbers."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entity import NatsConfigEntity, async_setup_config_entities
from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.config_settings import ConfigValue, NumberSetting
from .protocol.platforms.number import NumberInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add numbers as devices announce them, and number settings as devices declare them."""
    async_setup_platform_entities(entry, "number", async_add_entities, NatsNumber)
    async_setup_config_entities(entry, "number", async_add_entities, NatsConfigNumber)


class NatsNumber(NatsEntity[NumberInfo, float | int | None], NumberEntity):
    """A number in the range the device announced."""

    def __init__(self, hub: NatsHub, device_id: str, description: NumberInfo) -> None:
        """Describe the number."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(NumberDeviceClass, description, device_id)
        self._attr_native_min_value = description.min
        self._attr_native_max_value = description.max
        self._attr_native_step = description.step
        self._attr_native_unit_of_measurement = description.unit
        self._attr_mode = NumberMode(description.mode)

    def apply_state(self, value: float | None) -> None:
        """Store the value."""
        self._attr_native_value = value

    async def async_set_native_value(self, value: float) -> None:
        """Set the value, confirmed by the device."""
        await self.async_command(set_value(value))


class NatsConfigNumber(NatsConfigEntity[NumberSetting], NumberEntity):
    """A number setting, typed in a box: an exact value matters more than a slider here."""

    _attr_mode = NumberMode.BOX

    def __init__(self, hub: NatsHub, device_id: str, setting: NumberSetting) -> None:
        """Describe the setting's range."""
        super().__init__(hub, device_id, setting)
        self._attr_native_min_value = setting.min
        self._attr_native_max_value = setting.max
        if setting.step is not None:
            self._attr_native_step = setting.step
        self._attr_native_unit_of_measurement = setting.unit

    def apply_state(self, value: ConfigValue | None) -> None:
        """Store the value."""
        self._attr_native_value = value if isinstance(value, (int, float)) else None

    async def async_set_native_value(self, value: float) -> None:
        """Store the value in the bucket; the device picks it up."""
        await self.async_write_setting(value)
