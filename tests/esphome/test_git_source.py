"""`external_components` straight from the repository, as a user writes it: a git source with `path:`.

The repository keeps the component in esphome_components/ (the product's
layout), which ESPHome's `github://` shorthand does not look in; the
documented form names the path. Here the repository is a local clone
reached through a file:// URL, so the test needs no network.
"""

from __future__ import annotations

from pathlib import Path
import subprocess

import pytest

from .conftest import ROOT
from .test_config import esphome

pytestmark = pytest.mark.timeout(600)

TAG = "v0.0.0-test"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this repository's last commit with a release-style tag."""
    target = tmp_path / "nats-home"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "tag", TAG], check=True)
    return target


def _yaml(tmp_path: Path, source: str) -> Path:
    yaml = tmp_path / "fromgit.yaml"
    yaml.write_text(
        "esphome:\n  name: fromgit\nhost:\nlogger:\n"
        f"external_components:\n  - source:\n{source}    components: [nats]\n"
        "nats:\n  host: 127.0.0.1\n"
    )
    return yaml


def test_the_documented_git_source_loads_the_component(
    esphome_bin: Path, clone: Path, tmp_path: Path
) -> None:
    source = f"      type: git\n      url: file://{clone}\n      ref: {TAG}\n      path: esphome_components\n"
    data_dir = tmp_path / "data"
    result = esphome(esphome_bin, "compile", "--only-generate", _yaml(tmp_path, source), data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "nats::NatsClient" in next(data_dir.glob("build/*/src/main.cpp")).read_text()


def test_without_path_esphome_says_where_it_looked(esphome_bin: Path, clone: Path, tmp_path: Path) -> None:
    """What a user sees with the github:// shorthand's default layout: the reason, not a crash."""
    source = f"      type: git\n      url: file://{clone}\n      ref: {TAG}\n"
    result = esphome(esphome_bin, "config", _yaml(tmp_path, source), data_dir=tmp_path / "data")
    assert result.returncode != 0
    assert "Could not find components folder" in result.stdout + result.stderr
