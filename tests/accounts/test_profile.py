import datetime as dt

import pytest
import time_machine
from django.core import mail

from kabinet.accounts import profile
from kabinet.accounts.codes import CodeError, CodeThrottled
from kabinet.accounts.models import User
from kabinet.comms import sms
from tests.factories import PASSWORD

NEW_PHONE = "+79125550011"


@pytest.fixture
def clock(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


def mailed_code() -> str:
    return mail.outbox[-1].body.split(": ")[1][:6]


def sms_code() -> str:
    return sms.outbox[-1][1].split(": ")[1][:6]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def latest_history(user):
    return user.history.order_by("-history_id").first()


# --- Name -------------------------------------------------------------------------------------------


def test_update_name_saves_and_records_history(alice):
    before = alice.history.count()
    profile.update_name(alice, "  Алиса   Петровна ")
    alice.refresh_from_db()
    assert alice.full_name == "Алиса Петровна"
    entry = latest_history(alice)
    assert alice.history.count() == before + 1
    assert entry.history_change_reason == "name changed"
    assert entry.history_user_id == alice.pk


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_update_name_refuses_empty_or_too_long(alice, name):
    with pytest.raises(profile.ProfileError) as exc:
        profile.update_name(alice, name)
    assert exc.value.field == "full_name"
    alice.refresh_from_db()
    assert alice.full_name != name


# --- Email ------------------------------------------------------------------------------------------


def test_email_is_taken_only_after_the_code(clock, alice):
    code = profile.request_email_change(alice, " New@Example.COM ")
    assert mail.outbox[-1].to == ["new@example.com"]
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"  # nothing changes before the code
    profile.confirm_email_change(alice, code.pk, mailed_code())
    alice.refresh_from_db()
    assert (alice.email, alice.email_confirmed) == ("new@example.com", True)
    assert latest_history(alice).history_change_reason == "email confirmed"


def test_the_current_unconfirmed_email_can_be_confirmed(clock, alice):
    assert not alice.email_confirmed
    code = profile.request_email_change(alice, "alice@example.com")
    profile.confirm_email_change(alice, code.pk, mailed_code())
    alice.refresh_from_db()
    assert alice.email_confirmed


def test_a_confirmed_email_is_not_confirmed_again(clock, alice):
    User.objects.filter(pk=alice.pk).update(email_confirmed=True)
    alice.refresh_from_db()
    with pytest.raises(profile.ProfileError, match="already your confirmed email"):
        profile.request_email_change(alice, "alice@example.com")


def test_an_email_of_another_user_is_refused_without_details(clock, alice, bob):
    with pytest.raises(profile.ProfileError) as exc:
        profile.request_email_change(alice, "BOB@example.com")
    message = str(exc.value)
    assert "already used by another profile" in message
    assert bob.full_name not in message and (bob.phone or "") not in message
    assert exc.value.field == "email"
    assert mail.outbox == []  # nothing is sent to the other person


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b"])
def test_a_bad_email_is_refused(clock, alice, email):
    with pytest.raises(profile.ProfileError, match="Enter an email address"):
        profile.request_email_change(alice, email)


def test_an_email_taken_between_request_and_confirmation_is_refused(clock, alice, bob):
    code = profile.request_email_change(alice, "shared@example.com")
    entered = mailed_code()
    User.objects.filter(pk=bob.pk).update(email="shared@example.com")
    with pytest.raises(profile.ProfileError, match="already used"):
        profile.confirm_email_change(alice, code.pk, entered)
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_wrong_email_code_is_counted_and_changes_nothing(clock, alice):
    code = profile.request_email_change(alice, "new@example.com")
    with pytest.raises(CodeError, match="Attempts left: 4"):
        profile.confirm_email_change(alice, code.pk, wrong(mailed_code()))
    code.refresh_from_db()
    assert code.attempts == 1  # the attempt stays counted
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_an_expired_email_code_is_refused(clock, alice):
    code = profile.request_email_change(alice, "new@example.com")
    entered = mailed_code()
    clock.shift(dt.timedelta(minutes=11))
    with pytest.raises(CodeError, match="expired"):
        profile.confirm_email_change(alice, code.pk, entered)


def test_someone_elses_code_is_refused(clock, alice, bob):
    code = profile.request_email_change(alice, "new@example.com")
    entered = mailed_code()
    with pytest.raises(CodeError, match="wrong"):
        profile.confirm_email_change(bob, code.pk, entered)
    with pytest.raises(CodeError, match="wrong"):
        profile.resend_change_code(bob, code.pk)
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"


def test_a_code_is_resent_after_the_throttle(clock, alice):
    code = profile.request_email_change(alice, "new@example.com")
    with pytest.raises(CodeThrottled):
        profile.resend_change_code(alice, code.pk)
    clock.shift(dt.timedelta(seconds=61))
    fresh = profile.resend_change_code(alice, code.pk)
    profile.confirm_email_change(alice, fresh.pk, mailed_code())
    alice.refresh_from_db()
    assert alice.email == "new@example.com"


# --- Phone ------------------------------------------------------------------------------------------


def test_phone_changes_after_the_sms_code(clock, alice):
    code = profile.request_phone_change(alice, "8 (912) 555-00-11")
    assert sms.outbox[-1][0] == NEW_PHONE
    alice.refresh_from_db()
    assert alice.phone == "+79120000001"
    profile.confirm_phone_change(alice, code.pk, sms_code())
    alice.refresh_from_db()
    assert (alice.phone, alice.phone_confirmed) == (NEW_PHONE, True)
    assert latest_history(alice).history_change_reason == "phone changed"


def test_a_phone_of_another_user_or_a_bad_number_is_refused(clock, alice, bob):
    with pytest.raises(profile.ProfileError, match="already used by another profile"):
        profile.request_phone_change(alice, bob.phone)
    with pytest.raises(profile.ProfileError, match="Enter a mobile phone number"):
        profile.request_phone_change(alice, "12345")
    with pytest.raises(profile.ProfileError, match="already your confirmed phone"):
        profile.request_phone_change(alice, alice.phone)
    assert sms.outbox == []


def test_a_wrong_phone_code_changes_nothing(clock, alice):
    code = profile.request_phone_change(alice, NEW_PHONE)
    with pytest.raises(CodeError, match="wrong"):
        profile.confirm_phone_change(alice, code.pk, wrong(sms_code()))
    alice.refresh_from_db()
    assert alice.phone == "+79120000001"


def test_an_email_code_does_not_change_the_phone(clock, alice):
    code = profile.request_email_change(alice, "new@example.com")
    with pytest.raises(CodeError, match="wrong"):
        profile.confirm_phone_change(alice, code.pk, mailed_code())


# --- Password ---------------------------------------------------------------------------------------


def test_change_password(alice):
    profile.change_password(alice, PASSWORD, "a-new-long-secret-7")
    alice.refresh_from_db()
    assert alice.check_password("a-new-long-secret-7")
    assert latest_history(alice).history_change_reason == "password changed"


def test_change_password_needs_the_old_one(alice):
    with pytest.raises(profile.ProfileError, match="current password is wrong") as exc:
        profile.change_password(alice, "not-it", "a-new-long-secret-7")
    assert exc.value.field == "old_password"
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


@pytest.mark.parametrize("new", ["short1", "12345678901", "password123"])
def test_change_password_applies_the_validators(alice, new):
    with pytest.raises(profile.ProfileError) as exc:
        profile.change_password(alice, PASSWORD, new)
    assert exc.value.field == "new_password"
    assert exc.value.messages
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
