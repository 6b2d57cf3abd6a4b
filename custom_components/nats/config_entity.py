"""The base of every configuration entity: one declared setting of a device, kept in the home's bucket."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .device_config import CONFIG_KEY, config_unique_id
from .entity import NatsEntity
from .protocol.config_settings import ConfigSetting, ConfigValue
from .protocol.platform import EntityInfo

if TYPE_CHECKING:
    from .hub import NatsHub
    from .runtime import NatsConfigEntry


class NatsConfigEntity[T: ConfigSetting](NatsEntity[EntityInfo, ConfigValue | None]):
    """A setting of a device (entity category config): the bucket's value or the default, written with CAS.

    It joins its device's entities under (CONFIG_KEY, setting id), so it is
    written when the connection changes, and removed with the device.
    """

    def __init__(self, hub: NatsHub, device_id: str, setting: T) -> None:
        """Describe the entity from the declared setting."""
        super().__init__(
            hub,
            device_id,
            EntityInfo(platform=setting.type, id=setting.id, name=setting.name, category="config"),
        )
        self.setting = setting
        self.key = (CONFIG_KEY, setting.id)
        self._attr_unique_id = config_unique_id(hub.entry.entry_id, device_id, setting.id)

    @property
    def available(self) -> bool:
        """Available while Home Assistant is connected, whether or not the device is.

        The value is kept in the bucket, not in the device: a device that is
        offline or asleep reads it when it connects, so a user can set it
        up in advance (and sees the value that will apply).
        """
        return self._hub.connected and self._hub.device_config.available

    async def async_added_to_hass(self) -> None:
        """Start with the value the bucket holds now."""
        await super().async_added_to_hass()
        self.apply_state(self._hub.device_config.value(self.device_id, self.setting.id))

    async def async_write_setting(self, value: ConfigValue) -> None:
        """Write a new value; a conflict or failure raises a translated error and changes nothing."""
        await self._hub.device_config.async_set(self.device_id, self.setting.id, value)


def async_setup_config_entities[T: ConfigSetting](
    entry: NatsConfigEntry,
    platform: str,
    add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[NatsHub, str, T], NatsConfigEntity[Any]],
) -> None:
    """Create this platform's configuration entities whenever a device declares new settings."""
    hub = entry.runtime_data.hub

    @callback
    def _add(device_id: str, settings: list[T]) -> None:
        add_entities(factory(hub, device_id, setting) for setting in settings)

    entry.async_on_unload(async_dispatcher_connect(hub.hass, hub.device_config.signal_new(platform), _add))
