"""NATS updates: the installed and latest versions a device reports, and installing the latest."""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import UpdateDeviceClass, UpdateEntity, UpdateEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.update import UpdateInfo, UpdateState, install
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add update entities as devices announce them."""
    async_setup_platform_entities(entry, "update", async_add_entities, NatsUpdate)


class NatsUpdate(NatsEntity[UpdateInfo, UpdateState], UpdateEntity):
    """An update entity whose install command the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: UpdateInfo) -> None:
        """Describe the entity: whether it installs, and reports progress."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(UpdateDeviceClass, description, device_id)
        features = UpdateEntityFeature(0)
        if description.supports_install:
            features |= UpdateEntityFeature.INSTALL
        if description.supports_progress:
            features |= UpdateEntityFeature.PROGRESS
        self._attr_supported_features = features

    def apply_state(self, value: UpdateState) -> None:
        """Store the versions, the release details and the progress."""
        self._attr_installed_version = value.state
        self._attr_latest_version = value.latest_version
        self._attr_title = value.title
        self._attr_release_summary = value.release_summary
        self._attr_release_url = value.release_url
        self._attr_in_progress = value.in_progress
        self._attr_update_percentage = value.update_percentage

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Install the latest version; returns once the device has confirmed it started.

        Home Assistant offers a specific version only with the SPECIFIC_VERSION
        feature, which the protocol does not have, so version is always None.
        """
        await self.async_command(install())
