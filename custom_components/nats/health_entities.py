"""Diagnostic entities of the "NATS server" device: what server_health.py polls.

They are Home Assistant's own entities (named by translation key), on a
device of their own per entry. Message rates change every poll and fill the
recorder, so they start disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfInformation
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .identity import SERVER_DEVICE, server_identifier, unique_id
from .runtime import NatsConfigEntry
from .server_health import ServerHealthCoordinator
from .server_stats import ServerStats

MESSAGES_PER_SECOND = "msg/s"


@dataclass(frozen=True, kw_only=True)
class HealthSensorDescription(SensorEntityDescription):
    """A sensor of the server's health and how to read it from a sample."""

    value: Callable[[ServerStats], StateType]


@dataclass(frozen=True, kw_only=True)
class HealthBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of the server's health; `applies` says whether this server has it at all."""

    value: Callable[[ServerStats], bool | None]
    applies: Callable[[ServerStats], bool] = lambda _: True


SENSORS: tuple[HealthSensorDescription, ...] = (
    HealthSensorDescription(
        key="connections",
        translation_key="connections",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda s: s.connections,
    ),
    HealthSensorDescription(
        key="messages_in_rate",
        translation_key="messages_in_rate",
        native_unit_of_measurement=MESSAGES_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value=lambda s: s.in_msgs_rate,
    ),
    HealthSensorDescription(
        key="messages_out_rate",
        translation_key="messages_out_rate",
        native_unit_of_measurement=MESSAGES_PER_SECOND,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value=lambda s: s.out_msgs_rate,
    ),
    HealthSensorDescription(
        key="slow_consumers",
        translation_key="slow_consumers",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value=lambda s: s.slow_consumers,
    ),
    HealthSensorDescription(
        key="jetstream_storage",
        translation_key="jetstream_storage",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.MEBIBYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda s: s.jetstream_storage,
    ),
)

BINARY_SENSORS: tuple[HealthBinarySensorDescription, ...] = (
    HealthBinarySensorDescription(
        key="jetstream",
        translation_key="jetstream",
        device_class=BinarySensorDeviceClass.RUNNING,
        value=lambda s: s.jetstream_enabled,
    ),
    HealthBinarySensorDescription(
        key="leaf_link",
        translation_key="leaf_link",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value=lambda s: s.leaf_up,
        applies=lambda s: s.leaf_remotes > 0,
    ),
)


def _device_name(stats: ServerStats | None) -> tuple[str, dict[str, str]]:
    """Return the translation key and placeholders of the device's name.

    Named after the server's server_name; a server without one reports its id instead.
    """
    if stats is None or stats.server_name == stats.server_id:
        return "server", {}
    return "named_server", {"server_name": stats.server_name}


class HealthEntity(CoordinatorEntity[ServerHealthCoordinator]):
    """An entity of the "NATS server" device."""

    _attr_has_entity_name = True
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: ServerHealthCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the server's device, described by the last sample if there is one."""
        super().__init__(coordinator)
        self.entity_description = description
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = unique_id(entry_id, SERVER_DEVICE, "health", description.key)
        stats: ServerStats | None = coordinator.data  # None until a poll succeeds
        name_key, name_placeholders = _device_name(stats)
        self._attr_device_info = DeviceInfo(
            identifiers={server_identifier(entry_id)},
            translation_key=name_key,
            translation_placeholders=name_placeholders,
            manufacturer="NATS",
            model="nats-server",
            sw_version=stats.version if stats is not None else None,
            configuration_url=coordinator.url,
        )


class HealthSensor(HealthEntity, SensorEntity):
    """A number from the server's last sample."""

    entity_description: HealthSensorDescription

    @property
    def native_value(self) -> StateType:
        """Return the value of the last sample."""
        data: ServerStats | None = self.coordinator.data
        return self.entity_description.value(data) if data is not None else None


class HealthBinarySensor(HealthEntity, BinarySensorEntity):
    """An on/off from the server's last sample."""

    entity_description: HealthBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the value of the last sample."""
        data: ServerStats | None = self.coordinator.data
        return self.entity_description.value(data) if data is not None else None


@callback
def async_setup_health_sensors(entry: NatsConfigEntry, add_entities: AddConfigEntryEntitiesCallback) -> None:
    """Add the server's sensors when its monitoring endpoint is configured."""
    if (coordinator := entry.runtime_data.health) is not None:
        add_entities(HealthSensor(coordinator, description) for description in SENSORS)


@callback
def async_setup_health_binary_sensors(
    entry: NatsConfigEntry, add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the server's binary sensors; the leaf link's once a sample shows the server has one."""
    if (coordinator := entry.runtime_data.health) is None:
        return
    added: set[str] = set()

    @callback
    def _add_applicable() -> None:
        stats: ServerStats | None = coordinator.data  # None until a poll succeeds
        if stats is None:
            return
        new = [d for d in BINARY_SENSORS if d.key not in added and d.applies(stats)]
        added.update(d.key for d in new)
        if new:
            add_entities(HealthBinarySensor(coordinator, description) for description in new)

    _add_applicable()
    entry.async_on_unload(coordinator.async_add_listener(_add_applicable))
