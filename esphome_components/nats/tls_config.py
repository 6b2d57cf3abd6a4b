"""TLS options of the nats: block, named as ESPHome's own mqtt names them.

certificate_authority turns TLS on for every server; the firmware's mbedTLS
session (nats_tls.cpp) checks the server's certificate against it.
"""

import esphome.codegen as cg
import esphome.config_validation as cv
from esphome.const import (
    CONF_CERTIFICATE_AUTHORITY,
    CONF_CLIENT_CERTIFICATE,
    CONF_CLIENT_CERTIFICATE_KEY,
    CONF_SERVERS,
    CONF_SKIP_CERT_CN_CHECK,
)
from esphome.core import CORE

# Set by server() on a tls:// URL, so that one without certificate_authority
# is refused instead of silently speaking plain text.
TLS_SCHEME = "tls_scheme"

ESP8266_REASON = (
    "TLS is not available on ESP8266: mbedTLS needs a 16 KB receive record buffer "
    "(nats-server, written in Go, does not negotiate smaller records) plus the handshake's "
    "working memory, more than an ESP8266 running Wi-Fi and ESPHome has free; and its "
    "Arduino core ships BearSSL, not mbedTLS (ESPHome's own mqtt TLS options are ESP32-only too). "
    "Use a plain nats:// listener on a trusted network, or a leaf node next to the device "
    "(docs/esphome.md, TLS)"
)


def _supported_platform(value):
    if CORE.is_esp8266:
        raise cv.Invalid(ESP8266_REASON)
    if not (CORE.is_esp32 or CORE.is_host):
        raise cv.Invalid("TLS is available on ESP32 (ESP-IDF or Arduino) and the host platform only")
    return value


def _load_certificates(pem: str, what: str):
    try:
        from cryptography import x509  # noqa: PLC0415 (ESPHome depends on it; only TLS needs it)
    except ImportError:
        return None
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as err:
        raise cv.Invalid(f"{what} is not a PEM certificate: {err}") from err
    return certificates


def certificate(what: str):
    """Validate PEM text holding one or more X.509 certificates."""

    def validator(value):
        value = cv.string_strict(value).strip() + "\n"
        if "-----BEGIN CERTIFICATE-----" not in value:
            raise cv.Invalid(
                f"{what} must be the PEM text of a certificate (-----BEGIN CERTIFICATE----- ...), "
                "not a file name"
            )
        _load_certificates(value, what)
        return value

    return validator


def private_key(value):
    """Validate an unencrypted PEM private key of a kind mbedTLS uses (EC or RSA)."""
    value = cv.string_strict(value).strip() + "\n"
    if "-----BEGIN" not in value or "PRIVATE KEY-----" not in value:
        raise cv.Invalid("client_certificate_key must be the PEM text of a private key")
    try:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415
    except ImportError:
        return value
    try:
        key = serialization.load_pem_private_key(value.encode(), password=None)
    except TypeError as err:
        raise cv.Invalid(
            "client_certificate_key is encrypted: the device needs it without a password"
        ) from err
    except ValueError as err:
        raise cv.Invalid(f"client_certificate_key is not a PEM private key: {err}") from err
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise cv.Invalid(
            "client_certificate_key must be an EC or RSA key (mbedTLS has no Ed25519 certificates)"
        )
    return value


def _key_matches(config):
    if CONF_CLIENT_CERTIFICATE not in config:
        return config
    certificates = _load_certificates(config[CONF_CLIENT_CERTIFICATE], CONF_CLIENT_CERTIFICATE)
    if certificates is None:
        return config
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    key = serialization.load_pem_private_key(config[CONF_CLIENT_CERTIFICATE_KEY].encode(), password=None)
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if certificates[0].public_key().public_bytes(*public) != key.public_key().public_bytes(*public):
        raise cv.Invalid(
            "client_certificate_key is not the key of client_certificate "
            "(the certificate's public key differs)",
            path=[CONF_CLIENT_CERTIFICATE_KEY],
        )
    return config


TLS_SCHEMA = {
    cv.Optional(CONF_CERTIFICATE_AUTHORITY): cv.All(
        _supported_platform, certificate(CONF_CERTIFICATE_AUTHORITY)
    ),
    cv.Optional(CONF_CLIENT_CERTIFICATE): cv.All(_supported_platform, certificate(CONF_CLIENT_CERTIFICATE)),
    cv.Optional(CONF_CLIENT_CERTIFICATE_KEY): cv.sensitive(cv.All(_supported_platform, private_key)),
    cv.Optional(CONF_SKIP_CERT_CN_CHECK): cv.All(_supported_platform, cv.boolean),
}


def validate_tls(config):
    """Check that the TLS options go together: the others and tls:// need certificate_authority."""
    tls_servers = [s for s in config.get(CONF_SERVERS, []) if s.pop(TLS_SCHEME, False)]
    pair = (CONF_CLIENT_CERTIFICATE, CONF_CLIENT_CERTIFICATE_KEY)
    for key, other in (pair, pair[::-1]):
        if key in config and other not in config:
            raise cv.Invalid(
                f"{key} needs {other}: the certificate and its private key go together", path=[key]
            )
    if CONF_CERTIFICATE_AUTHORITY not in config:
        for key in (CONF_CLIENT_CERTIFICATE, CONF_SKIP_CERT_CN_CHECK):
            if key in config:
                raise cv.Invalid(f"{key} needs certificate_authority: (which turns TLS on)", path=[key])
        if tls_servers:
            raise cv.Invalid(
                "tls:// servers need certificate_authority: the CA that signed the server's certificate",
                path=[CONF_SERVERS],
            )
        return config
    return _key_matches(config)


def tls_to_code(var, config):
    """TLS in the firmware: always on the host (its environment may ask for it), else when configured."""
    if CORE.is_host:
        cg.add_define("USE_NATS_TLS")
        # Debian's libmbedtls-dev (scripts/setup-esphome); one entry keeps the link order.
        cg.add_build_flag("-lmbedtls -lmbedx509 -lmbedcrypto")
    if CONF_CERTIFICATE_AUTHORITY not in config:
        return
    if CORE.is_esp32:
        from esphome.components.esp32 import require_mbedtls_tls  # noqa: PLC0415

        # ESPHome compiles mbedTLS's TLS layer out unless a component asks for it.
        require_mbedtls_tls()
        cg.add_define("USE_NATS_TLS")
    cg.add(var.set_certificate_authority(config[CONF_CERTIFICATE_AUTHORITY]))
    if CONF_CLIENT_CERTIFICATE in config:
        cert, key = config[CONF_CLIENT_CERTIFICATE], config[CONF_CLIENT_CERTIFICATE_KEY]
        cg.add(var.set_client_certificate(cert, key))
    cg.add(var.set_skip_cert_cn_check(config.get(CONF_SKIP_CERT_CN_CHECK, False)))
