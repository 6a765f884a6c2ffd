"""Announcements: audience resolution, visibility and unread counts in constant queries, read
receipts, versioned edits, schedule, emergency SMS."""

import datetime as dt

import pytest
import time_machine

from kabinet.comms import selectors, sms
from kabinet.comms.models import Announcement, AnnouncementVersion, Notification
from kabinet.comms.services import CommsError
from kabinet.comms.services import announcements as services
from tests import factories

A = Announcement.Audience


@pytest.fixture
def world(org, account, alice, staff):
    """org (with `account` of alice) → child org with an account of dan on the same street;
    another building of org with an account of erin."""
    child = factories.OrganizationFactory(parent=org)
    building = account.premises.building
    same_street = factories.BuildingFactory(settlement=building.settlement, street=building.street)
    dan = factories.UserFactory(phone="+79120000021", phone_confirmed=True, email_confirmed=True)
    dan_account = factories.AccountFactory(organization=child, premises__building=same_street)
    factories.AccountLinkFactory(user=dan, account=dan_account)
    erin = factories.UserFactory(phone="+79120000022", phone_confirmed=True)
    erin_account = factories.AccountFactory(organization=org)
    factories.AccountLinkFactory(user=erin, account=erin_account)
    return {"child": child, "dan": dan, "dan_account": dan_account, "erin": erin, "erin_account": erin_account,
            "building": building}


def publish(staff, org, **kwargs):
    kwargs.setdefault("title", "Отключение воды")
    kwargs.setdefault("text", "С 10 до 14 часов.")
    announcement = services.create_announcement(staff, org, **kwargs)
    return services.publish_announcement(staff, announcement.pk)


def users_of(announcement):
    return set(services.audience_users(announcement).values_list("email", flat=True))


def test_audience_resolution(staff, org, alice, world):
    dan, erin = world["dan"], world["erin"]
    everyone = {alice.email, dan.email, erin.email}
    assert users_of(publish(staff, org, audience=A.ORGANIZATION)) == {alice.email, erin.email}
    assert users_of(publish(staff, org, audience=A.ORGANIZATION_TREE)) == everyone
    assert users_of(publish(staff, org, audience=A.BUILDINGS, buildings=[world["building"].pk])) == {alice.email}
    street = (world["building"].settlement, world["building"].street)
    assert users_of(publish(staff, org, audience=A.STREETS, streets=[street])) == {alice.email, dan.email}
    assert users_of(publish(staff, org, audience=A.ACCOUNTS, accounts=[world["erin_account"].pk])) == {erin.email}


def test_audience_stays_within_the_organisation(staff, org, other_org):
    foreign = factories.AccountFactory(organization=other_org)
    with pytest.raises(CommsError, match="accounts of the organisation"):
        publish(staff, org, audience=A.ACCOUNTS, accounts=[foreign.pk])
    with pytest.raises(CommsError, match="buildings served"):
        publish(staff, org, audience=A.BUILDINGS, buildings=[foreign.premises.building_id])
    # A building shared with another organisation reaches only this organisation's accounts.
    neighbour = factories.UserFactory()
    shared = factories.AccountFactory(organization=other_org)
    factories.AccountLinkFactory(user=neighbour, account=shared)
    own = factories.AccountFactory(organization=org, premises__building=shared.premises.building)
    announcement = publish(staff, org, audience=A.BUILDINGS, buildings=[own.premises.building_id])
    assert neighbour.pk not in set(services.audience_users(announcement).values_list("pk", flat=True))
    assert not selectors.visible_announcements(neighbour).filter(pk=announcement.pk).exists()


def test_visible_announcements_match_the_audience(staff, org, alice, world):
    street = (world["building"].settlement, world["building"].street)
    announcements = [
        publish(staff, org, audience=A.ORGANIZATION),
        publish(staff, org, audience=A.ORGANIZATION_TREE),
        publish(staff, org, audience=A.BUILDINGS, buildings=[world["building"].pk]),
        publish(staff, org, audience=A.STREETS, streets=[street]),
        publish(staff, org, audience=A.ACCOUNTS, accounts=[world["erin_account"].pk]),
    ]
    for user in (alice, world["dan"], world["erin"]):
        visible = set(selectors.visible_announcements(user).values_list("pk", flat=True))
        expected = {a.pk for a in announcements if user.pk in set(services.audience_users(a).values_list("pk", flat=True))}
        assert visible == expected


def test_strangers_and_staff_see_nothing(staff, org, charlie, other_staff, world):
    publish(staff, org, audience=A.ORGANIZATION_TREE)
    for user in (charlie, other_staff, staff):
        assert not selectors.visible_announcements(user).exists()
        assert selectors.unread_announcement_count(user) == 0
    with pytest.raises(CommsError, match="No such organisation"):
        publish(other_staff, org)


def test_unread_counts_in_constant_queries(staff, org, alice, world, django_assert_num_queries):
    for _ in range(3):
        publish(staff, org, audience=A.ORGANIZATION)
    with django_assert_num_queries(2):
        assert selectors.unread_announcement_count(alice) == 3
    for _ in range(10):
        publish(staff, org, audience=A.ORGANIZATION_TREE)
    extra = factories.AccountFactory(organization=world["child"])
    factories.AccountLinkFactory(user=alice, account=extra)
    with django_assert_num_queries(2):
        assert selectors.unread_announcement_count(alice) == 13
    with django_assert_num_queries(2):
        rows = list(selectors.visible_announcements(alice))
        assert [r.is_read for r in rows] == [False] * 13
        [str(r.organization) for r in rows]
    first = rows[0]
    assert services.mark_announcement_read(alice, first.pk)
    assert services.mark_announcement_read(alice, first.pk)  # idempotent
    assert selectors.unread_announcement_count(alice) == 12
    assert services.mark_all_announcements_read(alice) == 12
    assert selectors.unread_announcement_count(alice) == 0
    assert not services.mark_announcement_read(world["erin"], publish(staff, org, audience=A.ACCOUNTS,
                                                                      accounts=[world["dan_account"].pk]).pk)


def test_schedule_and_expiry(staff, org, alice, django_capture_on_commit_callbacks):
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        draft = services.create_announcement(staff, org, title="Собрание", text="В субботу",
                                             expires_at=now + dt.timedelta(days=5))
        assert not selectors.visible_announcements(alice).exists()  # a draft
        services.publish_announcement(staff, draft.pk, publish_at=now + dt.timedelta(days=1))
        assert not selectors.visible_announcements(alice).exists()  # scheduled
        assert services.dispatch_due_announcements(now=now) == 0
    later = now + dt.timedelta(days=1, minutes=1)
    assert selectors.visible_announcements(alice, later).count() == 1
    assert selectors.visible_announcements(alice, now + dt.timedelta(days=6)).count() == 0
    assert services.dispatch_due_announcements(now=later) == 1
    assert services.dispatch_due_announcements(now=later) == 0  # once


def test_edits_of_a_published_announcement_are_versioned(staff, org, alice):
    draft = services.create_announcement(staff, org, title="Черновик", text="Текст")
    services.edit_announcement(staff, draft.pk, {"title": "Черновик 2"})
    assert not AnnouncementVersion.objects.exists()  # drafts change silently
    announcement = services.publish_announcement(staff, draft.pk)
    services.edit_announcement(staff, announcement.pk, {"text": "Исправленный текст"})
    services.edit_announcement(staff, announcement.pk, {"text": "Исправленный текст"})  # no change, no version
    services.edit_announcement(staff, announcement.pk, {"title": "Итог"})
    announcement.refresh_from_db()
    assert announcement.version == 3 and announcement.title == "Итог"
    versions = list(announcement.versions.values_list("version", "title", "text"))
    assert versions == [(1, "Черновик 2", "Текст"), (2, "Черновик 2", "Исправленный текст")]
    with pytest.raises(CommsError, match="audience of a published announcement"):
        services.edit_announcement(staff, announcement.pk, {"audience": A.ORGANIZATION_TREE})
    with pytest.raises(CommsError, match="cannot be changed"):
        services.edit_announcement(staff, announcement.pk, {"organization": 1})
    services.withdraw_announcement(staff, announcement.pk)
    assert not selectors.visible_announcements(alice).exists()


def test_emergency_is_pinned_and_goes_out_by_sms(staff, org, alice, world, django_capture_on_commit_callbacks):
    from kabinet.comms.services.notifications import update_preferences

    update_preferences(alice, {"news": False, "quiet_from": dt.time(0), "quiet_to": dt.time(23, 59)})
    ordinary = publish(staff, org, audience=A.ORGANIZATION_TREE, title="Новости")
    with django_capture_on_commit_callbacks(execute=True):
        emergency = publish(staff, org, audience=A.ORGANIZATION_TREE, kind="emergency", title="Авария на сетях")
    assert emergency.pinned
    assert selectors.visible_announcements(alice)[0].pk == emergency.pk  # pinned first
    phones = sorted(phone for phone, _text in sms.outbox)
    assert phones == sorted([alice.phone, world["dan"].phone, world["erin"].phone])  # urgent: no opt-out
    assert all("Авария на сетях" in text for _phone, text in sms.outbox)
    # The ordinary one went by email to those subscribed to news with a confirmed email (dan only).
    assert list(Notification.objects.filter(template_key="announcement").values_list("user", flat=True)) == [
        world["dan"].pk]
    assert ordinary.dispatched_at is not None


def test_public_news(staff, org):
    publish(staff, org, title="Для всех", is_public=True)
    publish(staff, org, title="Жильцам")
    assert [a.title for a in selectors.public_announcements(org)] == ["Для всех"]


def test_a_user_without_accounts_has_no_news_and_can_mark_all_read(db):
    from kabinet.comms.selectors import unread_announcement_count, visible_announcements
    from kabinet.comms.services.announcements import mark_all_announcements_read
    from tests.factories import UserFactory

    loner = UserFactory()
    assert list(visible_announcements(loner).filter(is_read=False)) == []
    assert unread_announcement_count(loner) == 0
    assert mark_all_announcements_read(loner) == 0
