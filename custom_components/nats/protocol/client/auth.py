"""The authentication fields of CONNECT, from the same options nats-py's connect() takes.

Every mode nats-server knows for a client: user and password (also from the
URL), a token, an NKey seed signing the server's nonce, and a user JWT with
its seed (a .creds file, its text, a JWT and seed file pair, or callbacks).
"""

from __future__ import annotations

import base64
from collections import UserString
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
import re
from typing import Any, Final

import nkeys

type Secret = str | Callable[[], str]
type JwtCallback = Callable[[], bytes | bytearray | str]
type SignatureCallback = Callable[[str], bytes]

_CREDS_BLOCK: Final = re.compile(r"-{3,}[^\n]*-{3,}\n(.+?)\n-{3,}[^\n]*-{3,}", re.DOTALL)
"""A block of a .creds file: a dashed BEGIN line, the JWT or seed, a dashed END line."""


@dataclass(frozen=True, slots=True)
class Auth:
    """How the client proves who it is."""

    user: Secret | None = None
    password: Secret | None = None
    token: Secret | None = None
    nkeys_seed: str | None = None
    """A file holding a user NKey seed."""
    nkeys_seed_str: str | None = None
    user_credentials: str | Path | UserString | tuple[str, str] | None = None
    """A .creds path; its text (nats-py's RawCredentials); or a (JWT file, seed file) pair."""
    user_jwt_cb: JwtCallback | None = None
    signature_cb: SignatureCallback | None = None

    def fields(self, nonce: str | None, url_user: str | None, url_password: str | None) -> dict[str, Any]:
        """Return the CONNECT fields for this authentication, signing nonce where a key is used."""
        fields: dict[str, Any] = {}
        if url_user is not None and url_password is not None:
            fields["user"], fields["pass"] = url_user, url_password
        elif url_user is not None:
            fields["auth_token"] = url_user
        if self.user is not None:
            fields["user"] = _reveal(self.user)
            fields["pass"] = _reveal(self.password) if self.password is not None else ""
        if self.token is not None:
            fields["auth_token"] = _reveal(self.token)
        jwt_cb, sign = self._jwt_and_signer()
        if jwt_cb is not None:
            jwt = jwt_cb()
            fields["jwt"] = jwt if isinstance(jwt, str) else bytes(jwt).decode()
        if sign is not None and nonce is not None:
            # Without a nonce the server does not expect a key (it is not in
            # operator or NKey mode): it will refuse the JWT or seed on its own.
            signature = sign(nonce)
            fields["sig"] = signature.decode() if isinstance(signature, bytes) else signature
        seed = self._seed()
        if seed is not None and jwt_cb is None:
            fields["nkey"] = nkeys.from_seed(seed).public_key.decode()
        return fields

    def _seed(self) -> bytes | None:
        if self.nkeys_seed_str is not None:
            return self.nkeys_seed_str.strip().encode()
        if self.nkeys_seed is not None:
            return Path(self.nkeys_seed).read_bytes().strip()
        return None

    def _jwt_and_signer(self) -> tuple[JwtCallback | None, SignatureCallback | None]:
        """Return where the JWT comes from and what signs the nonce, if anything does."""
        if self.user_credentials is not None:
            jwt, seed = _read_credentials(self.user_credentials)
            return (lambda: jwt), _signer(seed)
        own_seed = self._seed()
        signer = self.signature_cb or (_signer(own_seed) if own_seed is not None else None)
        return self.user_jwt_cb, signer


def _reveal(secret: Secret) -> str:
    return secret() if callable(secret) else secret


def _signer(seed: bytes) -> SignatureCallback:
    def sign(nonce: str) -> bytes:
        key = nkeys.from_seed(seed)
        try:
            return base64.b64encode(key.sign(nonce.encode()))
        finally:
            key.wipe()

    return sign


def _read_credentials(creds: str | Path | UserString | tuple[str, str]) -> tuple[str, bytes]:
    """Return the JWT and seed of credentials in any of nats-py's forms."""
    if isinstance(creds, tuple):
        return Path(creds[0]).read_text().strip(), Path(creds[1]).read_bytes().strip()
    text = str(creds) if isinstance(creds, UserString) else Path(creds).read_text()
    blocks = [block.strip() for block in _CREDS_BLOCK.findall(text)]
    if len(blocks) < 2:
        raise ValueError("not NATS credentials: expected a JWT block and a seed block")
    return blocks[0], blocks[1].encode()
