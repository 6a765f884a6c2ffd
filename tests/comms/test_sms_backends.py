"""SMS backends against local fake servers: a generic HTTP gateway (http.server) and an SMS centre
speaking SMPP over a real socket (PDUs built and parsed with smpplib itself)."""

import base64
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import smpplib.smpp

from kabinet.comms.sms import HttpSmsBackend, SmppSmsBackend, SmsError

# --- HTTP --------------------------------------------------------------------------------------------


class FakeGateway(BaseHTTPRequestHandler):
    requests: list = []
    status = 200
    answer = b'{"id": "msg-42"}'

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(monkeypatch):
    FakeGateway.requests, FakeGateway.status, FakeGateway.answer = [], 200, b'{"id": "msg-42"}'
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("KABINET_SMS_HTTP_URL", f"http://127.0.0.1:{server.server_port}/send?sender=$phone")
    yield FakeGateway
    server.shutdown()
    server.server_close()


def test_http_json_template_with_bearer_auth(gateway, monkeypatch):
    monkeypatch.setenv("KABINET_SMS_HTTP_AUTH", "Bearer s3cret")
    monkeypatch.setenv("KABINET_SMS_HTTP_TEMPLATE", '{"to": "$phone", "message": "$text", "from": "Kabinet"}')
    text = 'Долг 1 500,00 руб. "кавычки"\nи перевод строки'
    assert HttpSmsBackend().send("+79120000001", text) == "msg-42"
    (request,) = gateway.requests
    assert request["path"] == "/send?sender=%2B79120000001"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {"to": "+79120000001", "message": text, "from": "Kabinet"}


def test_http_form_template_with_basic_auth(gateway, monkeypatch):
    monkeypatch.setenv("KABINET_SMS_HTTP_AUTH", "user:pa:ss")
    monkeypatch.setenv("KABINET_SMS_HTTP_TEMPLATE", "login=kab&phone=$phone&text=$text")
    gateway.answer = b"OK"
    assert HttpSmsBackend().send("+79120000001", "Показания приняты & 100%") is None
    (request,) = gateway.requests
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"user:pa:ss").decode()
    assert parse_qs(request["body"].decode()) == {
        "login": ["kab"], "phone": ["+79120000001"], "text": ["Показания приняты & 100%"]}


def test_http_error_answer_raises_a_clear_error(gateway):
    gateway.status, gateway.answer = 503, b"maintenance"
    with pytest.raises(SmsError, match="HTTP 503: maintenance"):
        HttpSmsBackend().send("+79120000001", "x")


def test_http_gateway_down(monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("KABINET_SMS_HTTP_URL", f"http://127.0.0.1:{port}/send")
    with pytest.raises(SmsError, match="unreachable"):
        HttpSmsBackend().send("+79120000001", "x")


# --- SMPP --------------------------------------------------------------------------------------------


class FakeSmsc:
    """A one-connection SMS centre: answers bind, submit_sm (with ids) and unbind; records PDUs."""

    def __init__(self, bind_status=0):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.bind_status = bind_status
        self.received = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _read(self, conn):
        head = conn.recv(4, socket.MSG_WAITALL)
        if len(head) < 4:
            return None
        (length,) = struct.unpack(">L", head)
        data = head + conn.recv(length - 4, socket.MSG_WAITALL)
        return smpplib.smpp.parse_pdu(data, client=None, allow_unknown_opt_params=True)

    def _answer(self, conn, command, sequence, status=0, **fields):
        pdu = smpplib.smpp.make_pdu(command, client=None, status=status, **fields)
        pdu.sequence = sequence
        conn.sendall(pdu.generate())

    def serve(self):
        conn, _addr = self.server.accept()
        with conn:
            while (pdu := self._read(conn)) is not None:
                self.received.append(pdu)
                if pdu.command == "bind_transmitter":
                    self._answer(conn, "bind_transmitter_resp", pdu.sequence, status=self.bind_status,
                                 system_id="FAKE")
                elif pdu.command == "submit_sm":
                    self._answer(conn, "submit_sm_resp", pdu.sequence, message_id=f"id{len(self.received)}")
                elif pdu.command == "unbind":
                    self._answer(conn, "unbind_resp", pdu.sequence)
                    break

    def close(self):
        self.server.close()


class _NullClient:
    """smpplib's PDUs ask a client for sequence numbers; the fake centre sets them itself."""

    sequence = 1

    def next_sequence(self):
        return 1


@pytest.fixture
def smsc(monkeypatch):
    import smpplib.pdu

    monkeypatch.setattr(smpplib.pdu, "default_client", _NullClient, raising=False)
    servers = []

    def start(**kwargs):
        server = FakeSmsc(**kwargs)
        servers.append(server)
        monkeypatch.setenv("KABINET_SMPP_HOST", "127.0.0.1")
        monkeypatch.setenv("KABINET_SMPP_PORT", str(server.port))
        monkeypatch.setenv("KABINET_SMPP_SYSTEM_ID", "kabinet")
        monkeypatch.setenv("KABINET_SMPP_PASSWORD", "pw")
        monkeypatch.setenv("KABINET_SMPP_SOURCE", "UKPrimer")
        monkeypatch.setenv("KABINET_SMPP_TIMEOUT", "3")
        return server

    yield start
    for server in servers:
        server.close()


def test_smpp_sends_a_cyrillic_message(smsc):
    server = smsc()
    assert SmppSmsBackend().send("+79120000001", "Показания приняты") == "id2"
    server.thread.join(3)
    commands = [p.command for p in server.received]
    assert commands == ["bind_transmitter", "submit_sm", "unbind"]
    bind, submit = server.received[0], server.received[1]
    assert bind.system_id == b"kabinet" and bind.password == b"pw"
    assert submit.destination_addr == b"79120000001" and submit.source_addr == b"UKPrimer"
    assert submit.short_message.decode("utf-16-be") == "Показания приняты"  # UCS-2


def test_smpp_splits_a_long_message(smsc):
    server = smsc()
    SmppSmsBackend().send("+79120000001", "Очень длинное сообщение. " * 10)
    server.thread.join(3)
    assert [p.command for p in server.received].count("submit_sm") == 4


def test_smpp_bind_refused(smsc):
    smsc(bind_status=0x0E)  # ESME_RINVPASWD
    with pytest.raises(SmsError, match="refused"):
        SmppSmsBackend().send("+79120000001", "x")


def test_smpp_centre_down(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("KABINET_SMPP_HOST", "127.0.0.1")
    monkeypatch.setenv("KABINET_SMPP_PORT", str(port))
    with pytest.raises(SmsError, match="unreachable"):
        SmppSmsBackend().send("+79120000001", "x")
