"""The entry's unique id: servers, prefix and who Home Assistant is on the server."""

from __future__ import annotations

import hashlib
from typing import Any

from homeassistant.const import CONF_PASSWORD, CONF_USERNAME

from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TOKEN,
)
from custom_components.nats.entry_identity import entry_unique_id
from custom_components.nats.protocol import nats_jwt
from custom_components.nats.protocol.operator import UserCredentials, user_jwt
from custom_components.nats.protocol.permissions import Permissions

BASE = {CONF_SERVERS: ["nats://b:4222", "nats://a:4222"], CONF_PREFIX: "home"}


def _uid(method: str, **credentials: Any) -> str:
    return entry_unique_id({**BASE, CONF_AUTH_METHOD: method, **credentials})


def test_without_authentication_servers_and_prefix() -> None:
    assert _uid("none") == "nats://a:4222,nats://b:4222/home"


def test_user_name_but_never_the_password() -> None:
    uid = _uid("userpass", **{CONF_USERNAME: "flat-a", CONF_PASSWORD: "secret"})
    assert uid == "nats://a:4222,nats://b:4222/home@user:flat-a"
    assert _uid("userpass", **{CONF_USERNAME: "flat-a", CONF_PASSWORD: "other"}) == uid


def test_token_as_a_hash() -> None:
    uid = _uid("token", **{CONF_TOKEN: "s3cret"})
    assert "s3cret" not in uid
    assert uid.endswith(f"@token:{hashlib.sha256(b's3cret').hexdigest()[:16]}")


def test_nkey_public_key() -> None:
    seed = nats_jwt.new_seed("user")
    assert _uid("nkey", **{CONF_NKEY_SEED: seed}).endswith(f"@nkey:{nats_jwt.public_key(seed)}")


def test_creds_account_two_users_of_one_account_are_one_home() -> None:
    """A .creds file names its account: two users of the same account and prefix are the same home."""
    account_seed = nats_jwt.new_seed("account")
    account = nats_jwt.public_key(account_seed)

    def creds() -> str:
        seed = nats_jwt.new_seed("user")
        jwt = user_jwt(account_seed, account, nats_jwt.public_key(seed), "ha", Permissions((), ()))
        return UserCredentials(jwt, seed).creds_file()

    first, second = _uid("creds", **{CONF_CREDENTIALS: creds()}), _uid("creds", **{CONF_CREDENTIALS: creds()})
    assert first == second == f"nats://a:4222,nats://b:4222/home@account:{account}"
