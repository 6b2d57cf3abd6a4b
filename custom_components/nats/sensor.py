"""NATS sensors: numeric (with unit or state class) and text."""

from __future__ import annotations

from datetime import date, datetime
import logging

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .health_entities import async_setup_health_sensors
from .hub import NatsHub
from .protocol.platforms.sensor import SensorInfo, is_numeric_sensor, parse_date, parse_epoch, parse_timestamp
from .runtime import NatsConfigEntry

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0

TEXT_DEVICE_CLASSES = (SensorDeviceClass.TIMESTAMP, SensorDeviceClass.DATE)


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add sensors as devices announce them, and the server's health sensors."""
    async_setup_platform_entities(entry, "sensor", async_add_entities, NatsSensor)
    async_setup_health_sensors(entry, async_add_entities)


def _compatible(device_class: SensorDeviceClass, description: SensorInfo, numeric: bool) -> bool:
    """Return whether Home Assistant accepts the device class for this sensor.

    It refuses text in a numeric device class, a unit or state class on a
    timestamp or date, and an enum without options (announced since 1.3).
    """
    if device_class is SensorDeviceClass.ENUM:
        return not numeric and bool(description.options)
    if not numeric:
        return device_class in TEXT_DEVICE_CLASSES
    if device_class is SensorDeviceClass.DATE:
        return False
    if device_class is SensorDeviceClass.TIMESTAMP:
        return description.unit is None and description.state_class is None
    return True


class NatsSensor(NatsEntity[SensorInfo, str | int | float | None], SensorEntity):
    """A sensor; its state was validated against its announcement."""

    def __init__(self, hub: NatsHub, device_id: str, description: SensorInfo) -> None:
        """Describe the sensor."""
        super().__init__(hub, device_id, description)
        device_class = device_class_of(SensorDeviceClass, description, device_id)
        self._numeric = is_numeric_sensor(description)
        if device_class is not None and not _compatible(device_class, description, self._numeric):
            _LOGGER.warning(
                "Device %s: %s sensor %s cannot use device class %r%s; shown without it",
                device_id,
                "numeric" if self._numeric else "text",
                description.id,
                description.device_class,
                " without options" if device_class is SensorDeviceClass.ENUM and not self._numeric else "",
            )
            device_class = None
        self._attr_device_class = device_class
        if device_class is SensorDeviceClass.ENUM:
            self._attr_options = list(description.options)
        if self._numeric:
            self._attr_native_unit_of_measurement = description.unit
            if description.state_class is not None:
                self._attr_state_class = SensorStateClass(description.state_class)
            self._attr_suggested_display_precision = description.precision

    def apply_state(self, value: str | float | None) -> None:
        """Store a number or text; timestamps and dates arrive as ISO 8601 text."""
        self._attr_native_value = self._convert(value)

    def _convert(self, value: str | float | None) -> str | int | float | datetime | date | None:
        """Convert a state the protocol layer validated against this sensor's device class."""
        if isinstance(value, (int, float)) and self.device_class is SensorDeviceClass.TIMESTAMP:
            return parse_epoch(value)
        if value is None or isinstance(value, (int, float)):
            return value
        if self.device_class is SensorDeviceClass.TIMESTAMP:
            return parse_timestamp(value)
        if self.device_class is SensorDeviceClass.DATE:
            return parse_date(value)
        return value
