"""GET /api/v1/bills/, /bills/{id}/ and /bills/{id}/pdf: closed months of visible accounts only."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest

from kabinet.accounts.models import AccountLink
from kabinet.billing.models import Balance, Bill, BillingPeriod
from kabinet.billing.rules import qr
from tests import factories

pytestmark = pytest.mark.django_db


def owner_of(account):
    return AccountLink.objects.get(account=account, role=AccountLink.Role.OWNER).user


def test_the_list_has_every_closed_month_and_the_pdf_scans(billed, client_for, tmp_path):
    BillingPeriod.objects.create(organization=billed.organization, period=dt.date(2026, 4, 1))
    Balance.objects.create(account=billed, period=dt.date(2026, 4, 1), closing=Decimal("9"))
    api = client_for(owner_of(billed))
    data = api.get("/api/v1/bills/").json()
    assert data["count"] == 1
    (row,) = data["results"]
    assert row["id"] == f"{billed.pk}-2026-03" and row["period"] == "2026-03" and row["closing"] == "5234.10"
    assert row["issued"] is False and row["pdf"].endswith(f"/api/v1/bills/{billed.pk}-2026-03/pdf")
    response = api.get(f"/api/v1/bills/{billed.pk}-2026-03/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (tmp_path / "b.pdf").write_bytes(b"".join(response.streaming_content))
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "b.pdf"), str(tmp_path / "b")],
                   check=True)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "b.png")], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert qr.parse_payload(scanned)["PersAcc"] == "1000777" and qr.parse_payload(scanned)["Sum"] == "523410"
    detail = api.get(f"/api/v1/bills/{billed.pk}-2026-03/").json()
    assert detail["issued"] is True and detail["amount_due"] == "5234.10"


def test_filters_and_bad_parameters(billed, client_for):
    api = client_for(owner_of(billed))
    assert api.get(f"/api/v1/bills/?account={billed.pk}&period=2026-03").json()["count"] == 1
    assert api.get("/api/v1/bills/?period=2026-02").json()["count"] == 0
    response = api.get("/api/v1/bills/?period=March")
    assert response.status_code == 400 and response.json()["detail"]


def test_staff_see_their_organisations_bills_and_strangers_nothing(billed, client_for):
    staff = factories.StaffMembershipFactory(organization=billed.organization).user
    assert client_for(staff).get("/api/v1/bills/").json()["count"] == 1
    stranger = factories.UserFactory()
    factories.AccountLinkFactory(user=stranger)
    api = client_for(stranger)
    assert api.get("/api/v1/bills/").json()["count"] == 0
    for url in (f"/api/v1/bills/{billed.pk}-2026-03/", f"/api/v1/bills/{billed.pk}-2026-03/pdf",
                "/api/v1/bills/nonsense/pdf", f"/api/v1/bills/{billed.pk}-2026-13/pdf"):
        assert api.get(url).status_code == 404
    assert not Bill.objects.exists()
