"""C++ unit tests of the component's socket-free code (parser, JSON, protocol).

Built with the system g++ and Debian's googletest (scripts/setup-esphome
installs both), under AddressSanitizer and UBSan so that a read or write
outside the fixed buffers fails the run. The shared vectors reach the C++
tests as generated initializers (cpp_vectors.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import hashlib
import json
import os
from pathlib import Path
import shutil
import subprocess

import pytest

from . import cpp_vectors
from .conftest import BUILD_DIR, ROOT, run_tool

# The first test of a worker may install ESPHome and build: more than the
# default 120 s on a cold machine. Every wait inside a test has its own limit.
pytestmark = pytest.mark.timeout(900)  # ASan builds of every unit test on a busy 2-core machine

COMPONENT = ROOT / "esphome_components" / "nats"
CPP_TESTS = Path(__file__).parent / "cpp"
# The socket-free part of the component; everything else needs ESPHome.
SOURCES = [
    COMPONENT / f"nats_{name}.cpp"
    for name in (
        "command",
        "config",
        "credentials",
        "ed25519",
        "entity_index",
        "expiry",
        "json_reader",
        "json_writer",
        "nkey",
        "parser",
        "protocol",
    )
]
FLAGS = [
    "-std=gnu++20",
    # -O0: googletest's macros under the sanitizers took 50-90 s per file at
    # -O1 (7 minutes of CI); -O0 compiles them 4x faster and the tests run in
    # well under a second either way.
    "-O0",
    "-g",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
]


def _compile(source: Path, obj: Path, include: list[Path]) -> subprocess.CompletedProcess[str]:
    args = ["g++", *FLAGS, *(f"-I{d}" for d in include), "-c", str(source), "-o", str(obj)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def unit_test_binary() -> Path:
    """Compile the tests (cached by the hash of every input)."""
    run_tool([ROOT / "scripts" / "setup-esphome"], timeout=600)
    generated = cpp_vectors.generate()
    sources = [*SOURCES, *sorted(CPP_TESTS.glob("*.cpp"))]
    digest = hashlib.sha256(generated.encode())
    digest.update(" ".join(FLAGS).encode())
    for path in [*sources, *COMPONENT.glob("nats_*.h"), *CPP_TESTS.glob("*.h")]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    out = BUILD_DIR / "cpp-tests" / digest.hexdigest()[:16]
    binary = out / "unit_tests"
    if binary.exists():
        return binary
    # Builds of older sources are of no further use.
    for stale in out.parent.glob("*"):
        shutil.rmtree(stale, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "vectors.inc").write_text(generated)
    include = [COMPONENT, CPP_TESTS, out]
    objects = [out / f"{src.parent.name}_{src.stem}.o" for src in sources]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda so: _compile(*so, include), zip(sources, objects, strict=True)))
    errors = [r.stderr for r in results if r.returncode != 0]
    if errors:
        pytest.fail("C++ unit tests do not compile:\n" + "\n".join(errors)[-8000:])
    link = subprocess.run(
        ["g++", *FLAGS, *map(str, objects), "-lgtest", "-lgtest_main", "-pthread", "-o", str(binary)],
        capture_output=True,
        text=True,
        check=False,
    )
    if link.returncode != 0:
        pytest.fail(f"linking the C++ unit tests failed:\n{link.stderr[-4000:]}")
    return binary


def test_cpp_unit_tests(unit_test_binary: Path, tmp_path: Path) -> None:
    """Every googletest case passes (failures are listed with their messages)."""
    report = tmp_path / "gtest.json"
    result = subprocess.run(
        [str(unit_test_binary), f"--gtest_output=json:{report}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if not report.exists():
        pytest.fail(
            f"unit tests crashed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    data = json.loads(report.read_text())
    failures = [
        f"{suite['name']}.{case['name']}:\n" + "\n".join(f["failure"] for f in case["failures"])
        for suite in data["testsuites"]
        for case in suite["testsuite"]
        if case.get("failures")
    ]
    assert not failures, "\n\n".join(failures)[-8000:]
    assert result.returncode == 0, result.stderr[-4000:]
    assert data["tests"] >= 20


def test_vectors_reach_the_cpp_tests() -> None:
    """Every case of the shared vectors is in the generated C++ data."""
    vectors = ROOT / "tests" / "vectors"
    generated = cpp_vectors.generate()
    commands = json.loads((vectors / "command.json").read_text())
    subjects = json.loads((vectors / "subjects.json").read_text())
    for case in commands["valid"] + commands["invalid"]:
        assert cpp_vectors.c_string(case["name"]) in generated
    tokens = subjects["valid_tokens"] + subjects["invalid_tokens"]
    for token in tokens:
        assert cpp_vectors.std_string(token) in generated
    expiry = json.loads((vectors / "expiry.json").read_text())
    for scenario in expiry["scenarios"]:
        assert cpp_vectors.c_string(scenario["name"]) in generated
    steps = sum(len(scenario["steps"]) for scenario in expiry["scenarios"])
    assert generated.count("Verdict::") == steps
    config = json.loads((vectors / "config_settings.json").read_text())
    for case in config["values"]["valid"] + config["values"]["invalid"]:
        assert f"{{{cpp_vectors.c_string(case['name'])}, " in generated
    renewals = json.loads((vectors / "credentials.json").read_text())
    for case in renewals["valid"] + renewals["invalid"]:
        assert f"{{{cpp_vectors.c_string(case['name'])}, {cpp_vectors.std_string(case['raw'])}, " in generated
    platforms = cpp_vectors.platform_vectors()
    assert {"cover", "lock", "valve"} <= platforms.keys()
    for platform, vectors in platforms.items():
        # Refusals only a device evaluating a text's pattern makes are not the firmware's (cpp_vectors.py).
        applied = [case for case in vectors["apply"] if not case.get("needs_pattern")]
        cases = vectors["commands"]["valid"] + vectors["commands"]["invalid"] + applied
        for case in cases:
            assert f"{{{cpp_vectors.c_string(platform)}, {cpp_vectors.c_string(case['name'])}, " in generated
