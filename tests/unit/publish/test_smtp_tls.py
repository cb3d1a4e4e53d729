"""The e-mail channel over TLS, against a real aiosmtpd on loopback with a certificate from a
trustme CA: STARTTLS and implicit TLS verify the server's certificate and name, credentials
travel only over TLS, and a server the CA does not vouch for gets nothing, with an error
that says why and never holds the password."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme

from clientsync.errors import ConfigError
from clientsync.publish import ChannelContext, DeliveryError
from clientsync.publish.channels.base import Options
from clientsync.publish.channels.smtp import OPTIONS, SmtpChannel

from .peers import Mailbox, smtp_peer
from .test_channels import MESSAGE

PASSWORD = "pa55-Zq-s3cret-w0rd"
ENV = {"SMTP_USER": "mailer", "SMTP_PASS": PASSWORD}
SECURITY = ["starttls", "ssl"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(context)
    return context


def write_ca(ca: trustme.CA, path: Path) -> Path:
    ca.cert_pem.write_to_path(str(path))
    return path


def channel(
    tmp_path: Path, port: int, security: str, ca_file: str | None, **options: Any
) -> SmtpChannel:
    # Built as build_channel builds it, with every option the channel reads allowed.
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "from": "Status <status@agency.example>",
        "username_env": "SMTP_USER",
        "password_env": "SMTP_PASS",
        "timeout_seconds": 10,
        **options,
    }
    if ca_file is not None:
        values["ca_file"] = ca_file
    return SmtpChannel.from_options(
        Options("audience 'sponsor' (email)", values, set(OPTIONS)),
        ChannelContext(env=ENV, base_dir=tmp_path),
    )


def peer(ca: trustme.CA, security: str, *names: str) -> Any:
    context = server_context(ca, *names)
    if security == "starttls":
        return smtp_peer(login=("mailer", PASSWORD), starttls=context)
    return smtp_peer(login=("mailer", PASSWORD), implicit_tls=context)


def assert_nothing_sent(box: Mailbox, error: pytest.ExceptionInfo[DeliveryError]) -> None:
    assert box.logins == [] and box.encrypted_logins == [] and box.raw == []
    for text in (str(error.value), repr(error.value)):
        assert PASSWORD not in text
    # The message is all there is: no chained exception carries the connection's state.
    assert error.value.__cause__ is None and error.value.__suppress_context__


@pytest.mark.parametrize("security", SECURITY)
def test_tls_verifies_the_server_and_logs_in_only_over_tls(
    ca: trustme.CA, tmp_path: Path, security: str
) -> None:
    write_ca(ca, tmp_path / "ca.pem")
    with peer(ca, security) as (port, box):
        sender = channel(tmp_path, port, security, "ca.pem")  # relative to the config
        message_id = sender.send(MESSAGE, idempotency_key="portal:sponsor:w48")
    assert box.logins == [("mailer", PASSWORD)]
    assert box.encrypted_logins == [True]
    assert box.encrypted_data == [True]
    (mail,) = box.messages()
    assert mail["Message-ID"] == message_id
    assert mail.get_content_type() == "multipart/alternative"
    assert sender.ca_file == tmp_path / "ca.pem"


@pytest.mark.parametrize("security", SECURITY)
def test_a_server_the_ca_does_not_vouch_for_gets_nothing(
    ca: trustme.CA, tmp_path: Path, security: str
) -> None:
    stranger = write_ca(trustme.CA(), tmp_path / "other-ca.pem")
    with peer(ca, security) as (port, box):
        sender = channel(tmp_path, port, security, str(stranger))
        with pytest.raises(DeliveryError) as error:
            sender.send(MESSAGE, idempotency_key="k")
    assert str(error.value).startswith(
        f"cannot verify the TLS certificate of 127.0.0.1:{port} against the CAs in {stranger}"
    )
    assert "ca_file" in str(error.value)
    assert_nothing_sent(box, error)


@pytest.mark.parametrize("security", SECURITY)
def test_without_ca_file_a_private_ca_is_not_trusted(
    ca: trustme.CA, tmp_path: Path, security: str
) -> None:
    with peer(ca, security) as (port, box):
        sender = channel(tmp_path, port, security, None)
        with pytest.raises(DeliveryError, match="against the system's CAs") as error:
            sender.send(MESSAGE, idempotency_key="k")
    assert_nothing_sent(box, error)


@pytest.mark.parametrize("security", SECURITY)
def test_a_certificate_for_another_name_is_refused(
    ca: trustme.CA, tmp_path: Path, security: str
) -> None:
    write_ca(ca, tmp_path / "ca.pem")
    with peer(ca, security, "mail.agency.example") as (port, box):
        sender = channel(tmp_path, port, security, "ca.pem")
        with pytest.raises(DeliveryError, match="cannot verify the TLS certificate") as error:
            sender.send(MESSAGE, idempotency_key="k")
    assert "connect by the name on the certificate" in str(error.value)
    assert_nothing_sent(box, error)


def test_a_server_without_starttls_never_sees_the_credentials(
    ca: trustme.CA, tmp_path: Path
) -> None:
    # It would take them in the clear (AUTH is offered without TLS): the client must not.
    write_ca(ca, tmp_path / "ca.pem")
    with smtp_peer(login=("mailer", PASSWORD)) as (port, box):
        sender = channel(tmp_path, port, "starttls", "ca.pem")
        with pytest.raises(DeliveryError, match="does not offer STARTTLS") as error:
            sender.send(MESSAGE, idempotency_key="k")
    assert_nothing_sent(box, error)


def test_implicit_tls_to_a_plain_port_says_what_is_wrong(ca: trustme.CA, tmp_path: Path) -> None:
    write_ca(ca, tmp_path / "ca.pem")
    with smtp_peer(login=("mailer", PASSWORD)) as (port, box):
        sender = channel(tmp_path, port, "ssl", "ca.pem")
        with pytest.raises(DeliveryError) as error:
            sender.send(MESSAGE, idempotency_key="k")
    assert str(error.value).startswith(f"TLS with 127.0.0.1:{port} failed (")
    assert f"check that port {port} speaks implicit TLS" in str(error.value)
    assert_nothing_sent(box, error)


def test_a_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"channel option 'ca_file': .*missing\.pem is not a file"
    ):
        channel(tmp_path, 465, "ssl", "missing.pem")


def test_a_ca_file_without_a_certificate_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pem").write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no usable PEM CA certificate"):
        channel(tmp_path, 465, "ssl", "notes.pem")


def test_every_option_the_channel_reads_is_declared() -> None:
    assert {"ca_file", "host", "port", "security", "from"} <= OPTIONS
