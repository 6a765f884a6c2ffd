import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from kabinet.accounts.codes import CodeError, CodeThrottled, check_code, issue_code
from kabinet.accounts.models import ConfirmationCode
from kabinet.comms import sms

P = ConfirmationCode.Purpose
PHONE = "+79123456789"


def sent_code():
    return sms.outbox[-1][1].split(": ")[1][:6]


@pytest.fixture
def clock(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def test_a_code_is_sent_by_sms_and_accepted_once(clock):
    obj = issue_code(P.REGISTRATION, "sms", PHONE, {"account_id": 1})
    assert sms.outbox[-1][0] == PHONE
    code = sent_code()
    assert code not in obj.code_hash
    assert check_code(obj.pk, code, P.REGISTRATION).payload == {"account_id": 1}
    with pytest.raises(CodeError, match="already been used"):
        check_code(obj.pk, code, P.REGISTRATION)


def test_a_code_can_go_by_email(clock):
    issue_code(P.EMAIL_CONFIRM, "email", "a@example.com")
    assert mail.outbox[-1].to == ["a@example.com"]


def test_a_code_expires_after_ten_minutes(clock):
    obj = issue_code(P.REGISTRATION, "sms", PHONE)
    code = sent_code()
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    with pytest.raises(CodeError, match="expired"):
        check_code(obj.pk, code, P.REGISTRATION)


def test_wrong_attempts_are_counted_and_burn_the_code(clock):
    obj = issue_code(P.REGISTRATION, "sms", PHONE)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeError, match=f"Attempts left: {left}"):
            check_code(obj.pk, wrong, P.REGISTRATION)
    with pytest.raises(CodeError, match="Too many"):
        check_code(obj.pk, wrong, P.REGISTRATION)
    with pytest.raises(CodeError, match="Too many"):
        check_code(obj.pk, code, P.REGISTRATION)  # even the right code is refused now


def test_a_code_for_another_purpose_is_refused(clock):
    obj = issue_code(P.REGISTRATION, "sms", PHONE)
    with pytest.raises(CodeError):
        check_code(obj.pk, sent_code(), P.PASSWORD_RESET)


def test_resend_is_throttled_and_the_new_code_replaces_the_old(clock):
    first = issue_code(P.REGISTRATION, "sms", PHONE)
    first_code = sent_code()
    with pytest.raises(CodeThrottled) as exc:
        issue_code(P.REGISTRATION, "sms", PHONE)
    assert 0 < exc.value.retry_after <= 60
    clock.shift(dt.timedelta(seconds=61))
    second = issue_code(P.REGISTRATION, "sms", PHONE)
    with pytest.raises(CodeError, match="replaced"):
        check_code(first.pk, first_code, P.REGISTRATION)
    assert check_code(second.pk, sent_code(), P.REGISTRATION)


def test_at_most_five_codes_an_hour(clock):
    for _ in range(5):
        issue_code(P.REGISTRATION, "sms", PHONE)
        clock.shift(dt.timedelta(seconds=61))
    with pytest.raises(CodeThrottled, match="hour"):
        issue_code(P.REGISTRATION, "sms", PHONE)
    assert len(sms.outbox) == 5


def test_messages_are_russian_by_default(clock):
    with translation.override("ru"):
        obj = issue_code(P.REGISTRATION, "sms", PHONE)
        with pytest.raises(CodeError, match="Неверный код. Осталось попыток: 4"):
            check_code(obj.pk, "abcdef", P.REGISTRATION)
    assert sms.outbox[-1][1].startswith("Код регистрации")
