"""The outside edge of notifications: an HTTP POST signed with the subscription's secret,
and an e-mail through the configured SMTP server (the standard library's smtplib).

A failure is a :class:`DeliveryFailed` whose message names what went wrong without the
target's URL (a webhook URL often carries a token in its path) or any secret."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import requests

from hub.config import Settings
from hub.domain.notifications import SIGNATURE_HEADER, ChannelKind, sign

__all__ = ["DeliveryFailed", "EmailSender", "Message", "Sender", "WebhookSender", "senders"]


class DeliveryFailed(Exception):
    """This attempt did not reach the receiver; the delivery is retried or given up."""


@dataclass(frozen=True)
class Message:
    delivery_id: int
    kind: str
    subject: str
    text: str  # the e-mail body
    body: bytes  # the webhook body (JSON), signed as it is sent
    target: str
    secret: str | None = field(default=None, repr=False)


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class WebhookSender:
    timeout_s: float = 10.0

    def send(self, message: Message) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "hub-notifications/1",
            "X-Hub-Event": message.kind,
            "X-Hub-Delivery": str(message.delivery_id),
        }
        if message.secret:
            headers[SIGNATURE_HEADER] = sign(message.secret, message.body)
        try:
            response = requests.post(
                message.target,
                data=message.body,
                headers=headers,
                timeout=self.timeout_s,
                allow_redirects=False,  # a redirect could carry the body somewhere else
            )
        except requests.RequestException as exc:
            raise DeliveryFailed(f"webhook not reached: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"webhook answered HTTP {response.status_code}")


@dataclass(frozen=True)
class EmailSender:
    settings: Settings

    def send(self, message: Message) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryFailed("no SMTP server configured (HUB_SMTP_HOST)")
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = message.target
        mail["Subject"] = f"[hub] {message.subject}"
        # One id per delivery: a resent attempt is recognisable as the same message.
        mail["Message-ID"] = make_msgid(f"delivery.{message.delivery_id}")
        mail["X-Hub-Delivery"] = str(message.delivery_id)
        mail.set_content(message.text)
        smtp_class = smtplib.SMTP_SSL if s.smtp_ssl else smtplib.SMTP
        try:
            with smtp_class(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s) as smtp:
                if s.smtp_starttls and not s.smtp_ssl:
                    smtp.starttls()
                if s.smtp_username:
                    password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                    smtp.login(s.smtp_username, password)
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP server refused: {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP server not reached: {type(exc).__name__}") from None


def senders(settings: Settings) -> dict[str, Sender]:
    """The real senders, by subscription channel (the composition root's choice)."""
    return {
        ChannelKind.WEBHOOK.value: WebhookSender(settings.notify_webhook_timeout_s),
        ChannelKind.EMAIL.value: EmailSender(settings),
    }
