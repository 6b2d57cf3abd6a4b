"""Typed entity descriptions for tests that need one without an announcement."""

from __future__ import annotations

from typing import Any

from custom_components.nats.protocol.platform import EntityInfo
from custom_components.nats.protocol.platforms import PLATFORMS


def entity_info(platform: str, **fields: Any) -> EntityInfo:
    """Return the description class of a platform filled with fields."""
    info: EntityInfo = PLATFORMS[platform].info_type(platform=platform, **fields)
    return info
