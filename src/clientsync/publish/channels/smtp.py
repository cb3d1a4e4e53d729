"""The `email` channel: stdlib smtplib, multipart text + HTML when an HTML renderer exists.

STARTTLS and implicit TLS verify the server's certificate and name against the system's
CAs, or against `ca_file` (a private CA); credentials are only ever sent after TLS is up
in those modes.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

from pydantic import SecretStr

from clientsync.errors import ConfigError

from ..formats import available
from .base import ChannelContext, DeliveryError, Message, Options

_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
OPTIONS = frozenset(
    {
        "host",
        "port",
        "security",
        "from",
        "username_env",
        "password_env",
        "timeout_seconds",
        "ca_file",
    }
)
"""Every option the channel reads."""


class SmtpChannel:
    """Options: host, port, security (starttls|ssl|none), from, username_env,
    password_env, timeout_seconds, ca_file (PEM CA certificates to verify the server
    with, instead of the system's; relative to the config file). Credentials only ever
    come from the environment."""

    kind = "email"
    wants_html = True

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        sender: str,
        username: SecretStr | None = None,
        password: SecretStr | None = None,
        timeout: float = 30.0,
        ca_file: Path | None = None,
    ) -> None:
        self.host, self.port, self.security, self.sender = host, port, security, sender
        self._username, self._password = username, password
        self.timeout = timeout
        self.ca_file = ca_file
        # Plain text when a text renderer exists, else Markdown (which reads as text).
        self.format = "txt" if available("txt") else "md"

    @classmethod
    def from_options(cls, options: Options, ctx: ChannelContext) -> SmtpChannel:
        security = options.text("security", "starttls") or "starttls"
        if security not in _SECURITY:
            raise ConfigError(
                f"{options.where}: channel option 'security' is starttls, ssl or none"
            )
        port = int(options.number("port", _SECURITY[security]))
        username = options.secret("username_env", ctx.env)
        password = options.secret("password_env", ctx.env)
        if (username is None) != (password is None):
            raise ConfigError(
                f"{options.where}: set both username_env and password_env, or neither"
            )
        ca_file = None
        ca_text = options.text("ca_file")
        if ca_text:
            ca_file = ctx.base_dir / Path(ca_text).expanduser()
            _check_ca_file(ca_file, f"{options.where}: channel option 'ca_file'")
        return cls(
            host=options.required("host", 'host = "smtp.example.com"'),
            port=port,
            security=security,
            sender=options.required("from", 'from = "Status <status@example.com>"'),
            username=username,
            password=password,
            timeout=options.number("timeout_seconds", 30.0),
            ca_file=ca_file,
        )

    def describe(self) -> str:
        return f"email via {self.host}:{self.port} ({self.security})"

    def __repr__(self) -> str:
        return f"SmtpChannel({self.describe()!r})"

    def compose(self, message: Message, *, idempotency_key: str) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.sender
        email["To"] = ", ".join(message.recipients)
        email["Date"] = format_datetime(datetime.combine(message.day, time(), UTC))
        # The same send always has the same Message-ID, so a mail system that sees a
        # retried message can tell it is the same one.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        email["Message-ID"] = f"<{digest}@clientsync.invalid>"
        email.set_content(message.body)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: Message, *, idempotency_key: str) -> str:
        if not message.recipients:
            raise ConfigError(f"{message.audience}: no contacts to email")
        email = self.compose(message, idempotency_key=idempotency_key)
        recipients = [address for _, address in getaddresses(list(message.recipients))]
        try:
            with self._connect() as smtp:
                if self._username is not None and self._password is not None:
                    smtp.login(self._username.get_secret_value(), self._password.get_secret_value())
                smtp.send_message(email, from_addr=None, to_addrs=recipients)
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f'{self.host}:{self.port} does not offer STARTTLS; use security = "ssl" '
                'with its TLS port, or "none" only on a trusted network'
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{self.host}:{self.port} refused the login (SMTP {exc.smtp_code}); "
                "check the username and password variables"
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"{self.host}:{self.port} refused the message (SMTP {exc.smtp_code})"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            trusted = f"the CAs in {self.ca_file}" if self.ca_file else "the system's CAs"
            raise DeliveryError(
                f"cannot verify the TLS certificate of {self.host}:{self.port} against "
                f"{trusted} ({exc.verify_message}); nothing was sent. Set the channel option "
                "ca_file to the CA that signed it, or connect by the name on the certificate"
            ) from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"TLS with {self.host}:{self.port} failed ({exc.reason or type(exc).__name__}); "
                f"check that port {self.port} speaks {self._tls_kind()}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"cannot send email via {self.host}:{self.port}: {type(exc).__name__}: "
                f"{getattr(exc, 'strerror', None) or exc}"
            ) from None
        return str(email["Message-ID"])

    def _tls_kind(self) -> str:
        return "implicit TLS" if self.security == "ssl" else "STARTTLS"

    def _tls_context(self) -> ssl.SSLContext:
        """Verifies the certificate chain and the host name, as the default context does."""
        cafile = str(self.ca_file) if self.ca_file is not None else None
        return ssl.create_default_context(cafile=cafile)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def _check_ca_file(path: Path, where: str) -> None:
    """A readable file of PEM CA certificates, or a ConfigError that says what is wrong."""
    if not path.is_file():
        raise ConfigError(f"{where}: {path} is not a file; give the path of a PEM CA bundle")
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(
            f"{where}: {path} holds no usable PEM CA certificate ({type(exc).__name__})"
        ) from None
