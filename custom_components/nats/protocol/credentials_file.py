"""A device's own credentials in operator mode: its .creds file, and the renewed JWTs it keeps.

Home Assistant mints a device's user (an NKey seed and a JWT) and later sends
it fresh JWTs for the same key (docs/protocol.md, Credentials). The device
connects with `DeviceCredentials.connect_options()`, which hand nats-py the
JWT it holds *now* at every (re)connect, and keeps each accepted renewal in
its .creds file, so a restarted device connects with the newest JWT too.
"""

from __future__ import annotations

import base64
import contextlib
import os
from pathlib import Path
import tempfile
from typing import Any

import nkeys

from .credentials import check_renewal, parse_renewal
from .errors import ProtocolError
from .operator import UserCredentials, parse_creds

__all__ = ["DeviceCredentials"]


class DeviceCredentials:
    """The seed and current JWT of one device, from a .creds file (kept up to date) or given."""

    def __init__(self, creds: UserCredentials, path: Path | None = None) -> None:
        """Hold `creds`; with `path`, renewals are written back to that .creds file."""
        self._creds = creds
        self.path = path
        self.public_key = creds.public_key
        """The device's user key: a renewal must be for it."""
        self._key = nkeys.from_seed(creds.seed.encode())

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> DeviceCredentials:
        """Read a .creds file (as Home Assistant or `nsc` writes it); JwtError if it is not one."""
        file = Path(path)
        return cls(parse_creds(file.read_text(encoding="utf-8")), file)

    @property
    def jwt(self) -> str:
        """The JWT the device connects with next."""
        return self._creds.jwt

    def connect_options(self) -> dict[str, Any]:
        """Return `nats.connect()` keyword arguments that authenticate with these credentials.

        nats-py asks for the JWT at every (re)connect, so a renewal kept
        meanwhile is used from the next connect on without a new client.
        """
        return {"user_jwt_cb": self._current_jwt, "signature_cb": self._sign}

    def accept(self, payload: bytes, now: float | None = None) -> dict[str, Any]:
        """Keep the JWT a renewal carries if it is for this device; return its claims.

        ProtocolError (the device's reply error) if the payload carries no JWT
        for this key, if it has expired, or if it cannot be stored; the
        current JWT then stays.
        """
        jwt = parse_renewal(payload)
        claims = check_renewal(jwt, self.public_key, now)
        self.store(jwt)
        return claims

    def store(self, jwt: str) -> None:
        """Use `jwt` from now on, and write it to the .creds file if there is one.

        The file is replaced atomically (a new file, then a rename), so a
        crash leaves the old credentials or the new ones, never half a file.
        """
        renewed = UserCredentials(jwt, self._creds.seed)
        if self.path is not None:
            try:
                _write_private(self.path, renewed.creds_file())
            except OSError as err:
                raise ProtocolError(f"cannot store the credentials: {err.strerror or err}") from err
        self._creds = renewed

    def _current_jwt(self) -> bytes:
        return self._creds.jwt.encode()

    def _sign(self, nonce: str) -> bytes:
        return base64.b64encode(self._key.sign(nonce.encode()))


def _write_private(path: Path, text: str) -> None:
    """Replace `path` with `text`, readable by its owner only (0600), atomically."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:  # mkstemp creates it 0600
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
