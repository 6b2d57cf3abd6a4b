"""Packaging rules that hassfest and HACS enforce, checked without them."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path
import re
import tomllib

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "nats"
HACS_KEYS = {
    "name",
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "zip_release",
}


def test_manifest() -> None:
    """Domain first, name second, then sorted keys; pinned requirements match pyproject."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "nats"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_push"
    pyproject = (ROOT / "pyproject.toml").read_text()
    for requirement in manifest["requirements"]:
        assert re.fullmatch(r"[a-z0-9-]+==[0-9.]+", requirement)
        assert f'"{requirement}"' in pyproject, f"{requirement} differs from the tested version"


def test_one_version_everywhere() -> None:
    """The integration and the library are released together under one vMAJOR.MINOR.PATCH (docs/esphome.md)."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert pyproject["project"]["version"] == manifest["version"]


def test_hacs_manifest() -> None:
    """hacs.json has only the keys HACS allows."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == "NATS"


def test_translations_are_generated_from_strings() -> None:
    """translations/en.json is exactly what strings.json renders to."""
    path = ROOT / "scripts" / "gen-translations"
    loader = importlib.machinery.SourceFileLoader("gen_translations", str(path))
    spec = importlib.util.spec_from_loader("gen_translations", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    assert (INTEGRATION / "translations" / "en.json").read_text() == module.rendered_text()


def test_strings_have_no_urls() -> None:
    """Refuse URLs in strings.json, as hassfest does (they belong in placeholders)."""
    assert "://" not in (INTEGRATION / "strings.json").read_text()


def test_every_field_is_described() -> None:
    """Every form field has a data_description (quality scale)."""
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    steps = {
        **strings["config"]["step"],
        **{f"options_{k}": v for k, v in strings["options"]["step"].items()},
    }
    for name, step in steps.items():
        assert set(step.get("data", {})) == set(step.get("data_description", {})), name


def test_brand_icons() -> None:
    """The icon ships inside the integration at the sizes HA and HACS expect."""
    assert Image.open(INTEGRATION / "brand" / "icon.png").size == (256, 256)
    assert Image.open(INTEGRATION / "brand" / "icon@2x.png").size == (512, 512)
