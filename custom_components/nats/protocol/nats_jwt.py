"""NATS JWTs (version 2): encode, sign, decode; on the `nkeys` package alone.

NATS JWTs are ordinary JWTs signed with an NKey (Ed25519, `alg:
ed25519-nkey`), whose `nats` claim says what the subject is (an operator, an
account, a user) and what it may do. The `nats-jwt` package on PyPI does
this too, but says of itself that it is not well tested, pins `pytz<2025`
and pulls in pycryptodome; what Home Assistant needs fits here, and the
tests check every token against nats-server itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from typing import Any, Final

import nkeys

__all__ = [
    "JwtError",
    "decode",
    "encode",
    "new_seed",
    "public_key",
]

HEADER: Final = {"typ": "JWT", "alg": "ed25519-nkey"}
SEED_PREFIXES: Final = {
    "operator": nkeys.PREFIX_BYTE_OPERATOR,
    "account": nkeys.PREFIX_BYTE_ACCOUNT,
    "user": nkeys.PREFIX_BYTE_USER,
}


class JwtError(ValueError):
    """A token or key that is not what it should be."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()  # compact: a device keeps the JWT in RAM


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_seed(kind: str) -> str:
    """Return a fresh NKey seed for an operator, an account or a user."""
    return str(nkeys.encode_seed(os.urandom(32), SEED_PREFIXES[kind]).decode())


def public_key(seed: str) -> str:
    """Return the public key of a seed; JwtError if it is no seed."""
    try:
        return str(nkeys.from_seed(seed.strip().encode()).public_key.decode())
    except (nkeys.NkeysError, ValueError, TypeError, binascii.Error) as err:
        raise JwtError(f"not an NKey seed ({err.__class__.__name__})") from err


def encode(
    issuer_seed: str,
    subject: str,
    name: str,
    nats: dict[str, Any],
    *,
    issued_at: int | None = None,
    expires: int | None = None,
) -> str:
    """Return a signed JWT with `nats` as its NATS claim (version 2 added).

    `jti` is the hash of the other claims, as the Go library makes it, so
    two tokens differ in `jti` exactly when they differ in content.
    """
    claims: dict[str, Any] = {
        "iat": int(time.time()) if issued_at is None else issued_at,
        "iss": public_key(issuer_seed),
        "name": name,
        "sub": subject,
        "nats": {**nats, "version": 2},
    }
    if expires is not None:
        claims["exp"] = expires
    claims["jti"] = base64.b32encode(hashlib.sha256(_json(claims)).digest()).decode().rstrip("=")
    signing_input = f"{_b64(_json(HEADER))}.{_b64(_json(claims))}"
    signature = nkeys.from_seed(issuer_seed.strip().encode()).sign(signing_input.encode())
    return f"{signing_input}.{_b64(signature)}"


def decode(token: str, *, verify: bool = True) -> dict[str, Any]:
    """Return a JWT's claims; with `verify`, only if its issuer signed it."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwtError("not a JWT: expected three base64url parts separated by dots")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, binascii.Error) as err:
        raise JwtError(f"not a JWT: a part does not decode ({err})") from err
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("not a JWT: a part is not a JSON object")
    if header.get("alg") not in ("ed25519-nkey", "ed25519"):
        raise JwtError(f"not a NATS JWT (alg {header.get('alg')!r})")
    if not isinstance(claims.get("nats"), dict) or not isinstance(claims.get("iss"), str):
        raise JwtError("not a NATS JWT: no issuer or no nats claim")
    if verify:
        _check_signature(claims["iss"], f"{parts[0]}.{parts[1]}".encode(), signature)
    return claims


def _check_signature(issuer: str, signed: bytes, signature: bytes) -> None:
    """Raise JwtError unless `signature` is the issuer's (an NKey public key: prefix, length, checksum)."""
    import nacl.exceptions  # noqa: PLC0415 (nkeys' own dependency)
    import nacl.signing  # noqa: PLC0415

    try:
        raw = base64.b32decode(issuer.encode())
    except binascii.Error as err:
        raise JwtError("the issuer is not an NKey public key") from err
    if len(raw) != 35 or not nkeys.valid_public_prefix_byte(raw[0]):
        raise JwtError("the issuer is not an NKey public key")
    if nkeys.crc16(bytearray(raw[:-2])) != int.from_bytes(raw[-2:], "little"):
        raise JwtError("the issuer's public key has a wrong checksum")
    try:
        nacl.signing.VerifyKey(raw[1:33]).verify(signed, signature)
    except (nacl.exceptions.BadSignatureError, ValueError) as err:  # ValueError: not 64 bytes long
        raise JwtError("the JWT's signature is not its issuer's") from err
