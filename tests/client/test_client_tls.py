"""TLS with nats_home.client: the server's certificate checked against a CA, client certificates, TLS first.

The CA and every certificate are generated in the test (tests/certs.py). The
server's view of the connection (its monitoring endpoint) shows that TLS
was really used.
"""

from __future__ import annotations

from pathlib import Path
import ssl

import nats.errors
import pytest

from nats_home.client import Client

from ..certs import TestPki, make_pki
from ..nats_cluster import NatsCluster
from ..nats_fixtures import until
from ..nats_server import NatsServer
from .conftest import Connect, StartServer
from .recorder import Recorder

NO_RETRY = {"allow_reconnect": False, "connect_timeout": 2}
REFUSED = (ssl.SSLError, OSError, nats.errors.Error)
"""How a refused TLS handshake may surface: the alert itself, a reset, or the socket closing."""


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


def tls_block(pki: TestPki, *, verify: bool = False, handshake_first: bool = False) -> str:
    options = f'cert_file: "{pki.cert_file}", key_file: "{pki.key_file}"'
    if verify:
        options += f', ca_file: "{pki.ca_file}", verify: true'
    if handshake_first:
        options += ", handshake_first: true"
    return f"tls {{ {options} }}"


def trusting(pki: TestPki, client_cert: tuple[str, str] | None = None) -> ssl.SSLContext:
    """A client context trusting the test CA, with a client certificate when given."""
    context = ssl.create_default_context(cadata=pki.ca_pem)
    if client_cert is not None:
        directory = pki.cert_file.parent
        (directory / "client.pem").write_text(client_cert[0])
        (directory / "client.key").write_text(client_cert[1])
        context.load_cert_chain(directory / "client.pem", directory / "client.key")
    return context


def plain_url(server: NatsServer) -> str:
    return f"nats://127.0.0.1:{server.port}"


async def assert_encrypted(client: Client, server: NatsServer) -> None:
    """The client works, and the server sees its connection encrypted."""
    sub = await client.subscribe("tls.check")
    await client.publish("tls.check", b"secret")
    await client.flush()
    assert (await sub.next_msg(timeout=2)).data == b"secret"
    (conn,) = server.connections()
    assert conn.get("tls_version"), conn


async def test_tls_url_with_ca(start_server: StartServer, client_factory: Connect, pki: TestPki) -> None:
    """tls:// and a context trusting the CA: the server's certificate is verified and TLS is used."""
    server = start_server(tls_block(pki))
    assert server.url.startswith("tls://")
    client = await client_factory(server.url, tls=trusting(pki))
    await assert_encrypted(client, server)


async def test_server_requiring_tls(start_server: StartServer, client_factory: Connect, pki: TestPki) -> None:
    """nats:// to a server that requires TLS: the client upgrades because its INFO says so."""
    server = start_server(tls_block(pki))
    client = await client_factory(plain_url(server), tls=trusting(pki))
    await assert_encrypted(client, server)


async def test_untrusted_certificate(
    start_server: StartServer, client_factory: Connect, pki: TestPki
) -> None:
    """Without the CA the server's certificate fails verification: no plain-text fallback."""
    server = start_server(tls_block(pki))
    with pytest.raises(ssl.SSLCertVerificationError):
        await client_factory(plain_url(server), **NO_RETRY)
    with pytest.raises(ssl.SSLCertVerificationError):
        await client_factory(server.url, tls=ssl.create_default_context(), **NO_RETRY)


async def test_wrong_hostname(start_server: StartServer, client_factory: Connect, pki: TestPki) -> None:
    """tls_hostname names what the certificate must be for: a wrong one is refused."""
    server = start_server(tls_block(pki))
    with pytest.raises(ssl.SSLCertVerificationError):
        await client_factory(server.url, tls=trusting(pki), tls_hostname="not-the-server", **NO_RETRY)


async def test_client_certificate_accepted(
    start_server: StartServer, client_factory: Connect, pki: TestPki
) -> None:
    """A server with verify: true takes a client whose certificate the CA signed."""
    server = start_server(tls_block(pki, verify=True))
    client = await client_factory(server.url, tls=trusting(pki, pki.client_cert("test-client")))
    await assert_encrypted(client, server)


async def test_client_certificate_required(
    start_server: StartServer, client_factory: Connect, pki: TestPki
) -> None:
    """Without a client certificate a verifying server refuses the connection."""
    server = start_server(tls_block(pki, verify=True))
    with pytest.raises(REFUSED) as refused:
        await client_factory(server.url, tls=trusting(pki), **NO_RETRY)
    assert not isinstance(refused.value, nats.errors.AuthorizationError)
    await until(lambda: server.connections() == [], 5)


async def test_client_certificate_of_another_ca(
    start_server: StartServer, client_factory: Connect, pki: TestPki, tmp_path: Path
) -> None:
    """A client certificate the server's CA did not sign is refused."""
    server = start_server(tls_block(pki, verify=True))
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    stranger = make_pki(other_dir).client_cert("stranger")
    with pytest.raises(REFUSED):
        await client_factory(server.url, tls=trusting(pki, stranger), **NO_RETRY)


async def test_tls_handshake_first(start_server: StartServer, client_factory: Connect, pki: TestPki) -> None:
    """With handshake_first the TLS handshake comes before the server's INFO."""
    server = start_server(tls_block(pki, handshake_first=True))
    client = await client_factory(server.url, tls=trusting(pki), tls_handshake_first=True)
    await assert_encrypted(client, server)


async def test_tls_handshake_first_needed(
    start_server: StartServer, client_factory: Connect, pki: TestPki
) -> None:
    """A client waiting for INFO first gets nothing from a handshake_first server: the connect fails in time."""
    server = start_server(tls_block(pki, handshake_first=True))
    with pytest.raises((TimeoutError, *REFUSED)):
        await client_factory(server.url, tls=trusting(pki), allow_reconnect=False, connect_timeout=0.5)


async def test_tls_cluster_failover(client_factory: Connect, pki: TestPki, tmp_path: Path) -> None:
    """A node learned from the cluster (by address) is verified against the name the client was given."""
    cluster = NatsCluster(tmp_path / "cluster", size=2, config=tls_block(pki), jetstream=False)
    try:
        first, second = cluster.nodes
        first.start()
        recorder = Recorder()
        client = await client_factory(
            first.url,
            tls=trusting(pki),
            reconnect_time_wait=0.05,
            max_reconnect_attempts=-1,
            **recorder.callbacks(),
        )
        second.start()
        await recorder.wait_event("discovered")
        first.stop()
        await recorder.wait_event("reconnected")
        assert client.connected_url is not None
        assert client.connected_url.port == second.port
        assert client.connected_url.scheme == "tls"
        await assert_encrypted(client, second)
    finally:
        cluster.stop()
