"""Print a nats-server `authorization` block: one user per device plus Home Assistant's (docs/security.md).

    python -m nats_home.authz --prefix home --device kitchen --device hallway > auth.conf

Each device gets its own user (name = device id) with a fresh password, or an
NKey with `--nkey` (needs the `nkeys` package), allowed only its own subjects
(`nats_home.permissions`). The output is a valid nats-server configuration
file to `include` from the server's; what each device and Home Assistant must
be configured with follows as comments at its end.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
import json
import secrets
import sys

from .permissions import Permissions, device_inbox_prefix, device_permissions, home_assistant_permissions
from .subjects import Subjects

__all__ = ["Credentials", "UserEntry", "main", "render", "users"]

DEFAULT_HA_USER = "homeassistant"


@dataclass(frozen=True, slots=True)
class Credentials:
    """How one user authenticates: a password, or an NKey (public key in the config, seed on the client)."""

    user: str
    password: str | None = None
    nkey: str | None = None
    seed: str | None = None


@dataclass(frozen=True, slots=True)
class UserEntry:
    """One user of the generated block: who, how it authenticates, what it may do."""

    credentials: Credentials
    permissions: Permissions
    device_id: str | None  # None: Home Assistant


def new_credentials(user: str, *, nkey: bool = False) -> Credentials:
    """Return fresh credentials: a random password, or a new user NKey."""
    if not nkey:
        return Credentials(user, password=secrets.token_urlsafe(24))
    try:
        import nkeys  # noqa: PLC0415 (optional dependency)
    except ImportError:
        raise SystemExit("--nkey needs the nkeys package: pip install nkeys") from None
    seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)
    return Credentials(user, nkey=nkeys.from_seed(seed).public_key.decode(), seed=seed.decode())


def users(
    prefix: str, devices: Sequence[str], ha_user: str = DEFAULT_HA_USER, *, nkey: bool = False
) -> list[UserEntry]:
    """Return Home Assistant's user and one user per device, with new credentials."""
    if len(set(devices)) != len(devices):
        raise ValueError("a device id is given twice")
    if ha_user in devices:
        raise ValueError(f"Home Assistant's user {ha_user!r} is also a device id")
    entries = [UserEntry(new_credentials(ha_user, nkey=nkey), home_assistant_permissions(prefix), None)]
    entries += [
        UserEntry(new_credentials(device_id, nkey=nkey), device_permissions(prefix, device_id), device_id)
        for device_id in devices
    ]
    return entries


def _q(value: str) -> str:
    return json.dumps(value)


def _list(values: Sequence[str], indent: str) -> str:
    inner = f"\n{indent}  ".join(_q(value) for value in values)
    return f"[\n{indent}  {inner}\n{indent}]"


def _user_block(entry: UserEntry) -> str:
    creds, perms = entry.credentials, entry.permissions
    who = "Home Assistant" if entry.device_id is None else f"device {entry.device_id}"
    auth = (
        f"nkey: {_q(creds.nkey)}"
        if creds.nkey
        else f"user: {_q(creds.user)}, password: {_q(creds.password or '')}"
    )
    lines = [
        f"    # {who}",
        f"    {{ {auth}",
        "      permissions: {",
        f"        publish: {_list(perms.publish, '        ')}",
        f"        subscribe: {_list(perms.subscribe, '        ')}",
    ]
    if perms.allow_responses:
        lines.append("        allow_responses: true")
    lines += ["      }", "    }"]
    return "\n".join(lines)


def _ha_notes(entry: UserEntry, prefix: str, server: str) -> list[str]:
    creds = entry.credentials
    auth = f"NKey seed: {creds.seed}" if creds.seed else f"user and password: {creds.user} / {creds.password}"
    return [
        "Home Assistant: Settings > Devices & services > NATS (add, or Reconfigure):",
        f"  server {server}, subject prefix {prefix}, authentication {auth}",
    ]


def _device_notes(entry: UserEntry, prefix: str, server: str) -> list[str]:
    creds, device_id = entry.credentials, entry.device_id
    assert device_id is not None
    inbox = device_inbox_prefix(device_id)
    lines = [f"Device {device_id}:"]
    if creds.seed:
        key = device_id.replace("-", "_")
        lines += [
            "  ESPHome secrets.yaml:",
            f"    nats_{key}_nkey_seed: {creds.seed}",
            "  ESPHome device YAML, in the nats: block:",
            f"    device_id: {device_id}",
            f"    prefix: {prefix}",
            f"    nkey_seed: !secret nats_{key}_nkey_seed",
            "  Python (nats_home):",
            f"    nc = await nats.connect({_q(server)}, nkeys_seed_str={_q(creds.seed)},",
            f"                            inbox_prefix={_q(inbox)})",
        ]
    else:
        key = device_id.replace("-", "_")
        lines += [
            "  ESPHome secrets.yaml:",
            f"    nats_{key}_username: {creds.user}",
            f"    nats_{key}_password: {_q(creds.password or '')}",
            "  ESPHome device YAML, in the nats: block:",
            f"    device_id: {device_id}",
            f"    prefix: {prefix}",
            f"    username: !secret nats_{key}_username",
            f"    password: !secret nats_{key}_password",
            "  Python (nats_home):",
            f"    nc = await nats.connect({_q(server)}, user={_q(creds.user)},",
            f"                            password={_q(creds.password or '')}, inbox_prefix={_q(inbox)})",
            f"    device = Device(nc, {_q(device_id)}, ..., prefix={_q(prefix)})",
        ]
    return lines


def render(entries: Sequence[UserEntry], prefix: str, server: str = "nats://<server>:4222") -> str:
    """Return the configuration text: the authorization block, then what each side needs as comments."""
    devices = [entry.device_id for entry in entries if entry.device_id is not None]
    header = [
        f"# NATS Home: per-device permissions for the home with subject prefix {prefix!r}.",
        f"# Generated by nats_home.authz for {len(devices)} device(s); docs/security.md explains it.",
        "# It holds passwords or keys: keep it readable by nats-server only (include it from its config).",
        "# A device may publish and subscribe only to subjects carrying its own id; the rest is refused.",
        "",
        "authorization {",
        "  users: [",
    ]
    blocks = ",\n".join(_user_block(entry) for entry in entries)
    notes: list[str] = []
    for entry in entries:
        notes += [
            "",
            *(
                _ha_notes(entry, prefix, server)
                if entry.device_id is None
                else _device_notes(entry, prefix, server)
            ),
        ]
    footer = ["  ]", "}", "", "# What to configure on each side:", *(f"# {line}".rstrip() for line in notes)]
    return "\n".join([*header, blocks, *footer]) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nats-home-authz",
        description="Print a nats-server authorization block with one user per NATS Home device "
        "and one for Home Assistant, each allowed only its own subjects.",
    )
    parser.add_argument("--prefix", default="home", help="the home's subject prefix (default: home)")
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="ID",
        help="a device id (repeat for each device)",
    )
    parser.add_argument(
        "--ha-user", default=DEFAULT_HA_USER, help=f"Home Assistant's user name (default: {DEFAULT_HA_USER})"
    )
    parser.add_argument(
        "--nkey", action="store_true", help="NKeys instead of passwords (needs the nkeys package)"
    )
    parser.add_argument(
        "--server", default="nats://<server>:4222", help="the server URL shown in the instructions"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print the configuration for the devices given on the command line."""
    args = _parser().parse_args(argv)
    try:
        Subjects(args.prefix)
        entries = users(args.prefix, args.device, args.ha_user, nkey=args.nkey)
    except ValueError as err:  # ProtocolError included: an invalid prefix or device id
        print(f"nats-home-authz: {err}", file=sys.stderr)  # noqa: T201
        return 2
    sys.stdout.write(render(entries, args.prefix, args.server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
