"""The nats: block's log: option through ESPHome itself: off by default, checked, generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_config import BASE, COMPONENTS, check_config, esphome

pytestmark = pytest.mark.timeout(600)

LOGGER = "logger:\n  level: {level}\n"


def nats_with_log(log: str, logger_level: str | None = "DEBUG") -> str:
    """A nats: block with log: options, then (top level) a logger: block unless None."""
    text = "  host: 10.0.0.1\n  log:\n" + "".join(f"    {line}\n" for line in log.splitlines())
    return text + (LOGGER.format(level=logger_level) if logger_level else "")


def test_log_is_generated_only_when_given(esphome_bin: Path, tmp_path: Path) -> None:
    yaml = tmp_path / "device.yaml"
    data_dir = tmp_path / "data"
    yaml.write_text(BASE.format(name="node", components=COMPONENTS, nats="  host: 10.0.0.1\nlogger:\n"))
    result = esphome(esphome_bin, "compile", "--only-generate", yaml, data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NatsLog" not in next(data_dir.glob("build/*/src/main.cpp")).read_text()

    nats = nats_with_log("level: INFO\nrate: 30/min")
    yaml.write_text(BASE.format(name="node", components=COMPONENTS, nats=nats))
    result = esphome(esphome_bin, "compile", "--only-generate", yaml, data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    code = next(data_dir.glob("build/*/src/main.cpp")).read_text()
    assert "nats::NatsLog(nats_natsclient_id)" in code
    assert "set_level(ESPHOME_LOG_LEVEL_INFO)" in code
    assert "set_rate(30, 60000)" in code
    defines = next(data_dir.glob("build/*/src/esphome/core/defines.h")).read_text()
    assert "#define USE_NATS_LOG" in defines


def test_log_defaults_to_warnings_at_five_a_second(esphome_bin: Path, tmp_path: Path) -> None:
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1\n  log: {}\nlogger:\n")
    assert out.startswith("OK"), out[-3000:]
    assert "level: WARN" in out
    assert "lines: 5" in out


@pytest.mark.parametrize(
    ("nats", "message"),
    [
        (nats_with_log("level: LOUD"), "log level 'LOUD' is not one of NONE, ERROR, WARN, INFO, DEBUG"),
        (nats_with_log("rate: 10 per second"), "must be a number of lines per second or minute, like 10/s"),
        (nats_with_log("rate: 500/s"), "is too high: at most 50 lines per second"),
        (nats_with_log("rate: 0/s"), "rate must allow at least one line"),
        (nats_with_log("level: DEBUG", logger_level="INFO"), "more verbose than the logger's level INFO"),
        (nats_with_log("level: WARN", logger_level=None), "add a logger: block"),
    ],
    ids=["level", "rate-format", "rate-too-high", "rate-zero", "above-logger", "no-logger"],
)
def test_invalid_log_options_are_refused_with_a_reason(
    esphome_bin: Path, tmp_path: Path, nats: str, message: str
) -> None:
    out = check_config(esphome_bin, tmp_path, nats)
    assert not out.startswith("OK"), out[-3000:]
    assert message in out, out[-3000:]
