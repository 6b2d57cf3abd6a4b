"""NATS media players: speakers that play URLs and announcements, with volume and power."""

from __future__ import annotations

from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    ATTR_MEDIA_ANNOUNCE,
    BrowseMedia,
    MediaPlayerDeviceClass,
    MediaPlayerEntity,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
    async_process_play_media_url,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.media_player import (
    MediaPlayerInfo,
    MediaPlayerState as NatsMediaPlayerState,
    action,
    play_media,
    set_volume,
)
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0

F = MediaPlayerEntityFeature
_STATES = {
    "playing": MediaPlayerState.PLAYING,
    "announcing": MediaPlayerState.PLAYING,  # Home Assistant has no announcing state
    "paused": MediaPlayerState.PAUSED,
    "idle": MediaPlayerState.IDLE,
    "on": MediaPlayerState.ON,
    "off": MediaPlayerState.OFF,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add media players as devices announce them."""
    async_setup_platform_entities(entry, "media_player", async_add_entities, NatsMediaPlayer)


def _features(description: MediaPlayerInfo) -> MediaPlayerEntityFeature:
    features = F.PLAY_MEDIA | F.BROWSE_MEDIA | F.STOP
    for announced, feature in (
        (description.supports_pause, F.PAUSE | F.PLAY),
        (description.supports_volume, F.VOLUME_SET | F.VOLUME_MUTE | F.VOLUME_STEP),
        (description.supports_announce, F.MEDIA_ANNOUNCE),
        (description.supports_turn_off, F.TURN_ON | F.TURN_OFF),
    ):
        if announced:
            features |= feature
    return features


class NatsMediaPlayer(NatsEntity[MediaPlayerInfo, NatsMediaPlayerState], MediaPlayerEntity):
    """A speaker whose commands the device confirms, as ESPHome's media players are."""

    def __init__(self, hub: NatsHub, device_id: str, description: MediaPlayerInfo) -> None:
        """Describe the player from its announced features."""
        super().__init__(hub, device_id, description)
        self._attr_supported_features = _features(description)
        self._attr_device_class = MediaPlayerDeviceClass.SPEAKER
        # The volume steps as the device's own volume_up and volume_down.
        self._attr_volume_step = 0.1

    def apply_state(self, value: NatsMediaPlayerState) -> None:
        """Store what the player is doing, its volume and mute."""
        self._attr_state = None if value.state is None else _STATES[value.state]
        self._attr_volume_level = value.volume
        self._attr_is_volume_muted = value.muted

    async def async_media_play(self) -> None:
        """Play (resume), confirmed by the device."""
        await self.async_command(action("play"))

    async def async_media_pause(self) -> None:
        """Pause, confirmed by the device."""
        await self.async_command(action("pause"))

    async def async_media_stop(self) -> None:
        """Stop, confirmed by the device."""
        await self.async_command(action("stop"))

    async def async_media_play_pause(self) -> None:
        """Toggle play and pause on the device itself, which knows its state best."""
        await self.async_command(action("toggle"))

    async def async_set_volume_level(self, volume: float) -> None:
        """Set the volume 0..1, confirmed by the device."""
        await self.async_command(set_volume(volume))

    async def async_volume_up(self) -> None:
        """Turn the volume up one of the device's steps."""
        await self.async_command(action("volume_up"))

    async def async_volume_down(self) -> None:
        """Turn the volume down one of the device's steps."""
        await self.async_command(action("volume_down"))

    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute, confirmed by the device."""
        await self.async_command(action("mute" if mute else "unmute"))

    async def async_turn_on(self) -> None:
        """Turn on, confirmed by the device."""
        await self.async_command(action("turn_on"))

    async def async_turn_off(self) -> None:
        """Turn off, confirmed by the device."""
        await self.async_command(action("turn_off"))

    async def async_play_media(self, media_type: MediaType | str, media_id: str, **kwargs: Any) -> None:
        """Play a URL or a media source (text to speech included), as an announcement when asked.

        As ESPHome's integration does: a media source is resolved to its URL,
        and a URL of Home Assistant's own is made absolute and signed, so the
        device can fetch it.
        """
        if media_source.is_media_source_id(media_id):
            media_id = (await media_source.async_resolve_media(self.hass, media_id, self.entity_id)).url
        url = async_process_play_media_url(self.hass, media_id)
        if not url.startswith(("http://", "https://")):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="media_url_not_http",
                translation_placeholders={"entity_id": self.entity_id, "url": url},
            )
        await self.async_command(play_media(url, announce=kwargs.get(ATTR_MEDIA_ANNOUNCE) is True))

    async def async_browse_media(
        self, media_content_type: MediaType | str | None = None, media_content_id: str | None = None
    ) -> BrowseMedia:
        """Browse Home Assistant's media sources for audio, as ESPHome's integration does."""
        return await media_source.async_browse_media(
            self.hass,
            media_content_id,
            content_filter=lambda item: item.media_content_type.startswith("audio/"),
        )
