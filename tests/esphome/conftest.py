"""Fixtures for the ESPHome component: the pinned ESPHome, the host firmware.

Every tool comes from scripts/setup-esphome (idempotent). A missing tool is a
test failure naming the fix, never a skip.

    host_firmware_binary   the examples/esphome/host.yaml executable, built once
                           per session (ESPHome caches in .esphome-build/)
    host_firmware          factory: start(server_url, device_id=..., prefix=...)
                           -> HostFirmware, stopped at teardown
    many_firmware_binary   the 150-entity firmware of many_entities.py
    stand_in_firmware_binary  tests/esphome/stand_ins.yaml: update and media
                           player stand-ins the host platform lacks
    start_firmware         the same for any executable: start(binary, server_url, ...)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import os
from pathlib import Path
import signal
import subprocess
import time

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BUILD_DIR = Path(os.environ.get("NATS_ESPHOME_BUILD_DIR", ROOT / ".esphome-build"))
EXAMPLES = ROOT / "examples" / "esphome"
HOST_YAML = EXAMPLES / "host.yaml"
# The node name of examples/esphome/host.yaml, which is its default device id.
HOST_DEVICE_ID = "nats-host-demo"
# (platform, entity id) of everything examples/esphome/host.yaml announces.
HOST_ENTITIES = {
    ("sensor", "button_presses"),
    ("sensor", "temperature"),
    ("sensor", "operating_mode"),
    ("binary_sensor", "relay_feedback"),
    ("switch", "relay"),
    ("light", "lamp"),
    ("light", "desk"),
    ("light", "porch"),
    ("button", "ring"),
    ("number", "setpoint"),
    ("select", "mode"),
    ("cover", "blind"),
    ("valve", "garden_valve"),
    ("lock", "front_door"),
    ("climate", "thermostat"),
    ("climate", "heat_pump"),
    ("fan", "ceiling_fan"),
    ("event", "doorbell"),
    ("event", "remote"),
    ("alarm_control_panel", "house_alarm"),
    ("text", "greeting"),
    ("text", "door_code"),
    ("date", "holiday"),
    ("time", "wake_up"),
    ("datetime", "departure"),
    ("water_heater", "boiler"),
}
# (CONFIG_KEY, setting id) of the settings it declares (its configuration store),
# which Home Assistant makes configuration entities of when the server has JetStream.
HOST_SETTINGS = {("config", "heartbeat_interval"), ("config", "name")}


def run_tool(args: list[str | Path], timeout: float, **kwargs: object) -> str:
    """Run a setup/build step; fail the test with its output when it fails."""
    try:
        result = subprocess.run(
            [str(a) for a in args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,  # type: ignore[arg-type]
        )
    except FileNotFoundError as err:
        pytest.fail(f"{args[0]} not found: {err}")
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(map(str, args))} did not finish in {timeout} s")
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


@pytest.fixture(scope="session")
def esphome_bin() -> Path:
    """The pinned ESPHome, installed by scripts/setup-esphome if missing."""
    return Path(run_tool([SCRIPTS / "setup-esphome"], timeout=600).strip().splitlines()[-1])


@pytest.fixture(scope="session")
def host_firmware_binary(esphome_bin: Path) -> Path:
    """examples/esphome/host.yaml as a Linux executable."""
    out = run_tool([SCRIPTS / "build-host-firmware", HOST_YAML], timeout=600)
    return Path(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def many_firmware_binary(esphome_bin: Path) -> Path:
    """tests/esphome/many_entities.py's firmware: 150 entities, a 1 KiB send buffer."""
    from .many_entities import write_yaml  # many_entities imports this module

    out = run_tool([SCRIPTS / "build-host-firmware", write_yaml()], timeout=900)
    return Path(out.strip().splitlines()[-1])


# The device id of tests/esphome/stand_ins.yaml.
STAND_IN_DEVICE_ID = "nats-stand-ins"


@pytest.fixture(scope="session")
def stand_in_firmware_binary(esphome_bin: Path) -> Path:
    """tests/esphome/stand_ins.yaml as a Linux executable (test-only update and media player platforms)."""
    out = run_tool([SCRIPTS / "build-host-firmware", Path(__file__).parent / "stand_ins.yaml"], timeout=900)
    return Path(out.strip().splitlines()[-1])


@dataclass
class HostFirmware:
    """A running host firmware: a NATS Home device in a Linux process."""

    process: subprocess.Popen[bytes]
    device_id: str
    prefix: str
    server_url: str
    log_path: Path
    _log: object = field(repr=False, default=None)

    def subject(self, *tokens: str) -> str:
        """Return a subject of this device: its tokens after P.devices.<id>."""
        return ".".join([self.prefix, "devices", self.device_id, *tokens])

    @property
    def announce_subject(self) -> str:
        """Where this device announces itself."""
        return f"{self.prefix}.discovery.announce.{self.device_id}"

    @property
    def status_subject(self) -> str:
        """Where this device sends heartbeats."""
        return f"{self.prefix}.devices.{self.device_id}.status"

    def log(self) -> str:
        """Everything the firmware logged so far."""
        return self.log_path.read_text(errors="replace")

    async def wait_log(self, text: str, *, count: int = 1, timeout: float = 20) -> str:
        """Return the log once `text` is in it `count` times; fail the test with the log's end if not.

        A firmware that exited logs nothing more: the wait ends there.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if log.count(text) >= count:
                return log
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        pytest.fail(f"{text!r} not {count} time(s) in the firmware log:\n{self.log()[-4000:]}")

    def stop(self, timeout: float = 5) -> int:
        """Clean shutdown (SIGINT): the firmware says goodbye with online:false."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """Crash: SIGKILL, no goodbye."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


type HostFirmwareFactory = Callable[..., HostFirmware]


@pytest.fixture
def start_firmware(tmp_path: Path) -> Iterator[Callable[..., HostFirmware]]:
    """Start host firmware executables against a server; all are stopped at teardown."""
    started: list[HostFirmware] = []

    def _start(
        binary: Path,
        server_url: str,
        device_id: str = HOST_DEVICE_ID,
        prefix: str = "home",
        env: dict[str, str] | None = None,
    ) -> HostFirmware:
        server = server_url.removeprefix("nats://")
        log_path = tmp_path / f"firmware-{device_id}-{len(started)}.log"
        log = log_path.open("wb")
        env = {
            **os.environ,
            "NATS_SERVER": server,
            "NATS_DEVICE_ID": device_id,
            "NATS_PREFIX": prefix,
            # The host platform keeps preferences under HOME; one per test.
            "HOME": str(tmp_path),
            # host.yaml publishes its warnings (nats: log:); only the tests about it want them.
            "NATS_LOG_LEVEL": "NONE",
            **(env or {}),
        }
        process = subprocess.Popen(
            [str(binary)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        firmware = HostFirmware(process, device_id, prefix, server_url, log_path, log)
        started.append(firmware)
        return firmware

    yield _start
    for firmware in started:
        firmware.kill()
        firmware._log.close()  # type: ignore[attr-defined]


@pytest.fixture
def host_firmware(
    host_firmware_binary: Path, start_firmware: Callable[..., HostFirmware]
) -> HostFirmwareFactory:
    """Start examples/esphome/host.yaml firmwares: start(server_url, device_id=..., prefix=..., env=...)."""

    def _start(
        server_url: str,
        device_id: str = HOST_DEVICE_ID,
        prefix: str = "home",
        env: dict[str, str] | None = None,
    ) -> HostFirmware:
        return start_firmware(host_firmware_binary, server_url, device_id=device_id, prefix=prefix, env=env)

    return _start
