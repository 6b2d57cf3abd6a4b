"""NATS notify entities: messages a device shows or speaks, confirmed by it."""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity, NotifyEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.notify import MAX_MESSAGE, MAX_TITLE, NotifyInfo, message as message_command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add notify entities as devices announce them."""
    async_setup_platform_entities(entry, "notify", async_add_entities, NatsNotify)


class NatsNotify(NatsEntity[NotifyInfo, None], NotifyEntity):
    """A notify entity; its state is when the device last confirmed a message."""

    def __init__(self, hub: NatsHub, device_id: str, description: NotifyInfo) -> None:
        """Offer a title if the device announced it shows one."""
        super().__init__(hub, device_id, description)
        if description.supports_title:
            self._attr_supported_features = NotifyEntityFeature.TITLE

    def apply_state(self, value: None) -> None:
        """Notify entities have no device state."""

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message, and the title if the device shows one, confirmed by the device.

        A title for a device without titles is left out, as Home Assistant's
        own notify entities do, and so is an empty one. A message or title longer than the protocol
        allows is refused here, saying so, rather than cut short or sent for
        the device to refuse.
        """
        if not self.description.supports_title or not title:
            title = None
        self._check_length("message", message, MAX_MESSAGE)
        if title is not None:
            self._check_length("title", title, MAX_TITLE)
        await self.async_command(message_command(message, title))

    def _check_length(self, field: str, text: str, limit: int) -> None:
        if not 1 <= len(text) <= limit:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="notify_length",
                translation_placeholders={
                    "device": self._hub.device_name(self.device_id),
                    "field": field,
                    "length": str(len(text)),
                    "max": str(limit),
                },
            )
