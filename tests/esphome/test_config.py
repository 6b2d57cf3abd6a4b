"""The example YAMLs and the nats: schema, through ESPHome itself.

Every example passes `esphome config` and `esphome compile --only-generate`;
invalid nats: blocks are refused with a message that names the problem.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
import re
import subprocess

import nkeys
import pytest

from ..nats_jwt import JwtRealm
from .conftest import BUILD_DIR, EXAMPLES, ROOT

# The first test of a worker may install ESPHome and build: more than the
# default 120 s on a cold machine. Every wait inside a test has its own limit.
pytestmark = pytest.mark.timeout(600)

EXAMPLE_YAMLS = sorted(EXAMPLES.glob("*.yaml"))
COMPONENTS = ROOT / "esphome_components"
CREDS_BLOCK = re.compile(r"-{3,}[^\n]*-{3,}\n([\w\-.=]+)\n-{3,}")


def esphome(esphome_bin: Path, *args: str | Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESPHOME_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(esphome_bin), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def test_all_targets_have_an_example() -> None:
    assert {p.stem for p in EXAMPLE_YAMLS} >= {"esp32-arduino", "esp32-idf", "esp8266", "host"}


@pytest.mark.parametrize("yaml", EXAMPLE_YAMLS, ids=lambda p: p.stem)
def test_example_config_is_valid(esphome_bin: Path, yaml: Path) -> None:
    result = esphome(esphome_bin, "config", yaml, data_dir=BUILD_DIR / "data" / f"config-{yaml.stem}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Configuration is valid" in result.stdout + result.stderr


@pytest.mark.parametrize("yaml", EXAMPLE_YAMLS, ids=lambda p: p.stem)
def test_example_generates_source(esphome_bin: Path, yaml: Path) -> None:
    data_dir = BUILD_DIR / "data" / f"generate-{yaml.stem}"
    result = esphome(esphome_bin, "compile", "--only-generate", yaml, data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    main_cpp = next(data_dir.glob("build/*/src/main.cpp"))
    code = main_cpp.read_text()
    assert "nats::NatsClient" in code
    # The client receives entity updates as a registered controller.
    assert "esphome_controllers()" in code
    # The configuration store is on by default.
    defines = next(data_dir.glob("build/*/src/esphome/core/defines.h")).read_text()
    assert "#define USE_NATS_CONFIG_STORE" in defines


BASE = """
esphome:
  name: {name}
host:
external_components:
  - source:
      type: local
      path: {components}
    components: [nats]
nats:
{nats}
"""


def check_config(esphome_bin: Path, tmp_path: Path, nats: str, name: str = "node") -> str:
    yaml = tmp_path / "device.yaml"
    yaml.write_text(BASE.format(name=name, components=COMPONENTS, nats=nats))
    result = esphome(esphome_bin, "config", yaml, data_dir=tmp_path / "data")
    return ("OK\n" if result.returncode == 0 else "") + result.stdout + result.stderr


def test_servers_list_and_credentials_are_accepted(esphome_bin: Path, tmp_path: Path) -> None:
    out = check_config(
        esphome_bin,
        tmp_path,
        "  servers: [nats://10.0.0.1:4223, 10.0.0.2, {host: nats.local, port: 4333}]\n"
        "  username: node\n  password: secret\n  prefix: site1.home\n"
        "  rx_buffer_size: 512\n  tx_buffer_size: 1024\n"
        "  on_message:\n    - subject: 'site1.*.x.>'\n      then: []\n",
    )
    assert out.startswith("OK"), out[-3000:]


@pytest.mark.parametrize(
    ("nats", "message"),
    [
        ("  host: 10.0.0.1\n  device_id: Kitchen.Light", "not a valid NATS Home id"),
        ("  host: 10.0.0.1\n  prefix: 'home.'", "dot-separated tokens"),
        ("  discovery: true", "set host: (one server) or servers:"),
        ("  port: 4222", "port: goes with host:"),
        ("  host: 10.0.0.1\n  username: a\n  password: b\n  token: t", "token"),
        ("  host: 10.0.0.1\n  heartbeat_interval: 2h", "heartbeat_interval"),
        ("  servers: [ws://10.0.0.1:4222]", "only nats:// and tls:// servers"),
        (
            "  host: 10.0.0.1\n  on_message:\n    - subject: 'a.>.b'\n      then: []",
            "not a valid NATS subscribe subject",
        ),
        ("  host: 10.0.0.1\n  prefix: " + ".".join(["site"] * 13) + "x", "at most 64 fit"),
        ("  host: 10.0.0.1\n  max_payload_size: 4096", "split into rx_buffer_size"),
        ("  host: 10.0.0.1\n  tx_buffer_size: 512", "tx_buffer_size"),
        ("  host: 10.0.0.1\n  discovery: false\n  config_store: true", "config_store needs discovery"),
    ],
    ids=[
        "device_id",
        "prefix",
        "no-server",
        "port-alone",
        "user-and-token",
        "heartbeat",
        "tls",
        "subject",
        "prefix-length",
        "max_payload_size",
        "tx-buffer-too-small",
        "config-store-without-discovery",
    ],
)
def test_invalid_config_is_rejected_with_a_reason(
    esphome_bin: Path, tmp_path: Path, nats: str, message: str
) -> None:
    out = check_config(esphome_bin, tmp_path, nats)
    assert not out.startswith("OK"), out[-3000:]
    assert message in out, out[-3000:]


def test_node_name_is_the_default_device_id(esphome_bin: Path, tmp_path: Path) -> None:
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1", name="my-node")
    assert out.startswith("OK"), out[-3000:]
    assert "device_id: my-node" in out


def test_config_store_follows_discovery_and_bounds_the_name(esphome_bin: Path, tmp_path: Path) -> None:
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1")
    assert out.startswith("OK"), out[-3000:]
    assert "config_store: true" in out
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1\n  discovery: false")
    assert out.startswith("OK"), out[-3000:]
    assert "config_store: false" in out
    # The friendly name is the default of the name setting, at most 64 characters.
    long_name = "node\n  friendly_name: " + "N" * 65
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1", name=long_name)
    assert not out.startswith("OK"), out[-3000:]
    assert "the friendly name is 65 characters long" in out, out[-3000:]
    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1\n  config_store: false", name=long_name)
    assert out.startswith("OK"), out[-3000:]


def _jwt_with(jwt: str, **claims: object) -> str:
    """The JWT with claims changed (its signature no longer matches: esphome config does not check it)."""
    header, body, sig = jwt.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=="))
    data.update(claims)
    return ".".join([header, base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode(), sig])


def test_nkey_and_jwt_credentials(esphome_bin: Path, tmp_path: Path) -> None:
    """nkey_seed, jwt + nkey_seed and credentials: (a .creds file) are accepted and generated."""
    realm = JwtRealm()
    creds = realm.user_creds("node")
    (tmp_path / "node.creds").write_text(creds)
    jwt, seed = CREDS_BLOCK.findall(creds)[:2]
    for nats_block in (
        f"  host: 10.0.0.1\n  nkey_seed: {seed}",
        f"  host: 10.0.0.1\n  nkey_seed: {seed}\n  jwt: {jwt}",
        "  host: 10.0.0.1\n  credentials: node.creds",
    ):
        out = check_config(esphome_bin, tmp_path, nats_block)
        assert out.startswith("OK"), out[-3000:]


def test_malformed_nkey_credentials_are_rejected(esphome_bin: Path, tmp_path: Path) -> None:
    """Every malformed seed or JWT is refused by esphome config with what is wrong."""
    realm = JwtRealm()
    jwt, seed = CREDS_BLOCK.findall(realm.user_creds("node"))[:2]
    _, other_seed = CREDS_BLOCK.findall(realm.user_creds("other"))[:2]
    account_seed = nkeys.encode_seed(bytes(32), nkeys.PREFIX_BYTE_ACCOUNT).decode()
    mistyped = seed[:10] + ("B" if seed[10] == "A" else "A") + seed[11:]
    (tmp_path / "broken.creds").write_text("just a seed: " + seed)
    host = "  host: 10.0.0.1\n"
    cases = [
        (f"{host}  nkey_seed: {mistyped}", "wrong checksum"),
        (f"{host}  nkey_seed: {account_seed}", "this is an account seed"),
        (f"{host}  nkey_seed: {seed[:40]}", "58 characters"),
        (f"{host}  jwt: {jwt}", "jwt needs the user's nkey_seed"),
        (f"{host}  nkey_seed: {other_seed}\n  jwt: {jwt}", "must come from the same .creds file"),
        (f"{host}  nkey_seed: {seed}\n  jwt: not-a.jwt", "not a JWT"),
        (
            f"{host}  nkey_seed: {seed}\n  jwt: {_jwt_with(jwt, exp=1_000_000_000)}",
            "jwt expired at 2001-09-09",
        ),
        (f"{host}  nkey_seed: {seed}\n  jwt: {_jwt_with(jwt, pad='x' * 2000)}", "keeps at most 2048"),
        (f"{host}  nkey_seed: {seed}\n  jwt: {jwt}\n  tx_buffer_size: 1024", "needs tx_buffer_size"),
        (f"{host}  nkey_seed: {seed}\n  jwt: {jwt}\n  rx_buffer_size: 512", "need rx_buffer_size"),
        (f"{host}  username: a\n  password: b\n  nkey_seed: {seed}", "nkey_seed"),
        (f"{host}  credentials: broken.creds", "not a .creds file"),
        (f"{host}  credentials: missing.creds", "cannot read the credentials file"),
    ]
    for nats_block, message in cases:
        out = check_config(esphome_bin, tmp_path, nats_block)
        assert not out.startswith("OK"), (nats_block, out[-3000:])
        assert message in out, (nats_block, out[-3000:])
