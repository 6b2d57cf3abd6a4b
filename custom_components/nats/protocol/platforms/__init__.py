"""The platform registry: every module in this package is one platform of the protocol.

Adding a platform is adding a module here that defines PLATFORM (see
docs/python-device.md); subject validation, announcement schemas, state,
event and command validation and the device library all follow from it.
"""

from __future__ import annotations

from collections.abc import Mapping
import importlib
import pkgutil
from types import MappingProxyType
from typing import Any, Final

from ..platform import Platform


def _discover() -> dict[str, Platform[Any, Any]]:
    platforms: dict[str, Platform[Any, Any]] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        platform = importlib.import_module(f"{__name__}.{module_info.name}").PLATFORM
        if not isinstance(platform, Platform) or platform.name != module_info.name:
            msg = f"{module_info.name}.PLATFORM must be the Platform named {module_info.name!r}"
            raise TypeError(msg)
        platforms[platform.name] = platform
    return platforms


PLATFORMS: Final[Mapping[str, Platform[Any, Any]]] = MappingProxyType(_discover())
