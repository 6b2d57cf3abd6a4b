"""NATS scenes: activated on the device, shown activated once it confirms."""

from __future__ import annotations

from typing import Any

from homeassistant.components.scene import BaseScene
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .protocol.platforms.scene import SceneInfo, activate
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add scenes as devices announce them."""
    async_setup_platform_entities(entry, "scene", async_add_entities, NatsScene)


class NatsScene(NatsEntity[SceneInfo, None], BaseScene):
    """A scene the device sets; its state is when it was last activated.

    BaseScene rather than Scene: Scene records the activation before the
    device has answered, so a refused or unanswered activation would still
    show as done.
    """

    def apply_state(self, value: None) -> None:
        """Scenes have no device state."""

    async def _async_activate(self, **kwargs: Any) -> None:
        """Activate on the device; record the activation once it confirms.

        A transition has no meaning in the protocol (the device's scene
        decides how it gets there) and is not sent.
        """
        await self.async_command(activate())
        self._async_record_activation()
        self.async_write_ha_state()
