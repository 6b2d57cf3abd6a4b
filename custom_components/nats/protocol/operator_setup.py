"""`nats-home-operator`: set up a home in operator (JWT) mode from scratch (docs/security.md).

    nats-home-operator init --dir ./nats-home --prefix home
    nats-home-operator device --bundle ./nats-home/home-assistant.json --id kitchen

`init` writes the server configuration (operator, system account, the home's
account with a signing key, nats-server's own resolver), the bundle Home
Assistant is given, and the identity keys to keep offline. `device` mints a
device's .creds from the bundle, for when Home Assistant is not at hand
(Home Assistant provisions devices itself: options, action).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import os
from pathlib import Path
import sys

from .credentials import DEFAULT_LIFETIME, mint_device, secrets_snippet
from .operator import HomeSetup, OperatorBundle, create_home

__all__ = ["main", "write_home"]

SERVER_CONF = "nats-server.conf"
BUNDLE = "home-assistant.json"
IDENTITY = "identity-keys.txt"


def _write_secret(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds seeds)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)


def _identity_text(home: HomeSetup) -> str:
    return (
        "# NATS Home operator mode: the identity keys. Keep this file offline and safe.\n"
        "# Neither nats-server nor Home Assistant needs it. It is what lets you sign a new\n"
        "# operator or account JWT later (a new signing key, a home rebuilt from scratch).\n"
        f"operator_seed: {home.operator_seed}\n"
        f"operator_jwt: {home.operator_jwt}\n"
        f"system_account_seed: {home.system_account_seed}\n"
        f"account_seed: {home.account_seed}\n"
    )


def write_home(
    directory: Path,
    prefix: str,
    *,
    name: str = "home",
    port: int = 4222,
    jetstream_dir: Path | None = None,
    resolver_dir: Path | None = None,
    force: bool = False,
) -> HomeSetup:
    """Create a home's keys and write its three files into `directory`; return what was made."""
    directory.mkdir(parents=True, exist_ok=True)
    existing = [file for file in (SERVER_CONF, BUNDLE, IDENTITY) if (directory / file).exists()]
    if existing and not force:
        raise FileExistsError(
            f"{directory} already holds {', '.join(existing)}: a second init would make a new operator "
            "and lock out every device of the first (use --force to do it anyway)"
        )
    home = create_home(prefix, name=name)
    resolver = (resolver_dir or directory / "jwt").resolve()
    store = (jetstream_dir or directory / "jetstream").resolve()
    _write_secret(directory / IDENTITY, _identity_text(home))
    _write_secret(directory / BUNDLE, home.bundle.to_json())
    (directory / SERVER_CONF).write_text(
        home.server_config(str(resolver), jetstream_dir=str(store), port=port)
    )
    return home


def _init(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    write_home(
        directory,
        args.prefix,
        name=args.name,
        port=args.port,
        jetstream_dir=Path(args.jetstream_dir) if args.jetstream_dir else None,
        resolver_dir=Path(args.resolver_dir) if args.resolver_dir else None,
        force=args.force,
    )
    print(  # noqa: T201
        f"Wrote {directory / SERVER_CONF}, {directory / BUNDLE} and {directory / IDENTITY}.\n"
        f"1. Start the server:  nats-server -c {directory / SERVER_CONF}\n"
        "2. Home Assistant: Settings > Devices & services > NATS (add, or Reconfigure),\n"
        f"   authentication 'operator mode', and paste the contents of {directory / BUNDLE}.\n"
        "3. Add each device's credentials in the NATS integration's options (or the\n"
        "   nats.provision_device action), then flash them.\n"
        f"Keep {directory / IDENTITY} offline: nothing running needs it."
    )
    return 0


def _device(args: argparse.Namespace) -> int:
    bundle = OperatorBundle.from_json(Path(args.bundle).read_text())
    creds = mint_device(bundle, args.id, lifetime=args.lifetime_days * 24 * 3600)
    out = Path(args.out or f"{args.id}.creds")
    _write_secret(out, creds.creds_file())
    print(f"Wrote {out}.\n\n{secrets_snippet(args.id, creds, prefix=bundle.prefix)}")  # noqa: T201
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nats-home-operator", description="Set up a NATS Home in operator (JWT) mode."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="create the operator, accounts and server configuration")
    init.add_argument("--dir", required=True, help="where to write the files")
    init.add_argument("--prefix", default="home", help="the home's subject prefix (default: home)")
    init.add_argument("--name", default="home", help="the account's name (default: home)")
    init.add_argument("--port", type=int, default=4222, help="the server's client port (default: 4222)")
    init.add_argument("--jetstream-dir", help="JetStream's store (default: <dir>/jetstream)")
    init.add_argument("--resolver-dir", help="where the server keeps account JWTs (default: <dir>/jwt)")
    init.add_argument("--force", action="store_true", help="overwrite an existing setup")
    device = commands.add_parser("device", help="mint one device's credentials from the bundle")
    device.add_argument("--bundle", required=True, help=f"the {BUNDLE} init wrote")
    device.add_argument("--id", required=True, help="the device id")
    device.add_argument(
        "--lifetime-days",
        type=int,
        default=DEFAULT_LIFETIME // 86400,
        help=f"days the JWT is valid (default: {DEFAULT_LIFETIME // 86400})",
    )
    device.add_argument("--out", help="the .creds file to write (default: <id>.creds)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; errors are one line on stderr and exit status 2."""
    args = _parser().parse_args(argv)
    try:
        return _init(args) if args.command == "init" else _device(args)
    except (OSError, ValueError) as err:  # JwtError and ProtocolError are ValueErrors
        print(f"nats-home-operator: {err}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    sys.exit(main())
