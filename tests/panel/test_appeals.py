"""Appeals in the panel (role `appeals`): the inbox and its filters, the thread with internal notes,
reply, note, assign, status, attachments, categories; roles, tenants and query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from kabinet.comms.models import Appeal, AppealCategory, AppealMessage, Attachment
from kabinet.comms.services import appeals as services
from kabinet.core.roles import Role
from tests import factories
from tests.comms.files import EXE, PDF, PNG, upload


@pytest.fixture(autouse=True)
def _english_and_private_media(settings, tmp_path, client):
    """Pages and messages asserted in English (the language cookie); attachments in a temporary root."""
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def category(org):
    return AppealCategory.objects.create(organization=org, name="Перерасчёт", deadline_days=5)


@pytest.fixture
def handler(org, make_staff):
    return make_staff(org, [Role.APPEALS], full_name="Ольга Исполнитель")


def write(user, account, category, subject="Перерасчёт за ноябрь", files=()):
    return services.create_appeal(user, account.pk, category_id=category.pk, subject=subject,
                                  text="Прошу пересчитать.", files=files)


@pytest.fixture
def appeal(alice, account, category):
    return write(alice, account, category, files=[upload("scan.pdf", PDF)])


@pytest.fixture
def foreign_appeal(other_org, charlie):
    category = AppealCategory.objects.create(organization=other_org, name="Чужая", deadline_days=3)
    return write(charlie, charlie.account_links.get().account, category, subject="ЧУЖОЕ-ОБРАЩЕНИЕ")


def _url(name, *args):
    return reverse(f"panel:{name}", args=args)


# --- Access -------------------------------------------------------------------------------------------


def test_anonymous_goes_to_login(client, appeal):
    response = client.get(_url("appeal_detail", appeal.pk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_consumer_and_staff_without_the_role_are_refused(as_user, alice, org, make_staff, appeal):
    assert as_user(alice).get(_url("appeal_list")).status_code == 403
    no_role = make_staff(org, [Role.READINGS])
    client = as_user(no_role)
    assert client.get(_url("appeal_list")).status_code == 403
    assert client.get(_url("appeal_detail", appeal.pk)).status_code == 403


def test_menu_shows_the_modules_by_role(as_user, org, make_staff):
    page = as_user(make_staff(org, [Role.APPEALS])).get(_url("summary")).content.decode()
    assert _url("appeal_list") in page and _url("announcement_list") not in page
    page = as_user(make_staff(org, [Role.ANNOUNCEMENTS])).get(_url("summary")).content.decode()
    assert _url("appeal_list") not in page and _url("announcement_list") in page


def test_other_organisation_is_404_and_nothing_changes(as_user, handler, foreign_appeal, other_staff):
    client = as_user(handler)
    pk = foreign_appeal.pk
    assert client.get(_url("appeal_detail", pk)).status_code == 404
    assert client.post(_url("appeal_reply", pk), {"text": "Захват"}).status_code == 404
    assert client.post(_url("appeal_note", pk), {"text": "Захват"}).status_code == 404
    assert client.post(_url("appeal_assign", pk), {"assignee": handler.pk}).status_code == 404
    assert client.post(_url("appeal_status", pk), {"status": "closed"}).status_code == 404
    foreign_appeal.refresh_from_db()
    assert foreign_appeal.status == Appeal.Status.NEW and foreign_appeal.assignee_id is None
    assert foreign_appeal.messages.count() == 1
    assert "ЧУЖОЕ" not in client.get(_url("appeal_list")).content.decode()


# --- Inbox ------------------------------------------------------------------------------------------


def test_inbox_lists_my_appeals_with_the_count(as_user, handler, appeal, foreign_appeal):
    response = as_user(handler).get(_url("appeal_list"))
    assert [a.pk for a in response.context["page"].object_list] == [appeal.pk]
    page = response.content.decode()
    assert "Перерасчёт за ноябрь" in page and "ЧУЖОЕ" not in page and "1 row" in page


def test_inbox_filters(as_user, handler, org, alice, account, category, make_staff):
    colleague = make_staff(org, [Role.APPEALS], full_name="Пётр Коллега")
    other_building = factories.AccountFactory(organization=org)
    other_cat = AppealCategory.objects.create(organization=org, name="Ремонт", deadline_days=10)
    factories.AccountLinkFactory(user=alice, account=other_building)
    with time_machine.travel(dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)):
        old = write(alice, account, category, subject="Старое")  # due 6 Nov: overdue
    mine = write(alice, account, category, subject="Моё")
    services.assign_appeal(handler, mine.pk, handler.pk)
    theirs = write(alice, other_building, other_cat, subject="Чужому")
    services.assign_appeal(handler, theirs.pk, colleague.pk)
    answered = write(alice, account, category, subject="Отвечено")
    services.staff_reply(colleague, answered.pk, "Ответ")
    client = as_user(handler)

    def pks(**params):
        return {a.pk for a in client.get(_url("appeal_list"), params).context["page"].object_list}

    assert pks() == {old.pk, mine.pk, theirs.pk, answered.pk}
    assert pks(status="answered") == {answered.pk}
    assert pks(status="new") == {old.pk}
    assert pks(category=other_cat.pk) == {theirs.pk}
    assert pks(assignee="me") == {mine.pk}
    assert pks(assignee="none") == {old.pk}
    assert pks(assignee=colleague.pk) == {theirs.pk, answered.pk}
    assert pks(overdue="on") == {old.pk}
    assert pks(building=other_building.premises.building_id) == {theirs.pk}
    # Overdue ones come first and are highlighted, in words too.
    response = client.get(_url("appeal_list"))
    assert response.context["page"].object_list[0].pk == old.pk
    page = response.content.decode()
    assert 'class="overdue"' in page and "overdue</span>" in page


def test_inbox_query_count_is_constant(as_user, handler, alice, account, category, django_assert_num_queries,
                                       django_assert_max_num_queries):
    client = as_user(handler)
    write(alice, account, category)
    client.get(_url("appeal_list"))
    with django_assert_max_num_queries(50) as few:
        client.get(_url("appeal_list"))
    for _ in range(6):
        services.assign_appeal(handler, write(alice, account, category).pk, handler.pk)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(_url("appeal_list"))


# --- The appeal page and actions ---------------------------------------------------------------------


def test_thread_shows_internal_notes_marked_and_attachments(as_user, handler, appeal):
    services.add_internal_note(handler, appeal.pk, "Проверить счётчик", files=[upload("note.png", PNG)])
    page = as_user(handler).get(_url("appeal_detail", appeal.pk)).content.decode()
    assert "Прошу пересчитать." in page and "Проверить счётчик" in page
    assert "msg-internal" in page and "the consumer does not see it" in page
    for attachment in Attachment.objects.all():
        assert _url("appeal_attachment", attachment.pk) in page and attachment.original_name in page


def test_thread_query_count_is_constant(as_user, handler, appeal, django_assert_num_queries,
                                        django_assert_max_num_queries):
    client = as_user(handler)
    client.get(_url("appeal_detail", appeal.pk))
    with django_assert_max_num_queries(50) as few:
        client.get(_url("appeal_detail", appeal.pk))
    for n in range(4):
        services.staff_reply(handler, appeal.pk, f"Ответ {n}", files=[upload("a.png", PNG)])
        services.add_internal_note(handler, appeal.pk, f"Заметка {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(_url("appeal_detail", appeal.pk))


def test_reply_with_a_file_answers_and_assigns(as_user, handler, appeal):
    response = as_user(handler).post(_url("appeal_reply", appeal.pk),
                                     {"text": "Пересчитали.", "files": [upload("act.pdf", PDF)]})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ANSWERED and appeal.assignee == handler
    message = appeal.messages.order_by("-pk").first()
    assert message.from_staff and not message.is_internal and message.attachments.get().original_name == "act.pdf"


def test_reply_refusals_stay_on_the_page(as_user, handler, appeal):
    client = as_user(handler)
    response = client.post(_url("appeal_reply", appeal.pk), {"text": ""})
    assert response.status_code == 400 and "Write the text of the reply." in response.content.decode()
    response = client.post(_url("appeal_reply", appeal.pk), {"text": "Вот", "files": [upload("x.pdf", EXE)]})
    assert response.status_code == 400 and "not an image or a PDF" in response.content.decode()
    assert appeal.messages.count() == 1


def test_internal_note_is_not_a_reply(as_user, handler, appeal, alice):
    assert as_user(handler).post(_url("appeal_note", appeal.pk), {"text": "Только для своих"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NEW and appeal.staff_replied_at is None
    assert AppealMessage.objects.get(text="Только для своих").is_internal


def test_assign_and_unassign(as_user, handler, org, appeal, make_staff, other_org):
    colleague = make_staff(org, [Role.APPEALS])
    stranger = factories.StaffMembershipFactory(organization=other_org, roles=[Role.APPEALS]).user
    client = as_user(handler)
    page = client.get(_url("appeal_detail", appeal.pk)).content.decode()
    assert f'value="{colleague.pk}"' in page and f'value="{stranger.pk}"' not in page
    client.post(_url("appeal_assign", appeal.pk), {"assignee": colleague.pk})
    appeal.refresh_from_db()
    assert appeal.assignee == colleague and appeal.status == Appeal.Status.IN_PROGRESS
    client.post(_url("appeal_assign", appeal.pk), {"assignee": stranger.pk})
    appeal.refresh_from_db()
    assert appeal.assignee == colleague
    client.post(_url("appeal_assign", appeal.pk), {"assignee": ""})
    appeal.refresh_from_db()
    assert appeal.assignee is None


def test_change_status(as_user, handler, appeal):
    client = as_user(handler)
    assert client.get(_url("appeal_status", appeal.pk)).status_code == 405
    client.post(_url("appeal_status", appeal.pk), {"status": "closed"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED and appeal.closed_at
    response = client.post(_url("appeal_status", appeal.pk), {"status": "answered"}, follow=True)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
    assert "cannot go from" in response.content.decode()


# --- Attachments ------------------------------------------------------------------------------------


def test_attachment_download_is_checked(as_user, handler, appeal, other_org, make_staff, client):
    attachment = Attachment.objects.get()
    url = _url("appeal_attachment", attachment.pk)
    response = as_user(handler).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "scan.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert as_user(make_staff(other_org, [Role.APPEALS])).get(url).status_code == 404
    assert as_user(make_staff(appeal.organization, [Role.READINGS])).get(url).status_code == 403
    assert as_user(make_staff(appeal.organization, [Role.APPEALS])).get(_url("appeal_attachment", 999999)).status_code \
        == 404


# --- Categories -------------------------------------------------------------------------------------


def test_categories_create_change_and_refuse(as_user, handler, org, category, other_org):
    foreign = AppealCategory.objects.create(organization=other_org, name="Чужая категория", deadline_days=3)
    client = as_user(handler)
    page = client.get(_url("appeal_categories")).content.decode()
    assert "Перерасчёт" in page and "Чужая категория" not in page
    response = client.post(_url("appeal_categories"), {"organization": org.pk, "name": "Ремонт",
                                                        "deadline_days": "7", "is_active": "on"})
    assert response.status_code == 302
    assert AppealCategory.objects.get(name="Ремонт").deadline_days == 7
    response = client.post(_url("appeal_category", category.pk), {"name": "Перерасчёт", "deadline_days": "3"})
    category.refresh_from_db()
    assert response.status_code == 302 and category.deadline_days == 3 and not category.is_active
    response = client.post(_url("appeal_categories"), {"organization": org.pk, "name": "Ремонт",
                                                        "deadline_days": "7"})
    assert response.status_code == 400 and "already has a category" in response.content.decode()
    assert client.get(_url("appeal_category", foreign.pk)).status_code == 404
    assert client.post(_url("appeal_categories"), {"organization": other_org.pk, "name": "Захват",
                                                   "deadline_days": "1"}).status_code == 400
    assert not AppealCategory.objects.filter(name="Захват").exists()


# --- Summary ----------------------------------------------------------------------------------------


def test_summary_counts_new_and_overdue(as_user, handler, alice, account, category, foreign_appeal):
    with time_machine.travel(dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)):
        write(alice, account, category)  # overdue
    services.assign_appeal(handler, write(alice, account, category).pk, handler.pk)  # in progress
    write(alice, account, category)
    counts = as_user(handler).get(_url("summary")).context["appeals"]
    assert counts == {"new": 2, "overdue": 1}


def test_summary_has_no_appeal_counts_without_the_role(as_user, org, make_staff):
    assert as_user(make_staff(org, [Role.USERS])).get(_url("summary")).context["appeals"] is None


def test_summary_query_count_with_the_appeals_role(as_user, org, make_staff, alice, account, category,
                                                    django_assert_num_queries):
    """The summary's 9 queries (tests/panel/test_summary.py) plus one for the appeal counts."""
    client = as_user(make_staff(org, [Role.APPEALS]))
    write(alice, account, category)
    client.get(_url("summary"))
    with django_assert_num_queries(10):
        client.get(_url("summary"))
    for _ in range(5):
        write(alice, account, category)
    with django_assert_num_queries(10):
        client.get(_url("summary"))
