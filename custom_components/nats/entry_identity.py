"""The unique id of a config entry: which home on which server, as whom.

Servers and prefix alone cannot tell two accounts apart: two homes in two
accounts of one server may both use the prefix `home` (their subject spaces
are separate), and both belong in one Home Assistant. So the unique id also
holds the identity Home Assistant authenticates with, as far as it can be
known without asking the server: the account of a JWT (operator bundle or
.creds file), the public key of an NKey, the user name, or a hash of a
token (never the token itself). The same home entered twice, with the same
identity, is still refused as a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
from typing import Any

from homeassistant.const import CONF_USERNAME

from .const import (
    AUTH_CREDS,
    AUTH_NKEY,
    AUTH_OPERATOR,
    AUTH_TOKEN,
    AUTH_USERPASS,
    CONF_AUTH_METHOD,
    CONF_CREDENTIALS,
    CONF_NKEY_SEED,
    CONF_OPERATOR_BUNDLE,
    CONF_PREFIX,
    CONF_SERVERS,
    CONF_TOKEN,
)
from .protocol import nats_jwt
from .protocol.nats_jwt import JwtError
from .protocol.operator import OperatorBundle, parse_creds


def entry_unique_id(data: Mapping[str, Any]) -> str:
    """Return `servers/prefix`, followed by `@identity` when Home Assistant authenticates."""
    base = f"{','.join(sorted(data[CONF_SERVERS]))}/{data[CONF_PREFIX]}"
    identity = authenticated_identity(data)
    return f"{base}@{identity}" if identity else base


def authenticated_identity(data: Mapping[str, Any]) -> str | None:
    """Return who Home Assistant is on the server, or None without authentication."""
    method = data.get(CONF_AUTH_METHOD)
    try:
        if method == AUTH_OPERATOR:
            return f"account:{OperatorBundle.from_json(data[CONF_OPERATOR_BUNDLE]).account}"
        if method == AUTH_CREDS:
            claims = nats_jwt.decode(parse_creds(data[CONF_CREDENTIALS]).jwt, verify=False)
            account = claims["nats"].get("issuer_account") or claims["iss"]
            return f"account:{account}"
        if method == AUTH_NKEY:
            return f"nkey:{nats_jwt.public_key(data[CONF_NKEY_SEED])}"
    except (JwtError, KeyError):
        return None  # refused by the flow before it gets here; an old entry keeps its base id
    if method == AUTH_USERPASS:
        return f"user:{data[CONF_USERNAME]}"
    if method == AUTH_TOKEN:
        return f"token:{hashlib.sha256(data[CONF_TOKEN].encode()).hexdigest()[:16]}"
    return None
