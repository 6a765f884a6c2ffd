"""Bills (ЕПД): the PDF with its payment QR decoded by a real decoder, stored once, e-receipts."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from kabinet.billing import bills
from kabinet.billing.models import Balance, Bill, BillingPeriod
from kabinet.billing.rules import qr
from kabinet.billing.services import close_period
from tests import factories
from tests.billing.bill_fixtures import PERIOD  # and the `billed` fixture (tests/conftest.py)

pytestmark = pytest.mark.django_db


def pdf_of(bill, tmp_path):
    path = tmp_path / "bill.pdf"
    path.write_bytes(bills.read_pdf(bill))
    return path


def scan_qr(pdf_path):
    """Rasterise the page (pdftoppm) and decode the QR (zbarimg), as a banking app's camera would."""
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf_path), str(pdf_path.with_suffix(""))],
                   check=True)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(pdf_path.with_suffix(".png"))],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def pdf_text(pdf_path):
    return subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout


def russian_address(account):
    with translation.override("ru"):
        return account.address


def test_the_bill_qr_scans_with_every_field(billed, tmp_path):
    bill = bills.issue_bill(billed, PERIOD)
    fields = qr.parse_payload(scan_qr(pdf_of(bill, tmp_path)))
    assert scan_qr(pdf_of(bill, tmp_path)).startswith("ST00012|")
    assert fields == {
        "Name": "ООО «УК Пример»", "PersonalAcc": "40702810900000012345", "BankName": "ПАО СБЕРБАНК",
        "BIC": "044525225", "CorrespAcc": "30101810400000000225", "Sum": "523410",
        "Purpose": "Оплата ЖКУ за 03.2026, л/с 1000777", "PayeeINN": "7701234567", "KPP": "770101001",
        "PersAcc": "1000777", "PaymPeriod": "032026", "LastName": "Иванов", "FirstName": "Иван",
        "MiddleName": "Иванович", "PayerAddress": russian_address(billed), "TechCode": "02",
    }
    assert bill.qr_payload == qr.build_payload(fields)


def test_the_bill_shows_payer_payee_lines_and_the_amount_due_with_embedded_cyrillic_fonts(billed, tmp_path):
    path = pdf_of(bills.issue_bill(billed, PERIOD), tmp_path)
    text = " ".join(pdf_text(path).split())
    for expected in ("1000777", "Иванов Иван Иванович", "03.2026", "ООО «УК Пример»", "40702810900000012345",
                     "Содержание жилья", "1629.00", "Холодная вода", "356.51", "50.93", "5234.10",
                     "12.03.2026: 1000.00", "4248.59"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts  # every font embedded (emb column)
    assert any("DejaVu" in line for line in fonts)


def test_an_issued_bill_never_changes(billed, tmp_path):
    first = bills.issue_bill(billed, PERIOD)
    content = bills.read_pdf(first)
    Balance.objects.filter(account=billed, period=PERIOD).update(closing=Decimal("1.00"))  # a later correction
    again = bills.issue_bill(billed, PERIOD)
    assert again.pk == first.pk and again.sha256 == first.sha256 and bills.read_pdf(again) == content
    assert again.amount_due == Decimal("5234.10")
    assert Bill.objects.count() == 1


def test_open_periods_and_periods_without_data_get_no_bill(billed):
    BillingPeriod.objects.create(organization=billed.organization, period=dt.date(2026, 4, 1))
    Balance.objects.create(account=billed, period=dt.date(2026, 4, 1), closing=Decimal("10"))
    with pytest.raises(bills.BillError):
        bills.issue_bill(billed, dt.date(2026, 4, 1))
    with pytest.raises(bills.BillError):
        bills.issue_bill(billed, dt.date(2025, 1, 1))
    assert bills.billable_periods(billed) == [PERIOD]


def test_without_bank_details_the_bill_has_no_qr_and_says_why(billed, tmp_path):
    billed.organization.bank_account = ""
    billed.organization.save()
    bill = bills.issue_bill(billed, PERIOD)
    assert bill.qr_payload == ""
    text = " ".join(pdf_text(pdf_of(bill, tmp_path)).split())
    assert "нет QR-кода" in text


def test_an_overpaid_month_has_no_sum_in_the_qr(billed):
    Balance.objects.filter(account=billed, period=PERIOD).update(closing=Decimal("-50.00"))
    bill = bills.issue_bill(billed, PERIOD)
    assert "Sum" not in qr.parse_payload(bill.qr_payload) and bill.amount_due == 0


def test_loaded_balances_without_billing_periods_are_billable_before_the_current_month(db):
    account = factories.AccountFactory()
    this_month = dt.date.today().replace(day=1)
    factories.BalanceFactory(account=account, period=this_month)
    factories.BalanceFactory(account=account, period=dt.date(2024, 1, 1))
    assert bills.billable_periods(account) == [dt.date(2024, 1, 1)]  # no time limit, but not the open month


def test_closing_a_period_issues_its_bills_and_emails_e_receipts(billed, settings, django_capture_on_commit_callbacks):
    settings.KABINET_BILLS_ON_CLOSE = True
    billed.e_receipt = True
    billed.save()
    BillingPeriod.objects.filter(organization=billed.organization).update(status=BillingPeriod.Status.OPEN)
    with translation.override("ru"), django_capture_on_commit_callbacks(execute=True):
        close_period(billed.organization, PERIOD)  # tasks run immediately in tests, after the commit
    bill = Bill.objects.get(account=billed, period=PERIOD)
    assert bill.emailed_at is not None
    (message,) = [m for m in mail.outbox if "owner@example.com" in m.to]
    (name, content, mimetype), = message.attachments
    assert name == "bill-1000777-2026-03.pdf" and mimetype == "application/pdf" and content == bills.read_pdf(bill)


def test_without_e_receipt_no_email_is_sent(billed):
    bills.issue_bill(billed, PERIOD)
    assert mail.outbox == []


def test_issue_bills_prints_each_account_once(billed):
    other = factories.AccountFactory(organization=billed.organization)
    Balance.objects.create(account=other, period=PERIOD, closing=Decimal("0"))
    assert bills.issue_bills(billed.organization, PERIOD) == 2
    assert bills.issue_bills(billed.organization, PERIOD) == 0
    assert Bill.objects.filter(period=PERIOD).count() == 2


def test_the_bill_shows_common_house_needs_apart_from_the_individual_part(billed, tmp_path):
    """DOMAIN.md §6: volume (individual, common) and charged (individual, common) per service."""
    from kabinet.billing.models import Charge

    water = Charge.objects.get(account=billed, period=PERIOD, kind="metered").service
    Charge.objects.create(account=billed, period=PERIOD, service=water, kind="common", volume=Decimal("0.42"),
                          tariff=Decimal("50.93"), amount=Decimal("21.39"), protocol="ОДН: 0,42 м³ × 50,93 ₽")
    Balance.objects.filter(account=billed, period=PERIOD).update(charged=Decimal("2006.90"), closing=Decimal("5255.49"))
    figures = bills.bill_figures(billed, PERIOD)
    [water_line] = [s for s in figures["services"] if s["name"] == "Холодная вода"]
    assert (water_line["volume"], water_line["volume_common"]) == ("7", "0.42")
    assert (water_line["charged_individual"], water_line["charged_common"], water_line["charged"]) == (
        "356.51", "21.39", "377.90")
    [upkeep] = [s for s in figures["services"] if s["name"] == "Содержание жилья"]
    assert (upkeep["volume_common"], upkeep["charged_common"], upkeep["charged_individual"]) == ("", "", "1629.00")
    text = " ".join(pdf_text(pdf_of(bills.issue_bill(billed, PERIOD), tmp_path)).split())
    assert "7 0.42 50.93 356.51 21.39 0.00 377.90" in text
