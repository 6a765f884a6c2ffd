"""Portal news: visible announcements (emergency pinned first, unread marked), one announcement
(marks it read), «mark all read», the dashboard badge; strangers see nothing of another audience."""

import pytest
from django.urls import reverse

from kabinet.comms.models import Announcement, AnnouncementRead
from kabinet.comms.services import announcements as services

pytestmark = pytest.mark.django_db

NEWS, READ_ALL, DASHBOARD = reverse("portal:news"), reverse("portal:news_read_all"), reverse("portal:dashboard")


def publish(staff, org, **kwargs):
    kwargs.setdefault("text", "С 10 до 14 часов.")
    return services.publish_announcement(staff, services.create_announcement(staff, org, **kwargs).pk)


@pytest.fixture
def news(staff, org):
    ordinary = publish(staff, org, title="Установлен график платежей")
    emergency = publish(staff, org, title="Авария на водопроводе", kind=Announcement.Kind.EMERGENCY, pinned=True)
    return ordinary, emergency


def test_list_pins_emergency_and_marks_unread(login, alice, news):
    html = login(alice).get(NEWS).content.decode()
    assert html.index("Авария на водопроводе") < html.index("Установлен график платежей")
    assert "news-emergency" in html and "Новое" in html and "2 непрочитанных объявления" in html
    assert "Отметить все прочитанными" in html


def test_opening_marks_read_and_badge_counts(login, alice, news):
    client = login(alice)
    assert ">2<" in client.get(DASHBOARD).content.decode().replace(" ", "")
    html = client.get(reverse("portal:news_detail", args=[news[0].pk])).content.decode()
    assert "Установлен график платежей" in html and "С 10 до 14 часов." in html
    assert AnnouncementRead.objects.filter(user=alice, announcement=news[0]).exists()
    assert "1 непрочитанное объявление" in client.get(NEWS).content.decode()


def test_mark_all_read(login, alice, news):
    client = login(alice)
    assert client.get(READ_ALL).status_code == 405
    response = client.post(READ_ALL)
    assert response.status_code == 302 and response["Location"] == NEWS
    assert AnnouncementRead.objects.filter(user=alice).count() == 2
    html = client.get(NEWS).content.decode()
    assert "Отметить все прочитанными" not in html and "Все объявления отмечены прочитанными." in html


def test_it_validates_ownership(login, charlie, news):
    client = login(charlie)
    assert "Авария на водопроводе" not in client.get(NEWS).content.decode()
    assert client.get(reverse("portal:news_detail", args=[news[1].pk])).status_code == 404
    client.post(READ_ALL)
    assert not AnnouncementRead.objects.exists()


def test_drafts_and_unknown_are_404(login, alice, staff, org):
    draft = services.create_announcement(staff, org, title="Черновик", text="…")
    client = login(alice)
    assert client.get(reverse("portal:news_detail", args=[draft.pk])).status_code == 404
    assert "Черновик" not in client.get(NEWS).content.decode()
    assert "Сейчас для ваших лицевых счетов объявлений нет." in client.get(NEWS).content.decode()
