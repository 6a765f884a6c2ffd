"""The portal's «Счета» page and «Загрузить счёт»: every closed month, rights, no bill for open months."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.billing.models import Balance, Bill, BillingPeriod
from kabinet.core.money import add_months
from tests import factories
from tests.billing.bill_fixtures import PERIOD  # and the `billed` fixture (tests/conftest.py)

pytestmark = pytest.mark.django_db


def download_url(account, period):
    return reverse("portal:bill_download", kwargs={"pk": account.pk, "year": period.year, "month": period.month})


def owner_of(account):
    return AccountLink.objects.get(account=account, role=AccountLink.Role.OWNER).user


def test_the_page_lists_every_closed_month_without_a_time_limit(billed, client):
    for months_ago in range(1, 25):  # two years of closed months before March 2026
        period = add_months(PERIOD, -months_ago)
        Balance.objects.create(account=billed, period=period, closing=Decimal("1"))
        BillingPeriod.objects.create(organization=billed.organization, period=period, status="closed")
    BillingPeriod.objects.create(organization=billed.organization, period=dt.date(2026, 4, 1))  # open
    Balance.objects.create(account=billed, period=dt.date(2026, 4, 1), closing=Decimal("1"))
    client.force_login(owner_of(billed))
    page = client.get(reverse("portal:account_bills", kwargs={"pk": billed.pk})).content.decode()
    assert page.count("Загрузить счёт") == 25
    assert download_url(billed, dt.date(2024, 3, 1)) in page and download_url(billed, dt.date(2024, 2, 1)) not in page and download_url(billed, PERIOD) in page
    assert download_url(billed, dt.date(2026, 4, 1)) not in page


def test_download_prints_the_bill_once_and_serves_the_same_pdf(billed, client):
    client.force_login(owner_of(billed))
    first = client.get(download_url(billed, PERIOD))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert 'filename="bill-1000777-2026-03.pdf"' in first["Content-Disposition"]
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF")
    assert b"".join(client.get(download_url(billed, PERIOD)).streaming_content) == body
    assert Bill.objects.count() == 1


def test_a_delegate_sees_bills_and_a_stranger_gets_404(billed, client):
    delegate = factories.UserFactory()
    factories.AccountLinkFactory(user=delegate, account=billed, role=AccountLink.Role.DELEGATE)
    client.force_login(delegate)
    assert client.get(download_url(billed, PERIOD)).status_code == 200
    stranger = factories.UserFactory()
    factories.AccountLinkFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("portal:account_bills", kwargs={"pk": billed.pk})).status_code == 404
    assert client.get(download_url(billed, PERIOD)).status_code == 404


def test_open_or_unknown_months_and_impossible_dates_are_404(billed, client):
    BillingPeriod.objects.create(organization=billed.organization, period=dt.date(2026, 4, 1))
    Balance.objects.create(account=billed, period=dt.date(2026, 4, 1), closing=Decimal("1"))
    client.force_login(owner_of(billed))
    assert client.get(download_url(billed, dt.date(2026, 4, 1))).status_code == 404
    assert client.get(download_url(billed, dt.date(2020, 1, 1))).status_code == 404
    bad = reverse("portal:bill_download", kwargs={"pk": billed.pk, "year": 2026, "month": 13})
    assert client.get(bad).status_code == 404
    assert not Bill.objects.exists()


def test_the_account_page_links_to_the_bills(billed, client):
    client.force_login(owner_of(billed))
    page = client.get(reverse("portal:account_detail", kwargs={"pk": billed.pk})).content.decode()
    assert reverse("portal:account_bills", kwargs={"pk": billed.pk}) in page
