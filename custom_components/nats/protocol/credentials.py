"""Per-device credentials in operator mode: mint, renew, deliver, revoke (docs/security.md).

A device's user JWT carries exactly `device_permissions` and expires. Before
it does, the controller signs a fresh JWT for the same device key and sends
it on `P.devices.<device>.credentials`, a subject only that device may read;
the device keeps it and uses it on its next connect. The seed never travels.
Revoking a device adds its key to the account's revocations, signed again by
the operator signing key and pushed to the server through the system
account: the server closes the device's connection and refuses it from then
on.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final

import nats.errors

from . import nats_jwt
from .errors import ProtocolError
from .nats_jwt import JwtError
from .operator import OperatorBundle, UserCredentials, user_jwt
from .permissions import device_permissions
from .transport import NatsClient

__all__ = [
    "DEFAULT_LIFETIME",
    "AccountUpdateError",
    "check_renewal",
    "mint_device",
    "parse_renewal",
    "renew_device",
    "renewal_due",
    "renewal_request",
    "revoke_device",
    "secrets_snippet",
]

DEFAULT_LIFETIME: Final = 30 * 24 * 3600
"""Seconds a minted device JWT is valid; renewed when a third of it is left."""
RENEW_AT_LEFT: Final = 1 / 3
ACCOUNT_TIMEOUT: Final = 5.0
"""Seconds to wait for the server's answer to an account lookup or update."""


class AccountUpdateError(Exception):
    """The server did not take the account's new JWT (or could not be asked)."""


def mint_device(
    bundle: OperatorBundle, device_id: str, *, lifetime: int = DEFAULT_LIFETIME, now: int | None = None
) -> UserCredentials:
    """Return new credentials for a device: a new key and a JWT with its permissions."""
    seed = nats_jwt.new_seed("user")
    return UserCredentials(
        renew_device(bundle, device_id, nats_jwt.public_key(seed), lifetime=lifetime, now=now), seed
    )


def renew_device(
    bundle: OperatorBundle,
    device_id: str,
    public: str,
    *,
    lifetime: int = DEFAULT_LIFETIME,
    now: int | None = None,
) -> str:
    """Return a fresh JWT for a device's existing key."""
    issued = int(time.time()) if now is None else now
    return user_jwt(
        bundle.account_signing_seed,
        bundle.account,
        public,
        device_id,
        device_permissions(bundle.prefix, device_id),
        issued_at=issued,
        expires=issued + lifetime,
    )


def renewal_due(expires: int, lifetime: int, now: float | None = None) -> bool:
    """Whether a JWT expiring at `expires` should be renewed now (a third of its lifetime left)."""
    return expires - (time.time() if now is None else now) <= lifetime * RENEW_AT_LEFT


def renewal_request(jwt: str) -> bytes:
    """Return the payload that delivers a renewed JWT to its device."""
    return json.dumps({"v": 1, "jwt": jwt}, separators=(",", ":")).encode()


def parse_renewal(payload: bytes) -> str:
    """Return the JWT a renewal carries; ProtocolError if it carries none."""
    try:
        data = json.loads(payload)
    except ValueError as err:
        raise ProtocolError(f"credentials payload is not JSON: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("jwt"), str):
        raise ProtocolError('credentials payload has no "jwt" string')
    return str(data["jwt"])


def check_renewal(jwt: str, public: str, now: float | None = None) -> dict[str, Any]:
    """Return a renewed JWT's claims if a device with key `public` should keep it; ProtocolError if not."""
    try:
        claims = nats_jwt.decode(jwt)
    except JwtError as err:
        raise ProtocolError(f"credentials: {err}") from err
    if claims["nats"].get("type") != "user":
        raise ProtocolError("credentials: not a user JWT")
    if claims.get("sub") != public:
        raise ProtocolError("credentials: the JWT is for another key")
    expires = claims.get("exp")
    if isinstance(expires, int) and expires <= (time.time() if now is None else now):
        raise ProtocolError("credentials: the JWT has expired")
    return claims


def secrets_snippet(device_id: str, creds: UserCredentials, *, prefix: str = "home") -> str:
    """Return what to put in ESPHome's secrets.yaml and the device's `nats:` block."""
    key = device_id.replace("-", "_")
    return (
        "# secrets.yaml\n"
        f"nats_{key}_nkey_seed: {creds.seed}\n"
        f"nats_{key}_jwt: {creds.jwt}\n"
        "\n"
        "# the device's YAML\n"
        "nats:\n"
        f"  device_id: {device_id}\n"
        f"  prefix: {prefix}\n"
        f"  nkey_seed: !secret nats_{key}_nkey_seed\n"
        f"  jwt: !secret nats_{key}_jwt\n"
    )


async def _account_request(system: NatsClient, subject: str, payload: bytes) -> dict[str, Any]:
    try:
        reply = await system.request(subject, payload, timeout=ACCOUNT_TIMEOUT)
    except (nats.errors.NoRespondersError, TimeoutError) as err:
        raise AccountUpdateError(
            f"the server did not answer on {subject} ({err.__class__.__name__})"
        ) from err
    try:
        answer = json.loads(reply.data)
    except ValueError:
        return {"jwt": reply.data.decode(errors="replace")}  # a lookup answers with the bare JWT
    if not isinstance(answer, dict):
        raise AccountUpdateError(f"unexpected answer on {subject}")
    if "error" in answer:
        error = answer["error"]
        raise AccountUpdateError(str(error.get("description", error) if isinstance(error, dict) else error))
    return answer


async def revoke_device(
    system: NatsClient, bundle: OperatorBundle, public: str, *, at: int | None = None
) -> None:
    """Revoke every JWT of the key `public` issued up to `at` (now): the server closes and refuses it.

    `system` is a connection with the bundle's system user. The account's
    current JWT is looked up, so revocations made earlier (or by `nsc`) are kept.
    """
    account = bundle.account
    current = await _account_request(system, f"$SYS.REQ.ACCOUNT.{account}.CLAIMS.LOOKUP", b"")
    try:
        claims = nats_jwt.decode(str(current.get("jwt", "")))
    except JwtError as err:
        raise AccountUpdateError(f"the server's account JWT does not decode: {err}") from err
    nats_claims = dict(claims["nats"])
    nats_claims.pop("version", None)
    revoked_at = int(time.time()) if at is None else at
    nats_claims["revocations"] = {**nats_claims.get("revocations", {}), public: revoked_at}
    # The server keeps an account JWT only if it is newer: never issue one older than the current.
    issued = max(int(time.time()), int(claims.get("iat", 0)) + 1)
    updated = nats_jwt.encode(
        bundle.operator_signing_seed, account, str(claims.get("name", "")), nats_claims, issued_at=issued
    )
    answer = await _account_request(system, f"$SYS.REQ.ACCOUNT.{account}.CLAIMS.UPDATE", updated.encode())
    code = answer.get("data", {}).get("code") if isinstance(answer.get("data"), dict) else None
    if code != 200:
        raise AccountUpdateError(f"the server did not take the account update: {answer.get('data', answer)}")
