"""NATS images: Home Assistant fetches the picture from the address the device publishes."""

from __future__ import annotations

from homeassistant.components.image import ImageEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.image import ImageInfo, ImageState
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add image entities as devices announce them."""
    async_setup_platform_entities(entry, "image", async_add_entities, NatsImage)


class NatsImage(NatsEntity[ImageInfo, ImageState], ImageEntity):
    """An image whose URL the device publishes as its state (as MQTT's image platform's url_topic).

    Every state with a URL is a new picture, even at the same URL (a
    snapshot that changes in place): Home Assistant fetches it again when
    it is next shown. Certificates are not verified, as for MQTT images,
    since devices serve HTTPS with self-signed ones; the URL itself comes
    only from the device's own subjects.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: ImageInfo) -> None:
        """Describe the image; it has none until the device publishes a URL."""
        super().__init__(hub, device_id, description)
        ImageEntity.__init__(self, hub.hass)
        self._attr_image_url = None

    def apply_state(self, value: ImageState) -> None:
        """Take the new URL (None: no picture) and forget the picture fetched before."""
        self._attr_image_url = value.state
        self._cached_image = None
        self._attr_image_last_updated = None if value.state is None else dt_util.utcnow()
