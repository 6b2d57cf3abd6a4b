"""The nats: block's TLS options through ESPHome itself: accepted where TLS runs, refused with a reason elsewhere.

The TLS example (examples/esphome/esp32-idf-tls.yaml) passes `esphome config`
and `--only-generate` with the other examples (test_config.py); here its
generated code and ESP-IDF configuration are checked for TLS.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from ..certs import TestPki, make_pki
from .conftest import BUILD_DIR, EXAMPLES
from .test_config import COMPONENTS, check_config, esphome

pytestmark = pytest.mark.timeout(600)

ESP8266 = """
esphome:
  name: node
esp8266:
  board: d1_mini
wifi:
  ssid: x
  password: yyyyyyyy
external_components:
  - source:
      type: local
      path: {components}
    components: [nats]
nats:
{nats}
"""


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


def block(key: str, pem: str) -> str:
    """A YAML literal block of PEM text under key, in the nats: block."""
    lines = "".join(f"    {line}\n" for line in pem.strip().splitlines())
    return f"  {key}: |\n{lines}"


def tls_options(pki: TestPki, client: bool = True) -> str:
    text = block("certificate_authority", pki.ca_pem)
    if client:
        cert, key = pki.client_cert("kitchen")
        text += block("client_certificate", cert) + block("client_certificate_key", key)
    return text


def test_tls_options_are_accepted_and_generated(esphome_bin: Path, tmp_path: Path, pki: TestPki) -> None:
    """CA, client certificate and key, skip_cert_cn_check: valid, and in the generated code."""
    nats = (
        "  servers: [tls://10.0.0.1:4222, nats.local]\n" + tls_options(pki) + "  skip_cert_cn_check: true\n"
    )
    out = check_config(esphome_bin, tmp_path, nats)
    assert out.startswith("OK"), out[-3000:]

    yaml = tmp_path / "device.yaml"
    data_dir = tmp_path / "generate"
    result = esphome(esphome_bin, "compile", "--only-generate", yaml, data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    code = next(data_dir.glob("build/*/src/main.cpp")).read_text()
    assert "->set_certificate_authority(" in code
    assert "->set_client_certificate(" in code
    assert "->set_skip_cert_cn_check(true)" in code


@pytest.mark.parametrize(
    ("nats", "message"),
    [
        ("  servers: [tls://10.0.0.1:4222]", "tls:// servers need certificate_authority"),
        ("  servers: [ws://10.0.0.1:4222]", "only nats:// and tls:// servers"),
        ("  host: 10.0.0.1\n  skip_cert_cn_check: true", "skip_cert_cn_check needs certificate_authority"),
        ("  host: 10.0.0.1\n  certificate_authority: ca.pem", "must be the PEM text of a certificate"),
        (
            "  host: 10.0.0.1\n  certificate_authority: |\n"
            "    -----BEGIN CERTIFICATE-----\n    AAAA\n    -----END CERTIFICATE-----",
            "certificate_authority is not a PEM certificate",
        ),
    ],
)
def test_invalid_tls_options_are_refused(esphome_bin: Path, tmp_path: Path, nats: str, message: str) -> None:
    out = check_config(esphome_bin, tmp_path, nats)
    assert not out.startswith("OK"), out[-3000:]
    assert message in out, out[-3000:]


def test_client_certificate_needs_its_own_key_unencrypted(
    esphome_bin: Path, tmp_path: Path, pki: TestPki
) -> None:
    """The key must be the certificate's, readable without a password; and the two come together."""
    cert, _ = pki.client_cert("kitchen")
    _, other_key = pki.client_cert("other")
    ca = "  host: 10.0.0.1\n" + block("certificate_authority", pki.ca_pem)

    out = check_config(esphome_bin, tmp_path, ca + block("client_certificate", cert))
    assert "client_certificate needs client_certificate_key" in out, out[-3000:]

    out = check_config(
        esphome_bin,
        tmp_path,
        ca + block("client_certificate", cert) + block("client_certificate_key", other_key),
    )
    assert "client_certificate_key is not the key of client_certificate" in out, out[-3000:]

    encrypted = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
        .decode()
    )
    out = check_config(
        esphome_bin,
        tmp_path,
        ca + block("client_certificate", cert) + block("client_certificate_key", encrypted),
    )
    assert "client_certificate_key is encrypted" in out, out[-3000:]

    out = check_config(esphome_bin, tmp_path, "  host: 10.0.0.1\n" + block("client_certificate", cert))
    assert not out.startswith("OK"), out[-3000:]


def test_esp8266_refuses_tls_and_says_why(esphome_bin: Path, tmp_path: Path, pki: TestPki) -> None:
    """No TLS on ESP8266: the options are refused with the reason, not ignored."""
    yaml = tmp_path / "esp8266.yaml"
    yaml.write_text(
        ESP8266.format(components=COMPONENTS, nats="  host: 10.0.0.1\n" + tls_options(pki, False))
    )
    result = esphome(esphome_bin, "config", yaml, data_dir=tmp_path / "data")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert "TLS is not available on ESP8266" in out, out[-3000:]
    assert "16 KB receive record buffer" in out, out[-3000:]


def test_tls_example_keeps_mbedtls_tls_in_the_esp_idf_build(esphome_bin: Path) -> None:
    """ESPHome compiles mbedTLS's TLS layer out unless asked: the example asks, as a client only."""
    yaml = EXAMPLES / "esp32-idf-tls.yaml"
    data_dir = BUILD_DIR / "data" / "generate-tls-example"
    result = esphome(esphome_bin, "compile", "--only-generate", yaml, data_dir=data_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    build = next(data_dir.glob("build/*"))
    assert "#define USE_NATS_TLS" in (build / "src" / "esphome" / "core" / "defines.h").read_text()
    assert "->set_certificate_authority(" in (build / "src" / "main.cpp").read_text()
    sdkconfig = next(build.glob("sdkconfig.*")).read_text()
    assert "CONFIG_MBEDTLS_TLS_CLIENT_ONLY=y" in sdkconfig
    assert "CONFIG_MBEDTLS_TLS_DISABLED=y" not in sdkconfig
