"""Announcements in the panel (role `announcements`): list, create with an audience, schedule and
expiry, edit (versioned once published), publish, withdraw; roles, tenants and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from kabinet.comms.models import Announcement, AnnouncementVersion
from kabinet.comms.services import announcements as services
from kabinet.core.roles import Role
from tests import factories


@pytest.fixture(autouse=True)
def _english(settings, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def editor(org, make_staff):
    return make_staff(org, [Role.ANNOUNCEMENTS])


@pytest.fixture
def draft(editor, org):
    return services.create_announcement(editor, org, title="Отключение воды", text="С 10 до 14 часов.")


@pytest.fixture
def foreign(other_org):
    author = factories.StaffMembershipFactory(organization=other_org, roles=[Role.ANNOUNCEMENTS]).user
    return services.create_announcement(author, other_org, title="ЧУЖОЕ-ОБЪЯВЛЕНИЕ", text="Чужое")


def _url(name, *args):
    return reverse(f"panel:{name}", args=args)


def _form(org, **values):
    data = {"organization": org.pk, "title": "Плановые работы", "text": "Подробности.", "kind": "ordinary",
            "audience": "organization", "publish": "draft"}
    data.update(values)
    return data


def test_anonymous_consumer_and_other_roles_are_refused(client, as_user, alice, org, make_staff, draft):
    response = client.get(_url("announcement_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert as_user(alice).get(_url("announcement_list")).status_code == 403
    client = as_user(make_staff(org, [Role.APPEALS]))
    assert client.get(_url("announcement_detail", draft.pk)).status_code == 403
    assert client.post(_url("announcement_publish", draft.pk)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Announcement.Status.DRAFT


def test_other_organisation_is_404_and_nothing_changes(as_user, editor, foreign):
    client = as_user(editor)
    assert "ЧУЖОЕ" not in client.get(_url("announcement_list")).content.decode()
    assert client.get(_url("announcement_detail", foreign.pk)).status_code == 404
    assert client.post(_url("announcement_edit", foreign.pk), {"title": "Захват", "text": "x"}).status_code == 404
    assert client.post(_url("announcement_publish", foreign.pk)).status_code == 404
    assert client.post(_url("announcement_withdraw", foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Announcement.Status.DRAFT and foreign.title == "ЧУЖОЕ-ОБЪЯВЛЕНИЕ"


def test_list_with_status_filter(as_user, editor, draft, org):
    published = services.create_announcement(editor, org, title="Опубликовано", text="x")
    services.publish_announcement(editor, published.pk)
    client = as_user(editor)
    response = client.get(_url("announcement_list"))
    assert {a.pk for a in response.context["page"].object_list} == {draft.pk, published.pk}
    assert "2 rows" in response.content.decode()
    response = client.get(_url("announcement_list"), {"status": "published"})
    assert [a.pk for a in response.context["page"].object_list] == [published.pk]


def test_list_query_count_is_constant(as_user, editor, org, django_assert_num_queries, django_assert_max_num_queries):
    client = as_user(editor)
    services.create_announcement(editor, org, title="1", text="x")
    client.get(_url("announcement_list"))
    with django_assert_max_num_queries(50) as few:
        client.get(_url("announcement_list"))
    for n in range(5):
        services.publish_announcement(editor, services.create_announcement(editor, org, title=f"N{n}", text="x").pk)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(_url("announcement_list"))


def test_create_a_draft_for_the_organisation(as_user, editor, org):
    response = as_user(editor).post(_url("announcement_create"), _form(org, is_public="on"))
    announcement = Announcement.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("announcement_detail", announcement.pk)
    assert announcement.status == Announcement.Status.DRAFT and announcement.is_public
    assert announcement.audience == Announcement.Audience.ORGANIZATION and announcement.created_by == editor


def test_create_an_emergency_published_now_for_buildings(as_user, editor, org, account, alice):
    building = account.premises.building
    response = as_user(editor).post(_url("announcement_create"), _form(
        org, kind="emergency", audience="buildings", buildings=[building.pk], publish="now"))
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.status == Announcement.Status.PUBLISHED and announcement.pinned
    assert announcement.dispatched_at is not None
    assert list(announcement.buildings.all()) == [building]
    assert list(services.audience_users(announcement)) == [alice]


def test_create_scheduled_with_expiry_for_streets_and_accounts(as_user, editor, org, account):
    building = account.premises.building
    at = timezone.localtime() + dt.timedelta(days=1)
    client = as_user(editor)
    response = client.post(_url("announcement_create"), _form(
        org, audience="streets", streets=[f"{building.settlement}|{building.street}"], publish="at",
        publish_at=at.strftime("%Y-%m-%dT%H:%M"), expires_at=(at + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    scheduled = Announcement.objects.get()
    assert scheduled.status == Announcement.Status.PUBLISHED and scheduled.dispatched_at is None
    assert scheduled.publish_at > timezone.now() and scheduled.expires_at > scheduled.publish_at
    assert [(s.settlement, s.street) for s in scheduled.streets.all()] == [(building.settlement, building.street)]
    response = client.post(_url("announcement_create"), _form(org, title="Лично", audience="accounts",
                                                              accounts=account.number))
    assert response.status_code == 302
    assert list(Announcement.objects.get(title="Лично").accounts.all()) == [account]


def test_audience_validation(as_user, editor, org, other_org):
    foreign_account = factories.AccountFactory(organization=other_org, number="9999999")
    client = as_user(editor)
    cases = [
        (_form(org, audience="buildings"), "Choose at least one building."),
        (_form(org, audience="streets"), "Choose at least one street."),
        (_form(org, audience="accounts"), "Enter at least one account number."),
        (_form(org, audience="accounts", accounts=foreign_account.number), "No such accounts in the organisation"),
        (_form(org, audience="buildings", buildings=[foreign_account.premises.building_id]), "Select a valid choice"),
        (_form(org, publish="at"), "Give the date and time of publication."),
        (_form(org, publish="at", publish_at="2020-01-01T10:00"), "The time of publication has passed"),
        (_form(other_org), "Select a valid choice"),
    ]
    for data, message in cases:
        response = client.post(_url("announcement_create"), data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    assert not Announcement.objects.exists()


def test_expiry_before_publication_keeps_the_draft(as_user, editor, org):
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = as_user(editor).post(_url("announcement_create"), _form(org, publish="now", expires_at=past),
                                    follow=True)
    assert Announcement.objects.get().status == Announcement.Status.DRAFT
    assert "saved as a draft, not published" in response.content.decode()


def test_edit_a_draft_silently(as_user, editor, org, account):
    draft = services.create_announcement(editor, org, title="Отключение воды", text="x", audience="accounts",
                                         accounts=[account.pk])
    other = factories.AccountFactory(organization=org, number="7000001")
    response = as_user(editor).post(_url("announcement_edit", draft.pk), _form(
        org, title="Новый заголовок", audience="accounts", accounts=f"{account.number}, {other.number}"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Новый заголовок" and draft.version == 1 and not AnnouncementVersion.objects.exists()
    assert set(draft.accounts.all()) == {account, other}


def test_edit_a_draft_changes_the_audience_kind(as_user, editor, draft, org, account):
    as_user(editor).post(_url("announcement_edit", draft.pk), _form(org, audience="accounts",
                                                                    accounts=account.number))
    draft.refresh_from_db()
    assert draft.audience == "accounts"


def test_edit_a_published_one_is_versioned_and_shown(as_user, editor, draft, org):
    services.publish_announcement(editor, draft.pk)
    client = as_user(editor)
    page = client.get(_url("announcement_edit", draft.pk)).content.decode()
    assert "kept as an earlier version" in page
    response = client.post(_url("announcement_edit", draft.pk), _form(org, title="Отключение воды (уточнено)",
                                                                      audience="streets"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.version == 2 and draft.title == "Отключение воды (уточнено)"
    assert draft.audience == "organization"  # a published audience stays
    (version,) = draft.versions.all()
    assert version.version == 1 and version.title == "Отключение воды" and version.edited_by == editor
    page = client.get(_url("announcement_detail", draft.pk)).content.decode()
    assert "Earlier versions" in page and "Version 1" in page and "Отключение воды (уточнено)" in page


def test_publish_and_withdraw(as_user, editor, draft):
    client = as_user(editor)
    assert client.get(_url("announcement_publish", draft.pk)).status_code == 405
    assert client.post(_url("announcement_publish", draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Announcement.Status.PUBLISHED and draft.publish_at is not None
    response = client.post(_url("announcement_publish", draft.pk), follow=True)
    assert "Only a draft can be published." in response.content.decode()
    assert client.post(_url("announcement_withdraw", draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Announcement.Status.WITHDRAWN
    response = client.get(_url("announcement_edit", draft.pk))
    assert response.status_code == 302
    page = client.get(_url("announcement_detail", draft.pk)).content.decode()
    assert _url("announcement_edit", draft.pk) not in page
