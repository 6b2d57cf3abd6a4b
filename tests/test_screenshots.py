"""The README's screenshots: the images it shows exist and are real captures, and the script loads.

Capturing itself (Chromium against the running demo) is CI's `scripts/screenshots`
step in .ci/run, not a test: it needs the demo's own venv and Chromium.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import sys
import types

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "capture_screenshots.py"
README = ROOT / "README.md"
IMAGE = re.compile(r"!\[[^\]]*\]\((docs/images/[^)\s]+)\)")


@pytest.fixture(scope="module")
def capture() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("capture_screenshots", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_readme_shows_every_screenshot_the_script_takes(capture: types.ModuleType) -> None:
    shown = IMAGE.findall(README.read_text(encoding="utf-8"))
    assert sorted(shown) == sorted(f"docs/images/{name}" for name in capture.SHOT_FILES)


def test_committed_screenshots_are_real_captures(capture: types.ModuleType) -> None:
    for name in capture.SHOT_FILES:
        capture.check_png(ROOT / "docs" / "images" / name, 1280, 800)


def test_blank_or_wrong_size_image_is_refused(capture: types.ModuleType, tmp_path: Path) -> None:
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR"
    blank = tmp_path / "blank.png"
    blank.write_bytes(header + (1280).to_bytes(4) + (800).to_bytes(4) + bytes(100))
    with pytest.raises(capture.CaptureError, match="blank"):
        capture.check_png(blank, 1280, 800)
    with pytest.raises(capture.CaptureError, match="not 1024"):
        capture.check_png(blank, 1024, 768)
    with pytest.raises(capture.CaptureError, match="missing"):
        capture.check_png(tmp_path / "none.png", 1280, 800)


def test_chromium_stays_off_the_network(capture: types.ModuleType) -> None:
    """A closed network refuses Chromium's background calls; these flags keep it from making them."""
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in capture.CHROMIUM_FLAGS


def test_defaults_fit_the_demo(capture: types.ModuleType) -> None:
    """The device page captured is one the demo has, and the texts awaited are on it."""
    args = capture.build_parser().parse_args([])
    devices = json.loads((ROOT / "scripts" / "demo_devices.json").read_text(encoding="utf-8"))
    device = next(device for device in devices if device["device_id"] == args.device)
    names = {device["name"]} | {entity["name"] for entity in device["entities"]}
    assert set(args.device_expect) <= names
    assert (args.width, args.height, args.out) == (1280, 800, Path("docs/images"))
    assert "scripts/screenshots" in (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
