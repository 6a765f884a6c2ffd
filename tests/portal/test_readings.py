"""The readings page and its two-step confirmation: modes, zones, every kind of bad input, limits,
rollover, the window, access, tampering — and that nothing is stored on any error."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.metering.models import Reading, ReadingSettings
from kabinet.portal.views.readings import sign_readings
from tests import factories
from tests.metering.factories import MeterFactory
from tests.portal.conftest import ru
from tests.portal.readings_helpers import (
    CONFIRM,
    READINGS,
    TODAY,
    electricity_meter,
    field,
    meter_url,
    mode,
    water_meter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def new_readings():
    return list(Reading.objects.filter(status=Reading.Status.NEW).order_by("pk"))


def field_errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def confirm(client, response, *ticks, **extra):
    data = {"payload": response.context["payload"], "submit": "1", **extra}
    for code, key in ticks:
        data.setdefault(f"confirm-{code}", []).append(key)
    return client.post(CONFIRM, data)


# --- The page -----------------------------------------------------------------------------------------


def test_page_groups_meters_by_address_with_last_reading_input_and_verification(login, alice, account):
    water = water_meter(account)
    power = electricity_meter(account)
    # A street that sorts after any generated one: the page lists addresses in order.
    other_flat = factories.AccountFactory(organization=account.organization,
                                          premises__building__street="ул. Яблочная")
    factories.AccountLinkFactory(user=alice, account=other_flat)
    hot = water_meter(other_flat, serial="77700011", verification_due=dt.date(2026, 12, 1))
    old = water_meter(other_flat, serial="77700012", verification_due=dt.date(2026, 1, 31))
    MeterFactory(account=account, serial_number="HIDDEN-UNREG", is_registered=False)
    html = login(alice).get(READINGS).content.decode()
    assert html.index(account.address) < html.index("12426322") < html.index(str(other_flat.premises))
    for meter in (water, power, hot, old):
        assert f'name="{field(meter)}"' in html
    assert "HIDDEN-UNREG" not in html
    assert 'inputmode="decimal"' in html and f'<label for="id_{field(water)}">' in html
    assert "Последнее принятое" in html and "100\u00a0м³" in html and "20.10.2026" in html
    for zone in ("Пик", "Ночь", "Полупик"):
        assert f"Показание</span><span class=\"when-consumption\">Расход</span> — {zone}, кВт·ч" in html
    assert "30\u202f113\u00a0кВт·ч" in html
    assert "Поверка до 01.01.2030" in html
    assert "Скоро поверка" in html and "01.12.2026" in html
    assert "Срок поверки истёк" in html and "31.01.2026" in html
    assert "Показания за <strong>ноябрь 2026</strong>" in html
    # Breadcrumbs and both modes named in words.
    assert "Главная" in html and "Показания приборов учета" in html and "Ввод показаний" in html
    assert 'value="reading"' in html and 'value="consumption"' in html and "Что вы вводите" in html
    assert "portal/readings.js" in html


def test_dashboard_tile_and_account_page_link_to_readings(login, alice, account):
    client = login(alice)
    assert f'href="{READINGS}"' in client.get(reverse("portal:dashboard")).content.decode()
    html = client.get(reverse("portal:account_detail", args=[account.pk])).content.decode()
    assert f'href="{READINGS}"' in html and "Передать показания" in html


def test_no_meters_explains_why(login, alice, account):
    html = login(alice).get(READINGS).content.decode()
    assert ru("There are no meters on your accounts to show.") in html
    assert ru("It is a house (collective) meter: the organisation reads it.") in html


# --- Happy paths -----------------------------------------------------------------------------------------


def test_reading_mode_preview_then_confirm_stores_a_portal_reading(login, alice, account):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "112,5", mode(water): "reading"})
    assert response.templates[0].name == "portal/readings_confirm.html"
    html = response.content.decode()
    assert "100\u00a0м³" in html and "112,5\u00a0м³" in html and "12,5\u00a0м³" in html
    assert "Подтверждение показаний" in html and "введено показание" in html
    assert not new_readings()  # nothing stored by the preview
    response = confirm(client, response)
    assert response.status_code == 302 and response["Location"] == READINGS
    (reading,) = new_readings()
    assert (reading.meter, reading.value, reading.consumption, reading.source, reading.submitted_by) == (
        water, Decimal("112.5"), Decimal("12.5"), Reading.Source.PORTAL, alice)
    assert reading.period == dt.date(2026, 11, 1)
    page = client.get(READINGS)
    assert ru("Thank you, the readings have been sent. The organisation will check them; you can follow their "
              "status in the meter's history.") in page.content.decode()
    assert "На проверке" in page.content.decode()


def test_consumption_mode_computes_the_reading(login, alice, account):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "7", mode(water): "consumption"})
    html = response.content.decode()
    assert "107\u00a0м³" in html and "введён расход" in html
    confirm(client, response)
    (reading,) = new_readings()
    assert (reading.value, reading.consumption) == (Decimal("107"), Decimal("7"))


def test_three_zone_meter_takes_every_zone_in_one_submission_in_either_mode(login, alice, account):
    power = electricity_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(power, "T1"): "30200", field(power, "T2"): "1200.5",
                                      field(power, "T3"): "23800", mode(power): "reading"})
    confirm(client, response)
    stored = {r.zone: (r.value, r.consumption) for r in new_readings()}
    assert stored == {"T1": (Decimal("30200"), Decimal("87")), "T2": (Decimal("1200.5"), Decimal("15.5")),
                      "T3": (Decimal("23800"), Decimal("35"))}
    # Again in consumption mode: replaces the pending readings, the history keeps both.
    response = client.post(READINGS, {field(power, "T1"): "10", field(power, "T2"): "0",
                                      field(power, "T3"): "5", mode(power): "consumption"})
    assert "Пик" in response.content.decode() and "30\u202f123\u00a0кВт·ч" in response.content.decode()
    response = confirm(client, response)
    stored = {r.zone: (r.value, r.consumption) for r in new_readings()}
    assert stored == {"T1": (Decimal("30123"), Decimal("10")), "T2": (Decimal("1185"), Decimal("0")),
                      "T3": (Decimal("23770"), Decimal("5"))}
    assert Reading.objects.filter(meter=power, status=Reading.Status.SUPERSEDED).count() == 3
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("заменены новыми" in m for m in messages)


def test_only_filled_meters_are_sent(login, alice, account):
    water = water_meter(account)
    power = electricity_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading", mode(power): "reading"})
    confirm(client, response)
    assert [r.meter for r in new_readings()] == [water]


def test_change_button_brings_the_values_back(login, alice, account):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "7", mode(water): "consumption"})
    back = client.post(READINGS, {"payload": response.context["payload"], "edit": "1"})
    html = back.content.decode()
    assert back.templates[0].name == "portal/readings.html"
    assert 'value="7"' in html
    assert back.context["form"][mode(water)].value() == "consumption"
    assert not new_readings()


def test_single_meter_page(login, alice, account):
    water = water_meter(account)
    power = electricity_meter(account)
    client = login(alice)
    html = client.get(meter_url(power)).content.decode()
    assert "Ввод показаний: Электроэнергия № 12426323" in html and "12426322" not in html
    response = client.post(meter_url(power), {field(power, "T1"): "30114", field(power, "T2"): "1186",
                                              field(power, "T3"): "23766", mode(power): "reading"})
    assert confirm(client, response)["Location"] == meter_url(power)
    assert len(new_readings()) == 3 and water.readings.filter(status=Reading.Status.NEW).count() == 0


# --- Bad input: the message next to the field, the values stay, nothing stored -------------------------------


@pytest.mark.parametrize(("typed", "msgid"), [
    ("abc", "Use digits only, with a comma or a point before the decimals, e.g. 12345,6."),
    ("12,3.4", "Use only one decimal separator: a comma or a point, e.g. 12345,6."),
    ("1 234", "Remove the spaces inside the number: type it without gaps, e.g. 12345,6."),
    ("-5", "The value cannot be negative."),
    ("123456", "Too many digits: this meter shows at most %(digits)s digits before the decimal separator."),
    ("100,12345", "Too many digits after the decimal separator: this meter shows at most %(decimals)s."),
])
def test_bad_values_show_the_message_next_to_the_field(login, alice, account, typed, msgid):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): typed, mode(water): "reading"})
    assert response.status_code == 200 and response.templates[0].name == "portal/readings.html"
    expected = ru(msgid, digits=5, decimals=3)
    assert field_errors(response, field(water)) == [expected]  # (no characters that HTML escapes)
    html = response.content.decode()
    error_div = f'<div class="field-error" id="id_{field(water)}_error"><p>{expected}</p></div>'
    assert error_div in html
    assert f'value="{typed}"' in html  # the entered value stays
    assert not new_readings()


def test_missing_zone_is_reported_at_that_zone(login, alice, account):
    power = electricity_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(power, "T1"): "30200", field(power, "T2"): "1200", mode(power): "reading"})
    assert field_errors(response, field(power, "T3"))
    assert not field_errors(response, field(power, "T1"))
    assert 'value="30200"' in response.content.decode()
    assert not new_readings()


def test_nothing_entered(login, alice, account):
    water_meter(account)
    response = login(alice).post(READINGS, {})
    assert ru("Enter at least one reading.") in response.content.decode()
    assert not new_readings()


def test_unknown_mode_is_an_error_next_to_the_mode(login, alice, account):
    water = water_meter(account)
    response = login(alice).post(READINGS, {field(water): "101", mode(water): "guess"})
    assert field_errors(response, mode(water)) == [ru("Choose whether you enter the reading or the consumption.")]
    assert not new_readings()


def test_consumption_without_a_previous_reading(login, alice, account):
    water = water_meter(account, previous=None)
    response = login(alice).post(READINGS, {field(water): "5", mode(water): "consumption"})
    assert field_errors(response, field(water)) == [
        ru("There is no accepted reading of this meter yet: enter the reading on its display.")]


# --- Rollover and limits ------------------------------------------------------------------------------------


def test_below_previous_asks_to_confirm_a_rollover(login, alice, account):
    water = water_meter(account, previous="99990")
    client = login(alice)
    response = client.post(READINGS, {field(water): "5", mode(water): "reading"})
    html = response.content.decode()
    assert ("Показание не может быть меньше предыдущего (99\u202f990). Если счётчик прошёл через ноль — "
            "подтвердите.") in html
    assert f'name="confirm-rollover" value="{water.pk}:T1"' in html
    not_ticked = confirm(client, response)
    assert not_ticked.status_code == 200 and not new_readings()
    assert ru("Tick the box to confirm, or change the readings.") in not_ticked.content.decode()
    done = confirm(client, response, ("rollover", f"{water.pk}:T1"))
    assert done.status_code == 302
    (reading,) = new_readings()
    assert (reading.value, reading.consumption, reading.flag_rollover) == (Decimal("5"), Decimal("15"), True)


def test_over_the_limit_in_confirm_mode(login, alice, account):
    water = water_meter(account)  # limit 10 m³ × 2 residents = 20 m³
    client = login(alice)
    response = client.post(READINGS, {field(water): "150", mode(water): "reading"})
    html = response.content.decode()
    assert "больше обычного лимита 20\u00a0м³" in html and 'name="confirm-limit"' in html
    assert confirm(client, response).status_code == 200 and not new_readings()
    assert confirm(client, response, ("limit", f"{water.pk}:T1")).status_code == 302
    (reading,) = new_readings()
    assert reading.flag_over_limit and reading.consumption == Decimal("50")


def test_over_the_limit_in_refuse_mode_is_an_error_at_the_field(login, alice, account, org):
    ReadingSettings.objects.update_or_create(organization=org, defaults=dict(limit_mode=ReadingSettings.LimitMode.REFUSE))
    water = water_meter(account)
    response = login(alice).post(READINGS, {field(water): "150", mode(water): "reading"})
    (message,) = field_errors(response, field(water))
    assert "выше лимита 20\u00a0м³" in message or "20\u00a0м³" in message
    assert 'value="150"' in response.content.decode()
    assert not new_readings()


# --- The window ---------------------------------------------------------------------------------------------


def test_closed_window_says_when_it_opens_and_keeps_typed_values(login, alice, account, org):
    water = water_meter(account)
    client = login(alice)
    page = client.get(READINGS)  # the form is loaded while the window is still open…
    assert f'name="{field(water)}"' in page.content.decode()
    ReadingSettings.objects.update_or_create(organization=org, defaults=dict(window_start_day=23, window_end_day=25))
    html = client.get(READINGS).content.decode()
    assert "Приём откроется 23.11.2026" in html and f'name="{field(water)}"' not in html
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})  # …and sent after it closed
    html = response.content.decode()
    assert "23.11.2026" in html and 'value="101"' in html
    assert not new_readings()


def test_window_closing_between_the_steps_stores_nothing(login, alice, account, org):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})
    ReadingSettings.objects.update_or_create(organization=org, defaults=dict(window_start_day=23, window_end_day=25))
    response = confirm(client, response)
    assert response.templates[0].name == "portal/readings.html" and "23.11.2026" in response.content.decode()
    assert 'value="101"' in response.content.decode()
    assert not new_readings()


# --- Access ---------------------------------------------------------------------------------------------


def test_strangers_meter_is_a_404_like_a_missing_one(login, alice, account, charlie):
    water = water_meter(account)
    own = MeterFactory(account=charlie.account_links.get().account)
    client = login(charlie)
    assert client.get(meter_url(water)).status_code == 404
    assert client.get(reverse("portal:meter_readings", args=[999999])).status_code == 404
    assert client.post(meter_url(water), {field(water): "101"}).status_code == 404
    # A field for alice's meter on charlie's own form is ignored.
    response = client.post(READINGS, {field(water): "101", mode(water): "reading", field(own): ""})
    assert "SEKRET" not in response.content.decode() and "12426322" not in response.content.decode()
    assert not new_readings()


def test_delegate_without_the_readings_right_sees_read_only_and_cannot_submit(login, account, bob):
    water = water_meter(account)
    factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE)
    client = login(bob)
    html = client.get(READINGS).content.decode()
    assert "12426322" in html and f'name="{field(water)}"' not in html
    assert ru("View only: the account owner has not allowed you to submit readings.") in html
    assert client.post(READINGS, {field(water): "101", mode(water): "reading"}).status_code == 403
    assert client.post(meter_url(water), {field(water): "101", mode(water): "reading"}).status_code == 403
    payload = sign_readings(bob, [{"meter": water.pk, "zone": "T1", "value": "101", "mode": "reading"}], None)
    assert client.post(CONFIRM, {"payload": payload}).status_code == 404
    assert not new_readings()


def test_delegate_with_the_readings_right_submits(login, account, delegate):
    water = water_meter(account)
    client = login(delegate.user)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})
    confirm(client, response)
    (reading,) = new_readings()
    assert reading.submitted_by == delegate.user


def test_right_revoked_between_the_steps(login, account, delegate):
    water = water_meter(account)
    client = login(delegate.user)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})
    AccountLink.objects.filter(pk=delegate.pk).update(can_readings=False)
    assert confirm(client, response).status_code == 404
    assert not new_readings()


# --- Tampering with the confirmation page ---------------------------------------------------------------------


def test_tampered_payload_stores_nothing(login, alice, account):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})
    payload = response.context["payload"]
    for forged in (payload[:-2] + ("AA" if not payload.endswith("AA") else "BB"), "", "garbage",
                   sign_readings(alice, [], None).replace(":", ";")):
        answer = client.post(CONFIRM, {"payload": forged})
        assert answer.status_code == 302 and answer["Location"] == READINGS
    page = client.get(READINGS).content.decode()
    assert ru("The confirmation page was changed or is too old, so nothing was sent. Enter the readings again.") \
        in page
    assert not new_readings()


def test_another_users_payload_is_a_404(login, alice, account, charlie):
    water = water_meter(account)
    payload = sign_readings(alice, [{"meter": water.pk, "zone": "T1", "value": "101", "mode": "reading"}], None)
    assert login(charlie).post(CONFIRM, {"payload": payload}).status_code == 404
    assert not new_readings()


def test_payload_values_are_checked_again_on_confirm(login, alice, account):
    """Even a correctly signed payload is validated again: bad values go back to the form."""
    water = water_meter(account)
    payload = sign_readings(alice, [{"meter": water.pk, "zone": "T1", "value": "1x", "mode": "reading"}], None)
    response = login(alice).post(CONFIRM, {"payload": payload})
    assert response.templates[0].name == "portal/readings.html"
    assert field_errors(response, field(water))
    assert not new_readings()


def test_expired_payload(login, alice, account):
    water = water_meter(account)
    client = login(alice)
    response = client.post(READINGS, {field(water): "101", mode(water): "reading"})
    with time_machine.travel(TODAY + dt.timedelta(hours=3), tick=False):
        assert confirm(client, response)["Location"] == READINGS
    assert not new_readings()


def test_confirm_is_post_only(login, alice):
    assert login(alice).get(CONFIRM).status_code == 405
