"""The platform registry: every platform of the protocol, by name.

Adding a platform is one module here (see docs/python-device.md and
docs/protocol.md) and one entry below; subject validation, announcement
schemas, state and command validation and the device library follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from ..platform import Platform
from . import binary_sensor, button, light, number, select, sensor, switch

PLATFORMS: Final[Mapping[str, Platform[Any, Any]]] = MappingProxyType(
    {
        module.PLATFORM.name: module.PLATFORM
        for module in (binary_sensor, button, light, number, select, sensor, switch)
    }
)
