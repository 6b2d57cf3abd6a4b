"""Constants of the NATS Home integration."""

from typing import Final

DOMAIN: Final = "nats"

CONF_SERVERS: Final = "servers"
CONF_PREFIX: Final = "prefix"
CONF_AUTH_METHOD: Final = "auth_method"
CONF_TOKEN: Final = "token"
CONF_NKEY_SEED: Final = "nkey_seed"
CONF_CREDENTIALS: Final = "credentials"
CONF_TLS_CA: Final = "tls_ca"
CONF_TLS_CLIENT_CERT: Final = "tls_client_cert"
CONF_TLS_CLIENT_KEY: Final = "tls_client_key"
CONF_COMMAND_TIMEOUT: Final = "command_timeout"
CONF_REPLICAS: Final = "replicas"
CONF_OPERATOR_BUNDLE: Final = "operator_bundle"
CONF_CREDENTIAL_LIFETIME: Final = "credential_lifetime"
"""Seconds a device JWT minted in operator mode is valid (the options flow shows days)."""
CONF_MONITORING_URL: Final = "monitoring_url"
"""nats-server's monitoring endpoint (http://host:8222): the server's health in Home Assistant."""

AUTH_NONE: Final = "none"
AUTH_USERPASS: Final = "userpass"
AUTH_TOKEN: Final = "token"
AUTH_NKEY: Final = "nkey"
AUTH_CREDS: Final = "creds"
AUTH_OPERATOR: Final = "operator"
"""Operator (JWT) mode: Home Assistant holds the home's account signing key and mints device users."""
AUTH_METHODS: Final = (AUTH_NONE, AUTH_USERPASS, AUTH_TOKEN, AUTH_NKEY, AUTH_CREDS, AUTH_OPERATOR)

DEFAULT_PREFIX: Final = "home"
DEFAULT_COMMAND_TIMEOUT: Final = 2.0
DEFAULT_REPLICAS: Final = 1
AVAILABILITY_FACTOR: Final = 2.5
"""Default heartbeat tolerance: a device is unavailable after this many heartbeat intervals of silence."""
CONF_HEARTBEAT_TOLERANCE: Final = "heartbeat_tolerance"
CONF_DEVICE_OPTIONS: Final = "device_options"
"""Per-device overrides of the command timeout and heartbeat tolerance: {device id: {option: value}}."""
