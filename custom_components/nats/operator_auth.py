"""Operator (JWT) mode: the bundle an entry keeps, and connecting with a user of it.

The bundle's users are handed to nats-py as callbacks, never as a file: the
seeds live only in the config entry (not the configuration folder, a backup
or a log).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import nkeys

from .const import (
    AUTH_OPERATOR,
    CONF_AUTH_METHOD,
    CONF_CREDENTIAL_LIFETIME,
    CONF_OPERATOR_BUNDLE,
)
from .protocol.credentials import DEFAULT_LIFETIME
from .protocol.nats_jwt import JwtError
from .protocol.operator import OperatorBundle, UserCredentials


def is_operator_mode(data: Mapping[str, Any]) -> bool:
    """Return whether an entry's data is for a home in operator mode."""
    return data.get(CONF_AUTH_METHOD) == AUTH_OPERATOR and bool(data.get(CONF_OPERATOR_BUNDLE))


def bundle_of(data: Mapping[str, Any]) -> OperatorBundle:
    """Return the operator bundle an entry keeps (checked when it was entered)."""
    return OperatorBundle.from_json(str(data[CONF_OPERATOR_BUNDLE]))


def credential_lifetime(options: Mapping[str, Any]) -> int:
    """Return the seconds a newly minted or renewed device JWT is valid."""
    return int(options.get(CONF_CREDENTIAL_LIFETIME, DEFAULT_LIFETIME))


def jwt_auth(creds: UserCredentials) -> dict[str, Any]:
    """Return nats-py connect() options that authenticate as `creds` from memory."""
    key = nkeys.from_seed(creds.seed.encode())
    jwt = creds.jwt.encode()

    def _sign(nonce: str) -> bytes:
        return base64.b64encode(key.sign(nonce.encode()))

    return {"user_jwt_cb": lambda: jwt, "signature_cb": _sign}


def check_bundle(user_input: dict[str, Any], account: str | None) -> OperatorBundle | dict[str, str]:
    """Return the pasted operator bundle, or the form's error.

    `account` is the home an existing entry serves: a bundle of another home
    would leave every device it provisioned without renewal or revocation.
    Nothing of the bundle is logged, not even why it was refused. (The
    config flow's check, kept here with the rest of operator mode.)
    """
    try:
        bundle = OperatorBundle.from_json(user_input[CONF_OPERATOR_BUNDLE])
    except JwtError:
        return {CONF_OPERATOR_BUNDLE: "invalid_operator_bundle"}
    if account is not None and bundle.account != account:
        return {CONF_OPERATOR_BUNDLE: "operator_other_home"}
    return bundle


def home_account(data: Mapping[str, Any]) -> str | None:
    """Return the account of the home an entry's data serves in operator mode, else None."""
    if not is_operator_mode(data):
        return None
    try:
        return OperatorBundle.from_json(data[CONF_OPERATOR_BUNDLE]).account
    except JwtError:
        return None
