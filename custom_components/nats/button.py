"""NATS buttons."""

from __future__ import annotations

from homeassistant.components.button import ButtonDeviceClass, ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .credential_buttons import async_setup_credential_buttons
from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.button import ButtonInfo, press
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add buttons as devices announce them, and the credential buttons of provisioned devices."""
    async_setup_platform_entities(entry, "button", async_add_entities, NatsButton)
    async_setup_credential_buttons(entry, async_add_entities)


class NatsButton(NatsEntity[ButtonInfo, None], ButtonEntity):
    """A button; a press succeeds only when the device confirms it."""

    def __init__(self, hub: NatsHub, device_id: str, description: ButtonInfo) -> None:
        """Describe the button."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(ButtonDeviceClass, description, device_id)

    def apply_state(self, value: None) -> None:
        """Buttons have no device state."""

    async def async_press(self) -> None:
        """Press, confirmed by the device."""
        await self.async_command(press())
