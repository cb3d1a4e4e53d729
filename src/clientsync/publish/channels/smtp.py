"""The `email` channel: stdlib smtplib, multipart text + HTML when an HTML renderer exists."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from pydantic import SecretStr

from clientsync.errors import ConfigError

from ..formats import available
from .base import ChannelContext, DeliveryError, Message, Options

_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


class SmtpChannel:
    """Options: host, port, security (starttls|ssl|none), from, username_env,
    password_env, timeout_seconds. Credentials only ever come from the environment."""

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
    ) -> None:
        self.host, self.port, self.security, self.sender = host, port, security, sender
        self._username, self._password = username, password
        self.timeout = timeout
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
        return cls(
            host=options.required("host", 'host = "smtp.example.com"'),
            port=port,
            security=security,
            sender=options.required("from", 'from = "Status <status@example.com>"'),
            username=username,
            password=password,
            timeout=options.number("timeout_seconds", 30.0),
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
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"cannot send email via {self.host}:{self.port}: {type(exc).__name__}: "
                f"{getattr(exc, 'strerror', None) or exc}"
            ) from None
        return str(email["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp
