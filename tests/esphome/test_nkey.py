"""The firmware's Ed25519 and NKey code against the Python nkeys library.

The C++ unit tests pin RFC 8032's vectors; this signs random messages with
random seeds through the component's own code (a small filter program built
under AddressSanitizer, nkey_tool/nkey_sign.cpp) and checks every public key
and signature against what nkeys makes of the same seed, and that every
malformed seed is refused.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
import subprocess

import nkeys
import pytest

from .conftest import BUILD_DIR, ROOT

COMPONENT = ROOT / "esphome_components" / "nats"
TOOL = Path(__file__).parent / "nkey_tool" / "nkey_sign.cpp"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def nkey_sign() -> Path:
    out = BUILD_DIR / "nkey-tool"
    out.mkdir(parents=True, exist_ok=True)
    binary = out / "nkey_sign"
    sources = [COMPONENT / "nats_ed25519.cpp", COMPONENT / "nats_nkey.cpp", TOOL]
    args = ["g++", "-std=gnu++20", "-O1", "-g", "-Wall", "-Wextra", "-Werror"]
    args += ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", f"-I{COMPONENT}"]
    result = subprocess.run(
        [*args, *map(str, sources), "-o", str(binary)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"nkey_sign does not compile:\n{result.stderr[-4000:]}")
    return binary


def _run(binary: Path, lines: list[str]) -> list[str]:
    result = subprocess.run(
        [str(binary)],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout.splitlines()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_signatures_match_nkeys(nkey_sign: Path) -> None:
    """200 random seeds and messages (empty, nonce-sized, over a SHA-512 block): same key, same signature."""
    cases = []
    for i in range(200):
        seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()
        size = (
            [0, 1, 22, 43, 111, 112, 127, 128, 129, 1000][i % 10]
            if i < 100
            else int.from_bytes(os.urandom(2)) % 2000
        )
        cases.append((seed, os.urandom(size)))
    out = _run(nkey_sign, [f"{seed} {msg.hex()}" for seed, msg in cases])
    assert len(out) == len(cases)
    for (seed, msg), line in zip(cases, out, strict=True):
        kp = nkeys.from_seed(seed.encode())
        assert line == f"{kp.public_key.decode()} {_b64(kp.sign(msg))}", seed


def test_malformed_seeds_are_refused(nkey_sign: Path) -> None:
    """Wrong kind (account, operator), checksum, alphabet or length: refused, never signed with."""
    user = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER).decode()
    account = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_ACCOUNT).decode()
    operator = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_OPERATOR).decode()
    flipped = user[:10] + ("A" if user[10] != "A" else "B") + user[11:]
    bad = [account, operator, flipped, user[:-1], user + "A", user.lower(), user[:20] + "1" + user[21:]]
    public = nkeys.from_seed(user.encode()).public_key.decode()
    assert _run(nkey_sign, [f"{seed} 00" for seed in bad]) == ["invalid"] * len(bad)
    assert _run(nkey_sign, [f"{user} 00"])[0].split()[0] == public
