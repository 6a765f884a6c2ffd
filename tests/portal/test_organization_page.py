"""The public organisation page: contacts, office hours, public info, requisites and public news,
without logging in; inactive or unknown organisations are 404; linked from the account and the
dashboard."""

import pytest
from django.urls import reverse

from kabinet.comms.services import announcements as services

pytestmark = pytest.mark.django_db


def url(org):
    return reverse("portal:organization_public", args=[org.pk])


def publish(staff, org, title, **kwargs):
    draft = services.create_announcement(staff, org, title=title, text="Текст новости.", **kwargs)
    return services.publish_announcement(staff, draft.pk)


@pytest.fixture
def public_org(org):
    org.address, org.phone, org.email = "г. Кемерово, ул. Ленина, 1", "+7 3842 00-00-00", "uk@example.ru"
    org.office_hours, org.public_info = "Пн–Пт 9:00–18:00", "Управляем домами с 2005 года."
    org.inn, org.kpp, org.bank_name, org.bank_bic = "4205000000", "420501001", "ПАО Сбербанк", "043207612"
    org.bank_account, org.bank_corr_account = "40702810000000000001", "30101810200000000612"
    org.save()
    return org


def test_anonymous_sees_contacts_requisites_and_public_news(client, public_org, staff, other_org):
    publish(staff, public_org, "Отключение воды 1 декабря", is_public=True)
    publish(staff, public_org, "Только для жильцов", is_public=False)
    response = client.get(url(public_org))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("ООО «УК Пример»", "ул. Ленина, 1", "+7 3842 00-00-00", "uk@example.ru", "Пн–Пт 9:00–18:00",
                 "Управляем домами", "4205000000", "420501001", "ПАО Сбербанк", "043207612",
                 "40702810000000000001", "30101810200000000612", "Отключение воды 1 декабря"):
        assert text in html
    assert "Только для жильцов" not in html
    assert "Реквизиты для оплаты" in html
    assert "Чужая УК" not in html


def test_withdrawn_news_is_not_shown(client, org, staff):
    item = publish(staff, org, "Снятая новость", is_public=True)
    services.withdraw_announcement(staff, item.pk)
    assert "Снятая новость" not in client.get(url(org)).content.decode()
    assert "Новостей пока нет" in client.get(url(org)).content.decode()


def test_inactive_or_unknown_organisation_is_404(client, org):
    org.is_active = False
    org.save()
    assert client.get(url(org)).status_code == 404
    assert client.get(reverse("portal:organization_public", args=[987654])).status_code == 404


def test_constant_queries(client, org, staff, django_assert_max_num_queries):
    for n in range(5):
        publish(staff, org, f"Новость {n}", is_public=True)
    with django_assert_max_num_queries(4):
        client.get(url(org))


def test_linked_from_account_and_dashboard(login, alice, account, org):
    client = login(alice)
    link = f'href="{url(org)}"'
    assert link in client.get(reverse("portal:account_detail", args=[account.pk])).content.decode()
    assert link in client.get(reverse("portal:dashboard")).content.decode()
