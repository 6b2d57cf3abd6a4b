"""The device library's tests run without Home Assistant (tests/test_library_package.py).

Only the fixtures of tests/nats_fixtures.py are used here: the suite's own
conftest imports Home Assistant, which the library's environment lacks.
"""

from __future__ import annotations

from ..nats_fixtures import device_factory, nats_server

__all__ = ["device_factory", "nats_server"]
