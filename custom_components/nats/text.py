"""NATS texts: for now the text settings devices declare (configuration entities)."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entity import NatsConfigEntity, async_setup_config_entities
from .hub import NatsHub
from .protocol.config_settings import NAME, ConfigValue, TextSetting
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add text settings as devices declare them."""
    async_setup_config_entities(entry, "text", async_add_entities, NatsConfigText)


class NatsConfigText(NatsConfigEntity[TextSetting], TextEntity):
    """A text setting of at most its declared length."""

    _attr_mode = TextMode.TEXT

    def __init__(self, hub: NatsHub, device_id: str, setting: TextSetting) -> None:
        """Describe the setting's length."""
        super().__init__(hub, device_id, setting)
        self._attr_native_max = setting.max_length
        self._attr_native_min = 1 if setting.id == NAME else 0  # a device needs a name

    def apply_state(self, value: ConfigValue | None) -> None:
        """Store the text."""
        self._attr_native_value = value if isinstance(value, str) else None

    async def async_set_value(self, value: str) -> None:
        """Store the text in the bucket; the device picks it up."""
        await self.async_write_setting(value)
