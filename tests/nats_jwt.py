"""Minting NATS operator/account/user JWTs so tests can run nats-server in JWT mode."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import nkeys


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_seed(prefix: int) -> str:
    """Return a fresh NKey seed of a kind (nkeys.PREFIX_BYTE_OPERATOR, ..._ACCOUNT, ..._USER)."""
    return nkeys.encode_seed(os.urandom(32), prefix).decode()


def public_key(seed: str) -> str:
    """Return the public key of a seed."""
    return nkeys.from_seed(seed.encode()).public_key.decode()


def _sign(issuer_seed: str, subject: str, name: str, nats: dict[str, Any]) -> str:
    header = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    claims = {
        "jti": base64.b32encode(os.urandom(20)).decode(),
        "iat": int(time.time()),
        "iss": public_key(issuer_seed),
        "name": name,
        "sub": subject,
        "nats": {**nats, "version": 2},
    }
    body = _b64(json.dumps(claims).encode())
    signature = nkeys.from_seed(issuer_seed.encode()).sign(f"{header}.{body}".encode())
    return f"{header}.{body}.{_b64(signature)}"


class JwtRealm:
    """An operator with one account; users are minted on demand."""

    def __init__(self) -> None:
        self.operator_seed = new_seed(nkeys.PREFIX_BYTE_OPERATOR)
        self.account_seed = new_seed(nkeys.PREFIX_BYTE_ACCOUNT)
        self.operator_jwt = _sign(
            self.operator_seed, public_key(self.operator_seed), "test-operator", {"type": "operator"}
        )
        unlimited = {
            "subs": -1,
            "data": -1,
            "payload": -1,
            "imports": -1,
            "exports": -1,
            "conn": -1,
            "leaf": -1,
            "wildcards": True,
        }
        account = {"type": "account", "limits": unlimited, "default_permissions": {"pub": {}, "sub": {}}}
        self.account_jwt = _sign(self.operator_seed, public_key(self.account_seed), "home", account)
        # JetStream needs a system account in operator mode.
        self.system_seed = new_seed(nkeys.PREFIX_BYTE_ACCOUNT)
        self.system_jwt = _sign(self.operator_seed, public_key(self.system_seed), "SYS", account)

    def server_config(self) -> str:
        """nats-server configuration for this realm (memory resolver)."""
        return (
            f"operator: {self.operator_jwt}\n"
            "resolver: MEMORY\n"
            f"system_account: {public_key(self.system_seed)}\n"
            "resolver_preload: {\n"
            f"  {public_key(self.account_seed)}: {self.account_jwt}\n"
            f"  {public_key(self.system_seed)}: {self.system_jwt}\n"
            "}\n"
        )

    def user_creds(self, name: str, permissions: dict[str, Any] | None = None) -> str:
        """Return the contents of a .creds file for a new user of the account."""
        seed = new_seed(nkeys.PREFIX_BYTE_USER)
        jwt = _sign(
            self.account_seed,
            public_key(seed),
            name,
            {
                "type": "user",
                "subs": -1,
                "data": -1,
                "payload": -1,
                **(permissions or {"pub": {}, "sub": {}}),
            },
        )
        return (
            f"-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n\n"
            f"-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        )
