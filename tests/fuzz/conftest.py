"""Fixtures of the fuzz suite: the Home Assistant harness of tests/components/nats, plus a watch."""

from __future__ import annotations

from ..components.nats.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
)
from .harness import watch  # noqa: F401
