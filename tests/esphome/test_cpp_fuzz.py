"""libFuzzer over the firmware's untrusted inputs: server bytes and command payloads.

Built with clang and AddressSanitizer/UBSan (Debian's clang-14, installed by
scripts/setup-esphome). CI fuzzes for a bounded time; NATS_HOME_LONG=1 runs
longer. The corpus starts from the shared vectors and recorded frames.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess

import pytest

from . import cpp_vectors
from .conftest import BUILD_DIR, ROOT, run_tool

pytestmark = pytest.mark.timeout(900)

COMPONENT = ROOT / "esphome_components" / "nats"
VECTORS = ROOT / "tests" / "vectors"
TARGET = Path(__file__).parent / "fuzz" / "fuzz_nats.cpp"
SECONDS = 300 if os.environ.get("NATS_HOME_LONG") else 20
# The platforms with a command type, in the order fuzz_nats.cpp numbers them
# (COMMAND_READERS). A platform's vectors file seeds its commands.
COMMAND_PLATFORMS = [
    "switch",
    "light",
    "button",
    "number",
    "select",
    "cover",
    "valve",
    "lock",
    "climate",
    "fan",
    "alarm_control_panel",
    "update",
    "text",
    "date",
    "time",
    "datetime",
    "water_heater",
    "media_player",
]


def _seed_corpus(directory: Path) -> int:
    """Write one file per seed; the first byte selects the fuzz target (see fuzz_nats.cpp)."""
    directory.mkdir(parents=True, exist_ok=True)
    seeds: list[bytes] = []
    frames = json.loads((VECTORS / "nats_frames" / "frames.json").read_text())
    for case in frames["valid"] + frames["invalid"]:
        raw = case["raw"].encode()
        seeds += [bytes([0]) + raw, bytes([3 * 7]) + raw]  # chunks of 1 and 8 bytes
    commands = json.loads((VECTORS / "command.json").read_text())
    for case in commands["valid"] + commands["invalid"]:
        platform = COMMAND_PLATFORMS.index(case["platform"]) if case["platform"] in COMMAND_PLATFORMS else 0
        seeds.append(bytes([1 + 3 * platform]) + case["raw"].encode())
    for platform, vectors in cpp_vectors.platform_vectors().items():
        if platform not in COMMAND_PLATFORMS:
            continue
        selector = bytes([1 + 3 * COMMAND_PLATFORMS.index(platform)])
        commands = vectors["commands"]
        seeds.extend(
            selector + json.dumps(case["payload"]).encode()
            for case in commands["valid"] + commands["invalid"]
        )
    # Stamped commands and controller messages (command expiry).
    expiry = json.loads((VECTORS / "expiry.json").read_text())
    for scenario in expiry["scenarios"]:
        for step in scenario["steps"]:
            stamp = {"clock": step["clock"], "sent": step["sent"]}
            payload = (
                {"state": "ON", **stamp, "ttl": step["ttl"]}
                if "ttl" in step
                else {"status": "online", **stamp}
            )
            seeds.append(bytes([1 + 3 * COMMAND_PLATFORMS.index("switch")]) + json.dumps(payload).encode())
    # Configuration store values, and direct get replies as nats-server sends them.
    config = json.loads((VECTORS / "config_settings.json").read_text())
    for case in config["values"]["valid"] + config["values"]["invalid"]:
        raw = bytes.fromhex(case["raw_hex"]) if "raw_hex" in case else case["raw"].encode()
        seeds.append(bytes([1 + 3 * COMMAND_PLATFORMS.index("number")]) + raw)
    replies = [
        b"HMSG _INBOX.d.1 4 97 100\r\nNATS/1.0\r\nNats-Subject: $KV.NATS_HOME_HOME_CONFIG.d.name\r\n"
        b'Nats-Sequence: 7\r\nKV-Operation: PUT\r\n\r\n"K"\r\n',
        b"HMSG _INBOX.d.2 4 34 34\r\nNATS/1.0 404 Message Not Found\r\n\r\n\r\n",
        b"HMSG $KV.B.d.name 5 52 52\r\nNATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 3\r\n\r\n\r\n",
    ]
    seeds += [bytes([selector]) + reply for reply in replies for selector in (0, 3 * 7)]
    # Credentials renewals (read from every command payload's bytes).
    renewals = json.loads((VECTORS / "credentials.json").read_text())
    seeds += [bytes([1]) + case["raw"].encode() for case in renewals["valid"] + renewals["invalid"]]
    tokens = json.loads((VECTORS / "subjects.json").read_text())
    seeds += [bytes([2]) + token.encode() for token in tokens["valid_tokens"] + tokens["invalid_tokens"]]
    for index, seed in enumerate(seeds):
        (directory / f"seed-{index:03d}").write_bytes(seed)
    return len(seeds)


@pytest.fixture(scope="module")
def fuzzer() -> Path:
    """The fuzz target, compiled with libFuzzer and the sanitizers."""
    run_tool([ROOT / "scripts" / "setup-esphome"], timeout=600)
    binary = BUILD_DIR / "fuzz" / "fuzz_nats"
    binary.parent.mkdir(parents=True, exist_ok=True)
    sources = [
        TARGET,
        *(
            COMPONENT / f"nats_{name}.cpp"
            for name in (
                "command",
                "config",
                "credentials",
                "ed25519",
                "expiry",
                "json_reader",
                "json_writer",
                "nkey",
                "parser",
                "protocol",
            )
        ),
    ]
    run_tool(
        [
            "clang++-14",
            "-std=gnu++20",
            "-g",
            "-O1",
            "-fsanitize=fuzzer,address,undefined",
            "-fno-sanitize-recover=all",
            f"-I{COMPONENT}",
            *sources,
            "-o",
            binary,
        ],
        timeout=300,
    )
    return binary


def test_fuzz_parser_and_commands(fuzzer: Path, tmp_path: Path) -> None:
    """No crash, leak, undefined behaviour or broken invariant within the time budget."""
    corpus = tmp_path / "corpus"
    seeds = _seed_corpus(corpus)
    result = subprocess.run(
        [
            str(fuzzer),
            str(corpus),
            f"-max_total_time={SECONDS}",
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=SECONDS + 120,
    )
    report = result.stderr[-6000:]
    assert result.returncode == 0, f"fuzzer found a problem:\n{report}"
    runs = next((line for line in report.splitlines() if "stat::number_of_executed_units" in line), "")
    executed = int(runs.split(":")[-1]) if runs else 0
    print(f"fuzzed {executed} inputs from {seeds} seeds in {SECONDS} s")  # noqa: T201
    assert executed > 10 * seeds, report
