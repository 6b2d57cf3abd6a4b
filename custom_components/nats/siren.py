"""NATS sirens: on with a tone, volume and duration as announced, and off."""

from __future__ import annotations

from typing import Any

from homeassistant.components.siren import (
    ATTR_DURATION,
    ATTR_TONE,
    ATTR_VOLUME_LEVEL,
    SirenEntity,
    SirenEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.siren import SirenInfo, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add sirens as devices announce them."""
    async_setup_platform_entities(entry, "siren", async_add_entities, NatsSiren)


class NatsSiren(NatsEntity[SirenInfo, str | None], SirenEntity):
    """A siren whose commands the device confirms.

    Home Assistant drops a tone, volume or duration the entity's features
    lack and refuses a tone not among available_tones before any method runs.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: SirenInfo) -> None:
        """Describe the siren from its announced capabilities."""
        super().__init__(hub, device_id, description)
        features = SirenEntityFeature.TURN_ON | SirenEntityFeature.TURN_OFF
        if description.tones is not None:
            features |= SirenEntityFeature.TONES
            self._attr_available_tones = list(description.tones)
        if description.supports_volume:
            features |= SirenEntityFeature.VOLUME_SET
        if description.supports_duration:
            features |= SirenEntityFeature.DURATION
        self._attr_supported_features = features

    def apply_state(self, value: str | None) -> None:
        """Store ON/OFF (None: unknown)."""
        self._attr_is_on = None if value is None else value == "ON"

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Sound, confirmed by the device."""
        tone = kwargs.get(ATTR_TONE)
        await self.async_command(
            command(
                on=True,
                tone=None if tone is None else str(tone),
                volume=kwargs.get(ATTR_VOLUME_LEVEL),
                duration=kwargs.get(ATTR_DURATION),
            )
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop sounding, confirmed by the device."""
        await self.async_command(command(on=False))
