"""`nats-home-operator`: the files it writes run a real nats-server in operator mode (docs/security.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
import stat
import subprocess

import nats
import pytest

from nats_home.operator import OperatorBundle, parse_creds
from nats_home.operator_setup import BUNDLE, IDENTITY, SERVER_CONF, main

from .nats_operator import connect_options
from .nats_server import free_port, server_binary


def test_init_writes_a_configuration_nats_server_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The configuration passes `nats-server -t`; the files holding seeds are the owner's alone."""
    assert main(["init", "--dir", str(tmp_path), "--prefix", "flat"]) == 0
    checked = subprocess.run(
        [server_binary(), "-t", "-c", str(tmp_path / SERVER_CONF)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    for secret in (BUNDLE, IDENTITY):
        assert stat.S_IMODE((tmp_path / secret).stat().st_mode) == 0o600
    bundle = OperatorBundle.from_json((tmp_path / BUNDLE).read_text())
    assert bundle.prefix == "flat"
    # The bundle never holds the identity keys: only signing keys and two users.
    identity_seeds = [
        line.split(": ")[1] for line in (tmp_path / IDENTITY).read_text().splitlines() if "_seed: " in line
    ]
    assert len(identity_seeds) == 3
    assert not any(seed in (tmp_path / BUNDLE).read_text() for seed in identity_seeds)
    assert "nats-server -c" in capsys.readouterr().out


def test_a_second_init_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second init would lock every device out: refused unless forced."""
    assert main(["init", "--dir", str(tmp_path)]) == 0
    first = (tmp_path / BUNDLE).read_text()
    assert main(["init", "--dir", str(tmp_path)]) == 2
    assert "lock out every device" in capsys.readouterr().err
    assert (tmp_path / BUNDLE).read_text() == first
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    assert (tmp_path / BUNDLE).read_text() != first


def test_bad_input_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid prefix, a missing or broken bundle, an invalid device id: exit 2 and the reason."""
    assert main(["init", "--dir", str(tmp_path), "--prefix", "a b"]) == 2
    assert "prefix" in capsys.readouterr().err
    assert main(["device", "--bundle", str(tmp_path / "missing.json"), "--id", "kitchen"]) == 2
    assert "missing.json" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{}")
    assert main(["device", "--bundle", str(tmp_path / "broken.json"), "--id", "kitchen"]) == 2
    assert "not a NATS Home operator bundle" in capsys.readouterr().err
    assert main(["init", "--dir", str(tmp_path / "home")]) == 0
    assert main(["device", "--bundle", str(tmp_path / "home" / BUNDLE), "--id", "a.b"]) == 2
    assert "a.b" in capsys.readouterr().err


async def test_the_server_from_init_admits_home_assistant_and_a_minted_device(tmp_path: Path) -> None:
    """Start nats-server with the written configuration; the bundle's user and a device's .creds connect."""
    port = free_port()
    assert main(["init", "--dir", str(tmp_path), "--port", str(port)]) == 0
    creds_file = tmp_path / "kitchen.creds"
    assert (
        main(["device", "--bundle", str(tmp_path / BUNDLE), "--id", "kitchen", "--out", str(creds_file)]) == 0
    )
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    log = (tmp_path / "server.log").open("wb")
    server = await asyncio.create_subprocess_exec(
        server_binary(), "-c", str(tmp_path / SERVER_CONF), stderr=log
    )
    try:
        bundle = OperatorBundle.from_json((tmp_path / BUNDLE).read_text())
        url = f"nats://127.0.0.1:{port}"
        for _ in range(100):
            try:
                home_assistant = await nats.connect(url, **connect_options(bundle.home_assistant))
                break
            except (OSError, nats.errors.NoServersError):
                await asyncio.sleep(0.05)
        device = await nats.connect(url, user_credentials=str(creds_file), inbox_prefix="_INBOX.kitchen")
        got = await home_assistant.subscribe("home.devices.kitchen.status")
        await home_assistant.flush()
        await device.publish("home.devices.kitchen.status", b"{}")
        assert (await got.next_msg(timeout=2)).data == b"{}"
        assert parse_creds(creds_file.read_text()).public_key.startswith("U")
        # JetStream works in the home's account (the integration keeps announcements there).
        await home_assistant.jetstream().add_stream(
            name="NATS_HOME_HOME_DEVICES", subjects=["home.discovery.announce.*"]
        )
        await device.close()
        await home_assistant.close()
    finally:
        server.terminate()
        await server.wait()
