"""Pluggable SMS backends, chosen by `KABINET_SMS_BACKEND` (a dotted path).

Embedded default: the console and a log file. Tests use the in-memory outbox.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("kabinet.sms")

# Messages sent through LocmemSmsBackend, newest last (like django.core.mail.outbox).
outbox: list[tuple[str, str]] = []


class BaseSmsBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints every SMS and appends it to `KABINET_SMS_LOG` (var/sms.log)."""

    def send(self, phone: str, text: str) -> None:
        line = f"{datetime.now():%Y-%m-%d %H:%M:%S} SMS to {phone}: {text}"
        print(line, flush=True)
        path = settings.SMS_LOG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> None:
    get_backend().send(phone, text)
    logger.info("SMS sent to %s", phone)
