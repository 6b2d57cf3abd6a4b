"""Import the protocol package without running the integration's __init__ (no Home Assistant)."""

from __future__ import annotations

from pathlib import Path
import sys
import types

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
for _name, _path in (
    ("custom_components", REPO / "custom_components"),
    ("custom_components.nats", REPO / "custom_components" / "nats"),
):
    if _name not in sys.modules:
        _module = types.ModuleType(_name)
        _module.__path__ = [str(_path)]
        sys.modules[_name] = _module
