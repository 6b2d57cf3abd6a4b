"""Every way nats_home.client authenticates, each against a nats-server configured for it.

A wrong secret must fail the connect with nats-py's AuthorizationError, so
code written for nats-py tells "refused" from "unreachable" the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nats.aio.client import RawCredentials
import nats.errors
import nkeys
import pytest

from nats_home.client import Client
from nats_home.operator import parse_creds

from ..nats_jwt import JwtRealm, new_seed, public_key
from ..nats_operator import connect_options
from ..nats_server import NatsServer
from .conftest import Connect, StartServer
from .recorder import Recorder

NO_RETRY: dict[str, Any] = {"allow_reconnect": False, "connect_timeout": 2}


async def assert_round_trip(client: Client) -> None:
    """The connection was accepted: a message goes to the server and back."""
    sub = await client.subscribe("auth.check")
    await client.publish("auth.check", b"accepted")
    await client.flush()
    assert (await sub.next_msg(timeout=2)).data == b"accepted"


def without_scheme(url: str) -> str:
    return url.split("://", 1)[1]


# --- User and password, token -----------------------------------------------------------------


@pytest.fixture
def password_server(start_server: StartServer) -> NatsServer:
    return start_server("authorization { user: alice, password: s3cret }")


async def test_user_password(password_server: NatsServer, client_factory: Connect) -> None:
    client = await client_factory(password_server.url, user="alice", password="s3cret")  # noqa: S106 (test's)
    await assert_round_trip(client)


async def test_user_password_in_url(password_server: NatsServer, client_factory: Connect) -> None:
    client = await client_factory(f"nats://alice:s3cret@{without_scheme(password_server.url)}")
    await assert_round_trip(client)


@pytest.mark.parametrize(
    ("url_auth", "options"),
    [
        ("", {"user": "alice", "password": "wrong"}),
        ("", {"user": "mallory", "password": "s3cret"}),
        ("", {}),
        ("alice:wrong@", {}),
    ],
    ids=["wrong password", "wrong user", "no credentials", "wrong password in URL"],
)
async def test_wrong_password(
    password_server: NatsServer, client_factory: Connect, url_auth: str, options: dict[str, Any]
) -> None:
    with pytest.raises(nats.errors.AuthorizationError):
        await client_factory(f"nats://{url_auth}{without_scheme(password_server.url)}", **NO_RETRY, **options)


async def test_wrong_password_with_retries(password_server: NatsServer, client_factory: Connect) -> None:
    """Retried refusals still end in AuthorizationError, each reported to error_cb, and closed_cb is not called."""
    recorder = Recorder()
    with pytest.raises(nats.errors.AuthorizationError):
        await client_factory(
            password_server.url,
            user="alice",
            password="wrong",  # noqa: S106
            max_reconnect_attempts=2,
            reconnect_time_wait=0.01,
            **recorder.callbacks(),
        )
    # The first attempt and max_reconnect_attempts more, as nats-py counts them.
    assert len(recorder.errors_of(nats.errors.AuthorizationError)) == 3
    assert recorder.events == []


@pytest.fixture
def token_server(start_server: StartServer) -> NatsServer:
    return start_server("authorization { token: t0ken-value }")


async def test_token(token_server: NatsServer, client_factory: Connect) -> None:
    client = await client_factory(token_server.url, token="t0ken-value")  # noqa: S106 (test's)
    await assert_round_trip(client)


async def test_token_in_url(token_server: NatsServer, client_factory: Connect) -> None:
    client = await client_factory(f"nats://t0ken-value@{without_scheme(token_server.url)}")
    await assert_round_trip(client)


async def test_token_from_callable(token_server: NatsServer, client_factory: Connect) -> None:
    """nats-py takes a callable for the token too (asked on every connect)."""
    client = await client_factory(token_server.url, token=lambda: "t0ken-value")
    await assert_round_trip(client)


async def test_wrong_token(token_server: NatsServer, client_factory: Connect) -> None:
    with pytest.raises(nats.errors.AuthorizationError):
        await client_factory(token_server.url, token="guess", **NO_RETRY)  # noqa: S106


# --- NKeys ------------------------------------------------------------------------------------


@pytest.fixture
def user_seed() -> str:
    return new_seed(nkeys.PREFIX_BYTE_USER)


@pytest.fixture
def nkey_server(start_server: StartServer, user_seed: str) -> NatsServer:
    return start_server(f"authorization {{ users = [ {{ nkey: {public_key(user_seed)} }} ] }}")


async def test_nkey_seed_string(nkey_server: NatsServer, client_factory: Connect, user_seed: str) -> None:
    client = await client_factory(nkey_server.url, nkeys_seed_str=user_seed)
    await assert_round_trip(client)


async def test_nkey_seed_file(
    nkey_server: NatsServer, client_factory: Connect, user_seed: str, tmp_path: Path
) -> None:
    seed_file = tmp_path / "user.nk"
    seed_file.write_text(f"{user_seed}\n")
    client = await client_factory(nkey_server.url, nkeys_seed=str(seed_file))
    await assert_round_trip(client)


async def test_unknown_nkey(nkey_server: NatsServer, client_factory: Connect) -> None:
    with pytest.raises(nats.errors.AuthorizationError):
        await client_factory(nkey_server.url, nkeys_seed_str=new_seed(nkeys.PREFIX_BYTE_USER), **NO_RETRY)


# --- JWT (operator mode) ----------------------------------------------------------------------


@pytest.fixture
def realm() -> JwtRealm:
    return JwtRealm()


@pytest.fixture
def jwt_server(start_server: StartServer, realm: JwtRealm) -> NatsServer:
    return start_server(realm.server_config())


@pytest.fixture
def creds_text(realm: JwtRealm) -> str:
    return realm.user_creds("client-test")


async def test_creds_file(
    jwt_server: NatsServer, client_factory: Connect, creds_text: str, tmp_path: Path
) -> None:
    creds = tmp_path / "user.creds"
    creds.write_text(creds_text)
    client = await client_factory(jwt_server.url, user_credentials=str(creds))
    await assert_round_trip(client)


async def test_creds_path_object(
    jwt_server: NatsServer, client_factory: Connect, creds_text: str, tmp_path: Path
) -> None:
    creds = tmp_path / "user.creds"
    creds.write_text(creds_text)
    client = await client_factory(jwt_server.url, user_credentials=creds)
    await assert_round_trip(client)


async def test_raw_credentials(jwt_server: NatsServer, client_factory: Connect, creds_text: str) -> None:
    """nats-py's RawCredentials: the .creds text itself, never written to a file."""
    client = await client_factory(jwt_server.url, user_credentials=RawCredentials(creds_text))
    await assert_round_trip(client)


async def test_jwt_and_seed_files(
    jwt_server: NatsServer, client_factory: Connect, creds_text: str, tmp_path: Path
) -> None:
    creds = parse_creds(creds_text)
    (tmp_path / "user.jwt").write_text(creds.jwt)
    (tmp_path / "user.nk").write_text(creds.seed)
    client = await client_factory(
        jwt_server.url, user_credentials=(str(tmp_path / "user.jwt"), str(tmp_path / "user.nk"))
    )
    await assert_round_trip(client)


async def test_jwt_callbacks(jwt_server: NatsServer, client_factory: Connect, creds_text: str) -> None:
    """user_jwt_cb and signature_cb, as the integration passes them (nothing on disk)."""
    client = await client_factory(jwt_server.url, **connect_options(parse_creds(creds_text)))
    await assert_round_trip(client)


async def test_jwt_callbacks_asked_on_every_connect(
    jwt_server: NatsServer, client_factory: Connect, creds_text: str
) -> None:
    """After a reconnect the server's new nonce is signed again."""
    options = connect_options(parse_creds(creds_text))
    signed: list[str] = []

    def sign(nonce: str) -> bytes:
        signed.append(nonce)
        return options["signature_cb"](nonce)  # type: ignore[no-any-return]

    recorder = Recorder()
    client = await client_factory(
        jwt_server.url,
        user_jwt_cb=options["user_jwt_cb"],
        signature_cb=sign,
        reconnect_time_wait=0.01,
        **recorder.callbacks(),
    )
    await client.force_reconnect()
    await recorder.wait_event("reconnected")
    await assert_round_trip(client)
    assert len(signed) == 2
    assert signed[0] != signed[1]


async def test_creds_of_another_operator(jwt_server: NatsServer, client_factory: Connect) -> None:
    stranger = RawCredentials(JwtRealm().user_creds("stranger"))
    with pytest.raises(nats.errors.AuthorizationError):
        await client_factory(jwt_server.url, user_credentials=stranger, **NO_RETRY)


def test_not_credentials(tmp_path: Path) -> None:
    """A file that is not a .creds file is refused with a clear error before connecting."""
    from nats_home.client.auth import Auth

    bogus = tmp_path / "bogus.creds"
    bogus.write_text("just some text\n")
    with pytest.raises(ValueError, match="not NATS credentials"):
        Auth(user_credentials=str(bogus)).fields("nonce", None, None)


# --- Permissions ------------------------------------------------------------------------------

PERMISSIONS = """
authorization { users = [ {
  user: limited, password: pw,
  permissions: { publish: { allow: ["allowed.>"] }, subscribe: { allow: ["allowed.>"] } }
} ] }
"""


@pytest.fixture
def permissions_server(start_server: StartServer) -> NatsServer:
    return start_server(PERMISSIONS)


@pytest.mark.parametrize(
    ("action", "subject"),
    [("publish", "forbidden.topic"), ("subscription", "forbidden.topic")],
)
async def test_permissions_violation(
    permissions_server: NatsServer, client_factory: Connect, action: str, subject: str
) -> None:
    """A refused publish or subscribe reaches error_cb; the connection stays up for what is allowed."""
    recorder = Recorder()
    client = await client_factory(
        permissions_server.url,
        user="limited",
        password="pw",  # noqa: S106 (the test's)
        **recorder.callbacks(),
    )
    if action == "publish":
        await client.publish(subject, b"no")
    else:
        await client.subscribe(subject)
    await client.flush()

    wanted = f'permissions violation for {action} to "{subject}"'
    await recorder.wait_for(lambda: any(wanted in str(err).lower() for err in recorder.errors))
    assert client.stats["errors_received"] == 1
    assert client.is_connected
    sub = await client.subscribe("allowed.echo")
    await client.publish("allowed.echo", b"fine")
    assert (await sub.next_msg(timeout=2)).data == b"fine"
    assert recorder.events == []
