"""The e-receipt list in the panel: the organisation's accounts that get bills by email."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kabinet.core.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_export_their_e_receipt_accounts_with_the_owners_emails(client):
    org = factories.OrganizationFactory()
    chosen = factories.AccountFactory(organization=org, number="5550001", e_receipt=True)
    factories.AccountFactory(organization=org, number="5550002", e_receipt=False)
    factories.AccountFactory(number="5550003", e_receipt=True)  # another organisation
    factories.AccountLinkFactory(account=chosen, user=factories.UserFactory(email="paperless@example.com",
                                                                           email_confirmed=True))
    staff = factories.StaffMembershipFactory(organization=org, roles=[Role.USERS]).user
    client.force_login(staff)
    text = client.get(reverse("panel:e_receipt_export")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["5550001"] and rows[1][4] == "paperless@example.com"
    book = load_workbook(io.BytesIO(client.get(reverse("panel:e_receipt_export") + "?format=xlsx").content))
    assert [row[1] for row in book.active.values][1:] == ["5550001"]


def test_staff_without_the_users_role_cannot_export(client):
    org = factories.OrganizationFactory()
    staff = factories.StaffMembershipFactory(organization=org, roles=[Role.APPEALS]).user
    client.force_login(staff)
    assert client.get(reverse("panel:e_receipt_export")).status_code in (403, 404)
