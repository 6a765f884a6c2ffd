"""Portal appeals: list, new appeal with attachments, thread (no internal notes), reply, rating,
downloads; owners, delegates with and without the appeals right, strangers."""

import pytest
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.comms.models import Appeal, AppealCategory, AppealMessage, Attachment
from kabinet.comms.services import appeals as services
from tests import factories
from tests.comms.files import EXE, PDF, upload

pytestmark = pytest.mark.django_db

LIST, NEW = reverse("portal:appeal_list"), reverse("portal:appeal_create")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def category(org):
    return AppealCategory.objects.create(organization=org, name="Вопрос по оплате", deadline_days=5)


@pytest.fixture
def appeal(alice, account, category):
    return services.create_appeal(alice, account.pk, category_id=category.pk, subject="Перерасчёт за воду",
                                  text="Прошу сделать перерасчёт.", files=[upload("квитанция.pdf", PDF)])


def snapshot():
    return (list(Appeal.objects.order_by("pk").values()), list(AppealMessage.objects.order_by("pk").values()),
            Attachment.objects.count())


def new_data(account, category, **extra):
    return {"account": account.pk, "category": category.pk, "subject": "Течёт кран",
            "text": "В ванной течёт кран.", **extra}


def test_owner_writes_an_appeal_with_an_attachment(login, alice, account, category):
    client = login(alice)
    page = client.get(NEW).content.decode()
    assert "Вопрос по оплате" in page and "№ 1000200" in page and 'type="file"' in page
    response = client.post(NEW, new_data(account, category, files=[upload("фото.png")]))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:appeal_detail", args=[appeal.pk])
    assert appeal.author == alice and appeal.subject == "Течёт кран" and appeal.status == "new"
    assert Attachment.objects.get().original_name == "фото.png"
    thread = client.get(response["Location"]).content.decode()
    assert "Обращение от" in thread and "В ванной течёт кран." in thread and "фото.png" in thread
    assert "Новое" in thread  # the status in words


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_stored(login, alice, account, category):
    client = login(alice)
    response = client.post(NEW, {"account": account.pk, "category": "", "subject": "", "text": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Выберите категорию обращения." in html and "Напишите тему обращения." in html
    assert "Напишите текст сообщения." in html
    response = client.post(NEW, new_data(account, category, files=[upload("virus.png", EXE)]))
    html = response.content.decode()
    assert response.status_code == 400 and "virus.png" in html and "field-error" in html
    assert "Течёт кран" in html  # the entered values stay
    assert not Appeal.objects.exists() and not Attachment.objects.exists()


def test_category_of_another_organisation_is_refused(login, alice, account, other_org):
    foreign = AppealCategory.objects.create(organization=other_org, name="Чужая")
    response = login(alice).post(NEW, new_data(account, foreign))
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_daily_limit_message(login, alice, account, category, settings):
    settings.KABINET_APPEALS_PER_DAY = 1
    client = login(alice)
    assert client.post(NEW, new_data(account, category)).status_code == 302
    response = client.post(NEW, new_data(account, category))
    assert response.status_code == 400 and "предела новых обращений" in response.content.decode()
    assert Appeal.objects.count() == 1


def test_delegate_without_the_appeals_right_cannot_write(login, account, category, delegate):
    client = login(delegate.user)
    assert "не позволяет писать обращения" in client.get(NEW).content.decode()
    before = snapshot()
    response = client.post(NEW, new_data(account, category))
    assert response.status_code == 400 and snapshot() == before


def test_delegate_with_the_right_writes(login, account, category, bob):
    factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE, can_appeals=True)
    assert login(bob).post(NEW, new_data(account, category)).status_code == 302
    assert Appeal.objects.get().author == bob


def test_list_shows_status_and_unread_reply(login, alice, appeal, staff, account):
    client = login(alice)
    html = client.get(LIST).content.decode()
    assert "Перерасчёт за воду" in html and "Новое" in html and "Новый ответ" not in html
    services.staff_reply(staff, appeal.pk, "Перерасчёт сделан.")
    html = client.get(LIST).content.decode()
    assert "Новый ответ" in html and "Дан ответ" in html
    assert client.get(f"{LIST}?account={account.pk}").status_code == 200


def test_thread_hides_internal_notes_and_opening_marks_it_seen(login, alice, appeal, staff):
    services.staff_reply(staff, appeal.pk, "Перерасчёт сделан.")
    services.add_internal_note(staff, appeal.pk, "ВНУТРЕННЯЯ заметка", [upload("note.pdf", PDF)])
    client = login(alice)
    html = client.get(reverse("portal:appeal_detail", args=[appeal.pk])).content.decode()
    assert "Перерасчёт сделан." in html and "ВНУТРЕННЯЯ" not in html and "note.pdf" not in html
    appeal.refresh_from_db()
    assert appeal.consumer_seen_at >= appeal.staff_replied_at
    note_file = Attachment.objects.get(original_name="note.pdf")
    assert client.get(reverse("portal:appeal_attachment", args=[note_file.pk])).status_code == 404


def test_reply_with_attachment_and_bad_reply(login, alice, appeal):
    client = login(alice)
    url = reverse("portal:appeal_reply", args=[appeal.pk])
    before = snapshot()
    response = client.post(url, {"text": ""})
    assert response.status_code == 400 and "Напишите текст сообщения." in response.content.decode()
    assert snapshot() == before
    response = client.post(url, {"text": "Дополняю", "files": [upload("scan.pdf", PDF)]})
    assert response.status_code == 302
    assert appeal.messages.count() == 2 and Attachment.objects.filter(original_name="scan.pdf").exists()
    assert client.get(url).status_code == 405


def test_rating_only_when_closed(login, alice, appeal, staff):
    client = login(alice)
    url = reverse("portal:appeal_rate", args=[appeal.pk])
    assert "Оцените ответ" not in client.get(reverse("portal:appeal_detail", args=[appeal.pk])).content.decode()
    client.post(url, {"rating": "5"})
    appeal.refresh_from_db()
    assert appeal.rating is None
    services.staff_reply(staff, appeal.pk, "Готово.")
    services.change_appeal_status(staff, appeal.pk, "closed")
    assert "Оцените ответ" in client.get(reverse("portal:appeal_detail", args=[appeal.pk])).content.decode()
    response = client.post(url, {"rating": "9"})
    assert response.status_code == 400 and "Выберите оценку от 1 до 5." in response.content.decode()
    assert client.post(url, {"rating": "4", "comment": "Спасибо"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.rating == 4 and appeal.rating_comment == "Спасибо"


def test_attachment_download_is_private(login, alice, appeal, charlie, delegate, staff):
    attachment = Attachment.objects.get()
    url = reverse("portal:appeal_attachment", args=[attachment.pk])
    response = login(alice).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    for stranger in (charlie, delegate.user, staff):  # bob has no appeals right; staff use the panel
        assert login(stranger).get(url).status_code == 404
    assert login(alice).get(reverse("portal:appeal_attachment", args=[attachment.pk + 1000])).status_code == 404


def test_it_validates_ownership(login, appeal, charlie, delegate):
    before = snapshot()
    for user in (charlie, delegate.user):
        client = login(user)
        assert client.get(reverse("portal:appeal_detail", args=[appeal.pk])).status_code == 404
        assert client.post(reverse("portal:appeal_reply", args=[appeal.pk]), {"text": "x"}).status_code == 404
        assert client.post(reverse("portal:appeal_rate", args=[appeal.pk]), {"rating": "1"}).status_code == 404
        assert "Перерасчёт за воду" not in client.get(LIST).content.decode()
    assert snapshot() == before


def test_anonymous_goes_to_login(client, appeal):
    for url in (LIST, NEW, reverse("portal:appeal_detail", args=[appeal.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
