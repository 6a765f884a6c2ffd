"""Pluggable SMS backends, chosen by `KABINET_SMS_BACKEND` (a dotted path).

Embedded default: the console and a log file. Tests use the in-memory outbox. Production: the
generic HTTP gateway (`HttpSmsBackend`) or an operator's SMS centre over SMPP (`SmppSmsBackend`),
both configured by environment variables (docs/communication.md). A backend that cannot send raises
`SmsError` with a message the notification outbox records; `send` may return the gateway's message id.
"""

import base64
import json
import logging
import os
import string
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("kabinet.sms")

# Messages sent through LocmemSmsBackend, newest last (like django.core.mail.outbox).
outbox: list[tuple[str, str]] = []


class SmsError(Exception):
    """The gateway did not take the message; the text says why (recorded in the outbox)."""


class BaseSmsBackend:
    def send(self, phone: str, text: str) -> str | None:
        """Send one message; return the gateway's message id if it gives one, raise SmsError if not sent."""
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


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"{name} is required by the configured SMS backend.")
    return value


class HttpSmsBackend(BaseSmsBackend):
    """A generic HTTP gateway: one request per message, described by environment variables.

    - `KABINET_SMS_HTTP_URL`: the endpoint (required). `$phone` and `$text` in it are replaced,
      URL-encoded (for gateways that take GET parameters).
    - `KABINET_SMS_HTTP_TEMPLATE`: the request body, `$phone` and `$text` replaced. A template that
      starts with `{` or `[` is sent as JSON (values JSON-escaped), any other as a form
      (values URL-encoded). Default: `{"phone": "$phone", "text": "$text"}`.
    - `KABINET_SMS_HTTP_AUTH`: `user:password` (HTTP Basic) or a whole Authorization value
      (`Bearer abc…`). Optional.
    - `KABINET_SMS_HTTP_METHOD` (POST), `KABINET_SMS_HTTP_TIMEOUT` (10 s).

    Any 2xx answer is success; the message id is taken from a JSON answer's `id` / `message_id`.
    """

    DEFAULT_TEMPLATE = '{"phone": "$phone", "text": "$text"}'

    def __init__(self):
        self.url = _env("KABINET_SMS_HTTP_URL")
        self.template = os.environ.get("KABINET_SMS_HTTP_TEMPLATE") or self.DEFAULT_TEMPLATE
        self.auth = os.environ.get("KABINET_SMS_HTTP_AUTH", "")
        self.method = (os.environ.get("KABINET_SMS_HTTP_METHOD") or "POST").upper()
        self.timeout = float(os.environ.get("KABINET_SMS_HTTP_TIMEOUT") or 10)

    def build_request(self, phone: str, text: str) -> urllib.request.Request:
        quoted = {"phone": urllib.parse.quote(phone), "text": urllib.parse.quote(text)}
        url = string.Template(self.url).safe_substitute(quoted)
        headers = {"User-Agent": "Kabinet-SMS/1"}
        data = None
        if self.method != "GET":
            if self.template.lstrip()[:1] in "{[":
                values = {"phone": json.dumps(phone)[1:-1], "text": json.dumps(text, ensure_ascii=False)[1:-1]}
                headers["Content-Type"] = "application/json; charset=utf-8"
            else:
                values = {"phone": urllib.parse.quote_plus(phone), "text": urllib.parse.quote_plus(text)}
                headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
            data = string.Template(self.template).safe_substitute(values).encode("utf-8")
        if self.auth:
            if " " in self.auth:
                headers["Authorization"] = self.auth
            else:
                headers["Authorization"] = "Basic " + base64.b64encode(self.auth.encode()).decode()
        return urllib.request.Request(url, data=data, headers=headers, method=self.method)

    def send(self, phone: str, text: str) -> str | None:
        request = self.build_request(phone, text)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            raise SmsError(f"SMS gateway answered HTTP {exc.code}: {detail}".strip()) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsError(f"SMS gateway unreachable: {reason}") from exc
        try:
            answer = json.loads(body)
        except ValueError:
            return None
        if isinstance(answer, dict):
            message_id = answer.get("id") or answer.get("message_id")
            return str(message_id) if message_id is not None else None
        return None


class SmppSmsBackend(BaseSmsBackend):
    """An SMS centre over SMPP 3.4 (smpplib): bind as a transmitter, submit_sm, unbind.

    - `KABINET_SMPP_HOST` (required), `KABINET_SMPP_PORT` (2775),
    - `KABINET_SMPP_SYSTEM_ID`, `KABINET_SMPP_PASSWORD`, `KABINET_SMPP_SYSTEM_TYPE` (optional),
    - `KABINET_SMPP_SOURCE`: the sender (an alphanumeric name or a number),
    - `KABINET_SMPP_TIMEOUT` (10 s).

    Long or Cyrillic texts are split into UCS-2 parts with UDH; the id of the last part is returned.
    """

    def __init__(self):
        self.host = _env("KABINET_SMPP_HOST")
        self.port = int(os.environ.get("KABINET_SMPP_PORT") or 2775)
        self.system_id = os.environ.get("KABINET_SMPP_SYSTEM_ID", "")
        self.password = os.environ.get("KABINET_SMPP_PASSWORD", "")
        self.system_type = os.environ.get("KABINET_SMPP_SYSTEM_TYPE", "")
        self.source = os.environ.get("KABINET_SMPP_SOURCE", "Kabinet")
        self.timeout = float(os.environ.get("KABINET_SMPP_TIMEOUT") or 10)

    def send(self, phone: str, text: str) -> str | None:
        import smpplib.client
        import smpplib.consts
        import smpplib.exceptions
        import smpplib.gsm

        client = smpplib.client.Client(self.host, self.port, timeout=self.timeout, allow_unknown_opt_params=True)
        source_ton = (smpplib.consts.SMPP_TON_INTL if self.source.lstrip("+").isdigit()
                      else smpplib.consts.SMPP_TON_ALNUM)
        message_id = None
        try:
            client.connect()
            client.bind_transmitter(system_id=self.system_id, password=self.password,
                                    system_type=self.system_type)
            parts, encoding, esm_class = smpplib.gsm.make_parts(text)
            for part in parts:
                client.send_message(
                    source_addr_ton=source_ton, source_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    source_addr=self.source.lstrip("+"),
                    dest_addr_ton=smpplib.consts.SMPP_TON_INTL, dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=phone.lstrip("+"),
                    short_message=part, data_coding=encoding, esm_class=esm_class,
                    registered_delivery=True,
                )
                response = client.read_pdu()
                if response.is_error() or response.command != "submit_sm_resp":
                    raise SmsError(f"SMS centre refused the message: {response.command} status {response.status}")
                raw_id = getattr(response, "message_id", None)
                message_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            client.unbind()
        except smpplib.exceptions.PDUError as exc:
            raise SmsError(f"SMS centre refused the message: {exc.args[0]}") from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            raise SmsError(f"SMS centre unreachable at {self.host}:{self.port}: {exc or 'connection failed'}") from exc
        finally:
            if client._socket is not None:
                client.disconnect()
        return message_id


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str) -> str | None:
    """Send now through the configured backend (raises SmsError). Notifications go through the
    outbox instead (kabinet.comms.services.notifications.notify), which retries."""
    message_id = get_backend().send(phone, text)
    logger.info("SMS sent to %s", phone)
    return message_id
