"""Authentication options of the nats: block: an NKey seed, a user JWT, or a .creds file with both.

Checked here as far as the YAML allows (the seed's checksum, the JWT's kind,
expiry and size, the two belonging together, the buffers holding CONNECT
and a renewal); the firmware signs the server's nonce itself (nats_nkey.cpp).
"""

import base64
import binascii
import json
from pathlib import Path
import re
import time

import esphome.config_validation as cv
from esphome.const import CONF_RX_BUFFER_SIZE, CONF_TX_BUFFER_SIZE
from esphome.core import CORE

CONF_NKEY_SEED = "nkey_seed"
CONF_JWT = "jwt"
CONF_CREDENTIALS = "credentials"

# The longest user JWT the firmware keeps (MAX_JWT_LEN in nats_nkey.h).
MAX_JWT_LEN = 2048
# CONNECT without its JWT: the fixed fields, a 64-character name, the
# signature and the JSON around them, with room to spare.
CONNECT_BASE_LEN = 512
# A renewal of the JWT (docs/protocol.md, "Credentials") is one message: the
# JWT in a little JSON, with room for a renewed JWT a little longer.
RENEWAL_MARGIN = 256


def _crc16(data: bytes) -> int:
    """CRC-16/XMODEM, the checksum of NKeys."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def _nkey_user_seed_bytes(value: str) -> bytes:
    """Return the Ed25519 seed of an NKey user seed (SU...); cv.Invalid says what is wrong."""
    if not value.startswith("SU") or len(value) != 58:
        kind = {"SA": "an account", "SO": "an operator"}.get(value[:2])
        what = f"this is {kind} seed" if kind else f"got {len(value)} characters starting {value[:2]!r}"
        raise cv.Invalid(f"nkey_seed must be an NKey user seed: 58 characters starting 'SU' ({what})")
    try:
        raw = base64.b32decode(value + "======")
    except binascii.Error as err:
        raise cv.Invalid(f"nkey_seed is not valid base32: {err}") from err
    if len(raw) != 36 or _crc16(raw[:-2]) != int.from_bytes(raw[-2:], "little"):
        raise cv.Invalid("nkey_seed has a wrong checksum: it was mistyped or cut")
    return raw[2:34]


def nkey_seed(value):
    """Validate an NKey user seed."""
    value = cv.string_strict(value).strip()
    _nkey_user_seed_bytes(value)
    return value


def _user_public_key(seed: str) -> str | None:
    """Return the U... public key of a user seed (None without the cryptography package)."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415
    except ImportError:
        return None
    public = Ed25519PrivateKey.from_private_bytes(_nkey_user_seed_bytes(seed)).public_key().public_bytes_raw()
    raw = bytes([20 << 3]) + public
    raw += _crc16(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


def _b64url_json(part: str) -> dict:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError) as err:
        raise cv.Invalid(f"jwt is not a JWT: a part does not decode ({err})") from err
    if not isinstance(value, dict):
        raise cv.Invalid("jwt is not a JWT: a part is not a JSON object")
    return value


def user_jwt(value):
    """Validate a NATS user JWT: its shape, its bound, its kind and that it has not expired."""
    value = cv.string_strict(value).strip()
    if len(value) > MAX_JWT_LEN:
        raise cv.Invalid(f"jwt is {len(value)} characters long; the device keeps at most {MAX_JWT_LEN}")
    parts = value.split(".")
    if len(parts) != 3 or not all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts):
        raise cv.Invalid("jwt is not a JWT: expected three base64url parts separated by dots")
    header, claims = _b64url_json(parts[0]), _b64url_json(parts[1])
    if header.get("alg") not in ("ed25519-nkey", "ed25519"):
        raise cv.Invalid(f"jwt is not a NATS JWT (alg {header.get('alg')!r}, expected ed25519-nkey)")
    kind = claims.get("nats", {}).get("type") if isinstance(claims.get("nats"), dict) else None
    if kind not in (None, "user") or not str(claims.get("sub", "")).startswith("U"):
        raise cv.Invalid(
            f"jwt must be a user JWT (this one is of type {kind!r}): "
            "take the one from the device's .creds file"
        )
    expires = claims.get("exp")
    if isinstance(expires, int) and expires < time.time():
        raise cv.Invalid(f"jwt expired at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(expires))}")
    return value


CREDS_RE = re.compile(r"-{3,}[^\n]*-{3,}\r?\n([\w\-.=]+)\r?\n-{3,}[^\n]*-{3,}")


def credentials_file(value):
    """Read a .creds file (as nsc or Home Assistant write them): its JWT and seed, validated."""
    value = cv.string_strict(value)
    path = Path(CORE.relative_config_path(value))
    try:
        text = path.read_text()
    except OSError as err:
        raise cv.Invalid(f"cannot read the credentials file {path}: {err.strerror}") from err
    blocks = CREDS_RE.findall(text)
    if len(blocks) < 2:
        raise cv.Invalid(f"{path} is not a .creds file: expected a user JWT block and a user NKey seed block")
    return {CONF_JWT: user_jwt(blocks[0]), CONF_NKEY_SEED: nkey_seed(blocks[1])}


def credentials(config):
    """credentials: becomes jwt: + nkey_seed:; the JWT must belong to the seed and fit CONNECT."""
    if CONF_CREDENTIALS in config:
        config.update(config.pop(CONF_CREDENTIALS))
    if CONF_JWT not in config:
        return config
    if CONF_NKEY_SEED not in config:
        raise cv.Invalid(
            "jwt needs the user's nkey_seed to sign with (or use credentials: with a .creds file)",
            path=[CONF_NKEY_SEED],
        )
    subject = json.loads(base64.urlsafe_b64decode(config[CONF_JWT].split(".")[1] + "==="))["sub"]
    public = _user_public_key(config[CONF_NKEY_SEED])
    if public is not None and public != subject:
        raise cv.Invalid(
            f"the jwt is for the user {subject}, but nkey_seed is the key of {public}: "
            "they must come from the same .creds file",
            path=[CONF_JWT],
        )
    tx = config.get(CONF_TX_BUFFER_SIZE, 2048)
    if tx < len(config[CONF_JWT]) + CONNECT_BASE_LEN:
        raise cv.Invalid(
            f"CONNECT with this {len(config[CONF_JWT])}-character JWT needs tx_buffer_size: "
            f"{len(config[CONF_JWT]) + CONNECT_BASE_LEN} or more",
            path=[CONF_TX_BUFFER_SIZE],
        )
    rx = config.get(CONF_RX_BUFFER_SIZE, 2048)
    if rx < len(config[CONF_JWT]) + RENEWAL_MARGIN:
        raise cv.Invalid(
            f"renewals of this {len(config[CONF_JWT])}-character JWT need rx_buffer_size: "
            f"{len(config[CONF_JWT]) + RENEWAL_MARGIN} or more",
            path=[CONF_RX_BUFFER_SIZE],
        )
    return config
