import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from tests import factories
from tests.portal.conftest import ru

pytestmark = pytest.mark.django_db


def detail(account):
    return reverse("portal:account_detail", args=[account.pk])


def grant_url(account):
    return reverse("portal:account_grant", args=[account.pk])


def test_owner_sees_details_history_and_access_form(login, alice, account, delegate):
    factories.BalanceFactory(account=account, period=dt.date(2026, 9, 1), charged=Decimal("900.00"),
                             paid=Decimal("0"))
    factories.BalanceFactory(account=account, period=dt.date(2026, 10, 1), opening=Decimal("900.00"),
                             charged=Decimal("1500.00"), paid=Decimal("900.00"), penalty=Decimal("3.15"))
    html = login(alice).get(detail(account)).content.decode()
    assert "Лицевой счёт № 1000200" in html and "ООО «УК Пример»" in html
    assert "Иванов И. И." in html and "54,3" in html and "Зарегистрировано жильцов" in html
    assert html.index("октябрь 2026") < html.index("сентябрь 2026")  # newest first
    assert "1\u202f503,15\u00a0₽" in html and "3,15\u00a0₽" in html
    assert "Доступ для других людей" in html and "bob@example.com" in html
    assert "Может: просмотр, показания" in html
    assert 'action="' + grant_url(account) in html


def test_account_without_history(login, alice, account):
    html = login(alice).get(detail(account)).content.decode()
    assert "По этому счёту пока нет начислений." in html and "Долга нет" in html


def test_delegate_sees_only_what_was_granted(login, account, delegate):
    html = login(delegate.user).get(detail(account)).content.decode()
    assert "1000200" in html and "Вам открыт доступ: просмотр, показания" in html
    assert "Передать показания" in html and "Оплатить" not in html and "Написать обращение" not in html
    assert "Доступ для других людей" not in html and grant_url(account) not in html
    assert "Передавать показания счётчиков" not in html  # the grant form's checkbox


@pytest.mark.parametrize("who", ["bob", "charlie", "staff"])
def test_it_validates_ownership(request, login, account, who):
    user = request.getfixturevalue(who)
    assert login(user).get(detail(account)).status_code == 404


def test_missing_account_is_404(login, alice):
    assert login(alice).get(reverse("portal:account_detail", args=[999999])).status_code == 404


def test_owner_grants_access_by_email_with_rights(login, alice, bob, account):
    response = login(alice).post(grant_url(account), {"contact": "BOB@example.com", "rights": ["payments", "appeals"]})
    assert response["Location"] == detail(account)
    link = AccountLink.objects.get(user=bob, account=account)
    assert link.role == AccountLink.Role.DELEGATE and link.can_payments and link.can_appeals and not link.can_readings


def test_owner_grants_access_by_phone(login, alice, bob, account):
    login(alice).post(grant_url(account), {"contact": "8 912 000-00-02"})
    assert AccountLink.objects.get(user=bob, account=account).rights == ["view"]


def test_grant_to_unknown_contact_shows_the_error_next_to_the_field(login, alice, account):
    response = login(alice).post(grant_url(account), {"contact": "nobody@example.com", "rights": ["payments"]})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_contact_error"' in html
    assert 'value="nobody@example.com"' in html and 'value="payments" id="id_rights_1" checked' in html
    assert AccountLink.objects.filter(account=account).count() == 1


def test_delegate_cannot_grant(login, account, delegate, charlie):
    response = login(delegate.user).post(grant_url(account), {"contact": "charlie@example.com"})
    assert response.status_code == 403
    assert not AccountLink.objects.filter(user=charlie, account=account).exists()


def test_stranger_cannot_grant(login, account, charlie, alice):
    assert login(charlie).post(grant_url(account), {"contact": "charlie@example.com"}).status_code == 404
    assert not AccountLink.objects.filter(user=charlie, account=account).exists()


def test_owner_revokes_access(login, alice, account, delegate):
    url = reverse("portal:account_revoke", args=[account.pk, delegate.pk])
    assert login(alice).post(url)["Location"] == detail(account)
    assert not AccountLink.objects.filter(pk=delegate.pk).exists()


def test_revoke_is_refused_to_delegates_and_strangers(login, account, delegate, charlie, alice):
    url = reverse("portal:account_revoke", args=[account.pk, delegate.pk])
    assert login(delegate.user).post(url).status_code == 403
    assert login(charlie).post(url).status_code == 404
    owner_link = AccountLink.objects.get(user=alice, account=account)
    url = reverse("portal:account_revoke", args=[account.pk, owner_link.pk])  # not a delegation
    assert login(alice).post(url).status_code == 403
    assert AccountLink.objects.filter(account=account).count() == 2


def test_revoke_of_a_link_of_another_account_is_404(login, alice, account, charlie):
    foreign = AccountLink.objects.get(user=charlie)
    url = reverse("portal:account_revoke", args=[account.pk, foreign.pk])
    assert login(alice).post(url).status_code == 404
    assert AccountLink.objects.filter(pk=foreign.pk).exists()


def test_link_another_account_of_another_organisation(login, alice, other_org):
    other = factories.AccountFactory(organization=other_org, number="5000200", receipt_code="654321")
    client = login(alice)
    assert "Добавить лицевой счёт" in client.get(reverse("portal:account_link")).content.decode()
    response = client.post(reverse("portal:account_link"), {"number": "5000200", "receipt_code": "654321"})
    assert response["Location"] == detail(other)
    assert AccountLink.objects.get(user=alice, account=other).is_owner


def test_link_with_a_wrong_receipt_code(login, alice, other_org):
    factories.AccountFactory(organization=other_org, number="5000200", receipt_code="654321")
    response = login(alice).post(reverse("portal:account_link"), {"number": "5000200", "receipt_code": "111111"})
    html = response.content.decode()
    assert ru("No account with this number and receipt code was found. Check both on your latest bill "
              "or contact your management company.") in html
    assert 'value="5000200"' in html
    assert AccountLink.objects.filter(user=alice).count() == 1


def test_link_an_already_linked_account(login, alice, account):
    response = login(alice).post(reverse("portal:account_link"), {"number": "1000200", "receipt_code": "123456"})
    assert ru("Account %(number)s is already linked.", number="1000200") in response.content.decode()


def test_link_requires_login(client, db):
    assert client.get(reverse("portal:account_link")).status_code == 302


def test_unlink_needs_confirmation(login, alice, account):
    url = reverse("portal:account_unlink", args=[account.pk])
    client = login(alice)
    html = client.post(url, {}).content.decode()
    assert ru("Tick the box to confirm.") in html and "<details open>" in html
    assert AccountLink.objects.filter(user=alice, account=account).exists()
    assert client.post(url, {"confirm": "on"})["Location"] == reverse("portal:dashboard")
    assert not AccountLink.objects.filter(user=alice, account=account).exists()


def test_stranger_cannot_unlink(login, alice, account, charlie):
    url = reverse("portal:account_unlink", args=[account.pk])
    assert login(charlie).post(url, {"confirm": "on"}).status_code == 404
    assert AccountLink.objects.filter(user=alice, account=account).exists()


def test_account_pages_need_login(client, account):
    assert client.get(detail(account)).status_code == 302
    assert client.post(grant_url(account), {"contact": "x@example.com"}).status_code == 302
