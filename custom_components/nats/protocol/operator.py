"""Operator (JWT) mode: a home's keys, the server configuration, and what Home Assistant keeps.

In operator mode nats-server trusts an operator key; the operator signs the
home's account; the account's signing key signs one user per device and one
for Home Assistant. Home Assistant keeps an `OperatorBundle`: its own user,
the account signing key (to mint and renew device users), an operator
signing key (to sign the account again with a revocation) and a
system-account user allowed only to look up and update the home's account
(to push that revocation to the server). The operator and account identity
keys stay with whoever ran `nats-home-operator` (docs/security.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
from typing import Any, Final

from . import nats_jwt
from .nats_jwt import JwtError
from .permissions import Permissions, home_assistant_permissions
from .subjects import Subjects, is_valid_prefix

__all__ = [
    "BUNDLE_KIND",
    "HomeSetup",
    "OperatorBundle",
    "UserCredentials",
    "account_claims",
    "create_home",
    "parse_creds",
    "user_jwt",
]

BUNDLE_KIND: Final = "nats-home-operator-bundle"
CREDS_JWT: Final = ("-----BEGIN NATS USER JWT-----", "------END NATS USER JWT------")
CREDS_SEED: Final = ("-----BEGIN USER NKEY SEED-----", "------END USER NKEY SEED------")
UNLIMITED: Final = {
    "subs": -1,
    "data": -1,
    "payload": -1,
    "imports": -1,
    "exports": -1,
    "wildcards": True,
    "conn": -1,
    "leaf": -1,
}
JETSTREAM_UNLIMITED: Final = {
    "mem_storage": -1,
    "disk_storage": -1,
    "streams": -1,
    "consumer": -1,
    "max_ack_pending": -1,
    "mem_max_stream_bytes": -1,
    "disk_max_stream_bytes": -1,
    "max_bytes_required": False,
}


@dataclass(frozen=True, slots=True)
class UserCredentials:
    """A user's JWT and the NKey seed that proves it: what a .creds file holds."""

    jwt: str
    seed: str

    @property
    def public_key(self) -> str:
        """The user's public key (the JWT's subject)."""
        return nats_jwt.public_key(self.seed)

    def creds_file(self) -> str:
        """Return the text of a .creds file, as `nsc` writes it."""
        return (
            f"{CREDS_JWT[0]}\n{self.jwt}\n{CREDS_JWT[1]}\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            f"{CREDS_SEED[0]}\n{self.seed}\n{CREDS_SEED[1]}\n"
        )


def parse_creds(text: str) -> UserCredentials:
    """Return the JWT and seed of a .creds file's text; JwtError if it is not one."""

    def block(markers: tuple[str, str]) -> str:
        start, end = text.find(markers[0]), text.find(markers[1])
        if start < 0 or end < start:
            raise JwtError(f"not a .creds file: no {markers[0].strip('-')} block")
        return text[start + len(markers[0]) : end].strip()

    creds = UserCredentials(block(CREDS_JWT), block(CREDS_SEED))
    if nats_jwt.decode(creds.jwt).get("sub") != creds.public_key:
        raise JwtError("the .creds file's JWT is not for its seed")
    return creds


def account_claims(signing_key: str | None, *, jetstream: bool = True) -> dict[str, Any]:
    """Return the `nats` claim of an account: no limits, JetStream on or off, a signing key or none."""
    return {
        "type": "account",
        "limits": {**UNLIMITED, **(JETSTREAM_UNLIMITED if jetstream else {})},
        "signing_keys": [signing_key] if signing_key else [],
        "default_permissions": {"pub": {}, "sub": {}},
    }


def user_jwt(
    signing_seed: str,
    account: str,
    user: str,
    name: str,
    permissions: Permissions,
    *,
    expires: int | None = None,
    issued_at: int | None = None,
) -> str:
    """Return a user JWT for the public key `user`, signed by the account's key or a signing key of it."""
    claims: dict[str, Any] = {
        "type": "user",
        "subs": -1,
        "data": -1,
        "payload": -1,
        **permissions.as_jwt_claims(),
    }
    if nats_jwt.public_key(signing_seed) != account:
        claims["issuer_account"] = account  # signed by a signing key: name the account it signs for
    return nats_jwt.encode(signing_seed, user, name, claims, issued_at=issued_at, expires=expires)


def _new_user(signing_seed: str, account: str, name: str, permissions: Permissions) -> UserCredentials:
    seed = nats_jwt.new_seed("user")
    return UserCredentials(
        user_jwt(signing_seed, account, nats_jwt.public_key(seed), name, permissions), seed
    )


@dataclass(frozen=True, slots=True)
class OperatorBundle:
    """What Home Assistant keeps in its config entry to run a home in operator mode."""

    prefix: str
    account: str
    account_signing_seed: str
    operator_signing_seed: str
    home_assistant: UserCredentials
    system: UserCredentials

    def to_json(self) -> str:
        """Return the bundle as the text a user pastes into Home Assistant."""
        return json.dumps({"kind": BUNDLE_KIND, **asdict(self)}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> OperatorBundle:
        """Return the bundle in `text`; JwtError naming what is wrong if it is not a valid one."""
        try:
            data = json.loads(text)
        except ValueError as err:
            raise JwtError(f"not JSON ({err})") from err
        if not isinstance(data, dict) or data.get("kind") != BUNDLE_KIND:
            raise JwtError(f'not a NATS Home operator bundle (no "kind": "{BUNDLE_KIND}")')
        try:
            bundle = cls(
                prefix=str(data["prefix"]),
                account=str(data["account"]),
                account_signing_seed=str(data["account_signing_seed"]),
                operator_signing_seed=str(data["operator_signing_seed"]),
                home_assistant=_user(data["home_assistant"], "home_assistant"),
                system=_user(data["system"], "system"),
            )
        except (KeyError, TypeError) as err:
            raise JwtError(f"the bundle lacks {err}") from err
        bundle.check()
        return bundle

    def check(self) -> None:
        """Raise JwtError unless every key is of its kind and every JWT is signed and for its seed."""
        # Not Subjects(prefix): its ProtocolError would escape callers that expect JwtError.
        if not is_valid_prefix(self.prefix):
            raise JwtError(f"prefix {self.prefix!r} is not a valid subject prefix")
        if not nats_jwt.public_key(self.account_signing_seed).startswith("A"):
            raise JwtError("account_signing_seed is not an account key")
        if not nats_jwt.public_key(self.operator_signing_seed).startswith("O"):
            raise JwtError("operator_signing_seed is not an operator key")
        for name, creds in (("home_assistant", self.home_assistant), ("system", self.system)):
            claims = nats_jwt.decode(creds.jwt)
            if claims.get("sub") != creds.public_key:
                raise JwtError(f"{name}: the JWT is not for its seed")
        if nats_jwt.decode(self.home_assistant.jwt)["nats"].get("issuer_account") != self.account:
            raise JwtError("home_assistant: the user is not of the bundle's account")


def _user(data: Any, name: str) -> UserCredentials:
    """Return a user of a bundle's JSON; JwtError unless it is {"jwt": str, "seed": str}."""
    if not isinstance(data, dict) or not all(isinstance(data.get(part), str) for part in ("jwt", "seed")):
        raise JwtError(f'{name}: expected an object with the strings "jwt" and "seed"')
    return UserCredentials(data["jwt"], data["seed"])


@dataclass(frozen=True, slots=True)
class HomeSetup:
    """Everything `create_home` made: identity keys, signed JWTs, and Home Assistant's bundle."""

    operator_seed: str
    operator_jwt: str
    system_account_seed: str
    system_account_jwt: str
    account_seed: str
    account_jwt: str
    bundle: OperatorBundle

    @property
    def system_account(self) -> str:
        """The system account's public key."""
        return nats_jwt.public_key(self.system_account_seed)

    def server_config(self, resolver_dir: str, *, jetstream_dir: str | None = None, port: int = 4222) -> str:
        """Return a complete nats-server configuration for this home.

        The resolver is nats-server's own (`full`): it keeps account JWTs in
        `resolver_dir` and accepts updated ones from the system account,
        which is how a revocation reaches the server.
        """
        store = f'jetstream {{ store_dir: "{jetstream_dir}" }}\n' if jetstream_dir else ""
        return (
            "# NATS Home in operator mode (docs/security.md); generated by nats-home-operator.\n"
            f"port: {port}\n"
            f"{store}"
            f"operator: {self.operator_jwt}\n"
            f"system_account: {self.system_account}\n"
            "resolver: {\n"
            "  type: full\n"
            f'  dir: "{resolver_dir}"\n'
            "  allow_delete: false\n"
            '  interval: "2m"\n'
            '  timeout: "1.9s"\n'
            "}\n"
            "resolver_preload: {\n"
            f"  {self.system_account}: {self.system_account_jwt}\n"
            f"  {self.bundle.account}: {self.account_jwt}\n"
            "}\n"
        )


def system_user_permissions(account: str) -> Permissions:
    """Home Assistant's system-account user: look up and update the home's account, nothing else."""
    return Permissions(
        publish=(f"$SYS.REQ.ACCOUNT.{account}.CLAIMS.LOOKUP", f"$SYS.REQ.ACCOUNT.{account}.CLAIMS.UPDATE"),
        subscribe=("_INBOX.>",),
    )


def create_home(prefix: str = "home", *, name: str = "home", ha_user: str = "homeassistant") -> HomeSetup:
    """Return fresh keys and JWTs for a home in operator mode."""
    Subjects(prefix)
    operator_seed, operator_signing = nats_jwt.new_seed("operator"), nats_jwt.new_seed("operator")
    system_seed = nats_jwt.new_seed("account")
    account_seed, account_signing = nats_jwt.new_seed("account"), nats_jwt.new_seed("account")
    system, account = nats_jwt.public_key(system_seed), nats_jwt.public_key(account_seed)
    operator_jwt = nats_jwt.encode(
        operator_seed,
        nats_jwt.public_key(operator_seed),
        f"{name}-operator",
        {
            "type": "operator",
            "signing_keys": [nats_jwt.public_key(operator_signing)],
            "system_account": system,
        },
    )
    # Home Assistant's system user is signed by the system account's own key, so it needs no signing key.
    system_jwt = nats_jwt.encode(operator_signing, system, "SYS", account_claims(None, jetstream=False))
    account_jwt = nats_jwt.encode(
        operator_signing, account, name, account_claims(nats_jwt.public_key(account_signing))
    )
    home_assistant_perms = home_assistant_permissions(prefix)
    bundle = OperatorBundle(
        prefix=prefix,
        account=account,
        account_signing_seed=account_signing,
        operator_signing_seed=operator_signing,
        home_assistant=_new_user(account_signing, account, ha_user, home_assistant_perms),
        system=_new_user(system_seed, system, f"{ha_user}-system", system_user_permissions(account)),
    )
    return HomeSetup(
        operator_seed=operator_seed,
        operator_jwt=operator_jwt,
        system_account_seed=system_seed,
        system_account_jwt=system_jwt,
        account_seed=account_seed,
        account_jwt=account_jwt,
        bundle=bundle,
    )
