"""NATS texts: the text entities devices announce, and the text settings they declare."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entity import NatsConfigEntity, async_setup_config_entities
from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.config_settings import NAME, ConfigValue, TextSetting
from .protocol.platforms.text import TextInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add texts as devices announce them, and text settings as devices declare them."""
    async_setup_platform_entities(entry, "text", async_add_entities, NatsText)
    async_setup_config_entities(entry, "text", async_add_entities, NatsConfigText)


class NatsText(NatsEntity[TextInfo, str | None], TextEntity):
    """A text within the lengths and pattern the device announced.

    Home Assistant checks a new value against them before async_set_value
    runs; the device checks again and may refuse.
    """

    _attr_native_value: str | None = None

    def __init__(self, hub: NatsHub, device_id: str, description: TextInfo) -> None:
        """Describe the text's lengths, pattern and mode."""
        super().__init__(hub, device_id, description)
        self._attr_native_min = description.min_length
        self._attr_native_max = description.max_length
        self._attr_pattern = description.pattern
        self._attr_mode = TextMode(description.mode)

    def apply_state(self, value: str | None) -> None:
        """Store the text (the protocol module has checked it fits)."""
        self._attr_native_value = value

    async def async_set_value(self, value: str) -> None:
        """Set the text, confirmed by the device."""
        await self.async_command(set_value(value))


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
