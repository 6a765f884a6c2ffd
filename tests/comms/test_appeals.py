"""Appeal services: lifecycle, limits, permissions (owner, delegate, stranger), internal notes,
attachments, staff inbox filters and counts."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from kabinet.comms import selectors
from kabinet.comms.models import Appeal, AppealMessage, Attachment, Notification
from kabinet.comms.services import CommsError
from kabinet.comms.services import appeals as services
from tests import factories
from tests.comms.files import EXE, PDF, upload


def write(user, account, category, **kwargs):
    kwargs.setdefault("subject", "Перерасчёт")
    kwargs.setdefault("text", "Прошу сделать перерасчёт за ноябрь.")
    return services.create_appeal(user, account.pk, category_id=category.pk, **kwargs)


@pytest.fixture
def appeal(alice, account, category):
    return write(alice, account, category)


@pytest.fixture
def confirmed_alice(alice):
    alice.email_confirmed = True
    alice.save()
    return alice


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_owner_writes_an_appeal_with_a_due_date_and_a_file(alice, account, category):
    appeal = write(alice, account, category, files=[upload("scan.pdf", PDF, "text/html")])
    assert appeal.status == Appeal.Status.NEW
    assert appeal.organization == account.organization
    assert appeal.due_date == dt.date(2026, 11, 25)
    (message,) = appeal.messages.all()
    (attachment,) = message.attachments.all()
    assert attachment.content_type == "application/pdf"  # sniffed, not the browser's text/html
    assert attachment.original_name == "scan.pdf"
    assert "scan" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert len(attachment.file.name.rsplit("/", 1)[1]) == 32 + 4  # a random 128-bit name
    with attachment.file.open("rb") as fh:
        assert fh.read() == PDF
    with pytest.raises(ValueError):
        attachment.file.url  # never served by URL  # noqa: B018


def test_a_bad_file_stops_the_whole_appeal(alice, account, category):
    with pytest.raises(CommsError, match="not an image or a PDF"):
        write(alice, account, category, files=[upload("virus.pdf", EXE)])
    assert not Appeal.objects.exists() and not Attachment.objects.exists()


def test_size_limit_is_configurable(settings, alice, account, category):
    settings.KABINET_ATTACHMENT_MAX_MB = 1
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(CommsError, match="too large: at most 1 MB"):
        write(alice, account, category, files=[big])


def test_delegate_with_the_right_writes_without_it_cannot(delegate, bob, account, category):
    assert write(bob, account, category).author == bob
    link = bob.account_links.get()
    link.can_appeals = False
    link.save()
    with pytest.raises(CommsError) as info:
        write(bob, account, category)
    assert info.value.code == "not_found"


def test_stranger_cannot_write_about_someone_elses_account(charlie, account, category):
    with pytest.raises(CommsError) as info:
        write(charlie, account, category)
    assert info.value.code == "not_found"
    assert not Appeal.objects.exists()


def test_category_of_another_organisation_is_refused(alice, account, other_org):
    from kabinet.comms.models import AppealCategory

    foreign = AppealCategory.objects.create(organization=other_org, name="Чужая", deadline_days=3)
    with pytest.raises(CommsError, match="Choose a category"):
        write(alice, account, foreign)


def test_parent_organisation_categories_serve_sub_organisations(alice, org, category):
    child = factories.OrganizationFactory(parent=org)
    child_account = factories.AccountFactory(organization=child)
    factories.AccountLinkFactory(user=alice, account=child_account)
    assert write(alice, child_account, category).organization == child


def test_ten_appeals_a_day_then_a_clear_message(settings, alice, account, category):
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(10):
            write(alice, account, category)
        with pytest.raises(CommsError) as info:
            write(alice, account, category)
    assert info.value.code == "limit"
    assert "limit of new appeals for today (10 a day)" in info.value.message
    assert Appeal.objects.count() == 10
    with time_machine.travel(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC), tick=False):
        write(alice, account, category)  # a new day
    assert Appeal.objects.count() == 11


def test_limit_message_in_russian(alice, account, category, settings):
    from django.utils import translation

    settings.KABINET_APPEALS_PER_DAY = 1
    write(alice, account, category)
    with translation.override("ru"), pytest.raises(CommsError) as info:
        write(alice, account, category)
    assert "обращений" in info.value.message


def test_lifecycle_reply_notify_reopen_rate(django_capture_on_commit_callbacks, confirmed_alice, staff, account,
                                            category):
    alice = confirmed_alice
    appeal = write(alice, account, category)
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_reply(staff, appeal.pk, "Перерасчёт выполнен.")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ANSWERED and appeal.assignee == staff
    # The consumer is notified by email and SMS, and sees the reply as unread.
    assert {n.channel for n in Notification.objects.filter(user=alice, template_key="appeal_reply")} == {"email", "sms"}
    assert mail.outbox[-1].to == ["alice@example.com"] and "Перерасчёт выполнен." in mail.outbox[-1].body
    assert selectors.unread_appeal_count(alice) == 1
    services.mark_appeal_seen(alice, appeal.pk)
    assert selectors.unread_appeal_count(alice) == 0

    services.change_appeal_status(staff, appeal.pk, "closed")
    services.rate_appeal(alice, appeal.pk, 5, "Спасибо")
    with pytest.raises(CommsError, match="already been rated"):
        services.rate_appeal(alice, appeal.pk, 4)

    # A consumer reply reopens it (back to the assignee) and notifies the assignee.
    staff.email_confirmed = True
    staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_consumer_reply(alice, appeal.pk, "Сумма всё ещё неверная.")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_PROGRESS and appeal.rating is None and appeal.closed_at is None
    assert Notification.objects.get(user=staff, template_key="appeal_consumer_reply").status == "sent"


def test_rating_only_when_closed_and_in_range(alice, staff, appeal):
    with pytest.raises(CommsError, match="once it is closed"):
        services.rate_appeal(alice, appeal.pk, 5)
    services.change_appeal_status(staff, appeal.pk, "closed")
    for bad in (0, 6, "x"):
        with pytest.raises(CommsError, match="from 1 to 5"):
            services.rate_appeal(alice, appeal.pk, bad)


def test_internal_notes_are_hidden_from_consumers(alice, staff, appeal):
    services.add_internal_note(staff, appeal.pk, "Абонент звонил трижды", files=[upload()])
    services.staff_reply(staff, appeal.pk, "Ответ абоненту")
    consumer_view = selectors.get_appeal_for_consumer(alice, appeal.pk)
    assert [m.text for m in consumer_view.thread] == ["Прошу сделать перерасчёт за ноябрь.", "Ответ абоненту"]
    staff_view = selectors.get_appeal_for_staff(staff, appeal.pk)
    assert len(staff_view.thread) == 3
    note_file = Attachment.objects.get(message__is_internal=True)
    assert selectors.get_attachment_for_user(alice, note_file.pk) is None
    assert selectors.get_attachment_for_user(staff, note_file.pk) == note_file
    # The note changed nothing a consumer sees.
    assert Notification.objects.filter(template_key="appeal_reply").count() <= 2


def test_it_validates_ownership(alice, delegate, charlie, staff, other_staff, account, category):
    appeal = write(alice, account, category, files=[upload()])
    attachment = Attachment.objects.get()
    # Owner and delegate read; the stranger and another organisation's staff get nothing.
    assert selectors.get_appeal_for_consumer(delegate, appeal.pk) is not None
    assert selectors.get_attachment_for_user(delegate, attachment.pk) == attachment
    for stranger in (charlie, other_staff):
        assert selectors.get_appeal_for_consumer(stranger, appeal.pk) is None
        assert selectors.get_appeal_for_staff(stranger, appeal.pk) is None
        assert selectors.get_attachment_for_user(stranger, attachment.pk) is None
        assert not selectors.consumer_appeals(stranger).exists()
        assert not selectors.staff_appeals(stranger).exists()
    # Staff of the organisation are not consumers of the account.
    assert selectors.get_appeal_for_consumer(staff, appeal.pk) is None
    before = AppealMessage.objects.count()
    for action in (
        lambda: services.add_consumer_reply(charlie, appeal.pk, "чужое"),
        lambda: services.staff_reply(other_staff, appeal.pk, "чужое"),
        lambda: services.add_internal_note(other_staff, appeal.pk, "чужое"),
        lambda: services.assign_appeal(other_staff, appeal.pk, other_staff.pk),
        lambda: services.change_appeal_status(other_staff, appeal.pk, "closed"),
        lambda: services.rate_appeal(charlie, appeal.pk, 1),
    ):
        with pytest.raises(CommsError) as info:
            action()
        assert info.value.code == "not_found"
    appeal.refresh_from_db()
    assert appeal.status == "new" and appeal.assignee is None and AppealMessage.objects.count() == before


def test_staff_without_the_appeals_role_see_nothing(org, appeal):
    membership = factories.StaffMembershipFactory(organization=org, roles=["readings"])
    assert not selectors.staff_appeals(membership.user).exists()
    with pytest.raises(CommsError):
        services.staff_reply(membership.user, appeal.pk, "нет")


def test_assign_only_to_appeals_staff_of_the_organisation(staff, other_staff, org, appeal, django_capture_on_commit_callbacks):
    with pytest.raises(CommsError, match="does not handle appeals"):
        services.assign_appeal(staff, appeal.pk, other_staff.pk)
    colleague = factories.StaffMembershipFactory(organization=org, roles=["appeals"],
                                                 user__email_confirmed=True).user
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.assign_appeal(staff, appeal.pk, colleague.pk)
    assert appeal.assignee == colleague and appeal.status == "in_progress"
    assert mail.outbox[-1].to == [colleague.email]
    assert services.assign_appeal(staff, appeal.pk, None).assignee is None


def test_status_transitions_are_checked(staff, appeal):
    services.change_appeal_status(staff, appeal.pk, "closed")
    with pytest.raises(CommsError, match="cannot go from"):
        services.change_appeal_status(staff, appeal.pk, "answered")
    with pytest.raises(CommsError, match="Unknown status"):
        services.change_appeal_status(staff, appeal.pk, "lost")


def test_inbox_filters_and_counts(alice, staff, account, category, org, django_assert_num_queries):
    other_building_account = factories.AccountFactory(organization=org)
    factories.AccountLinkFactory(user=alice, account=other_building_account)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        old = write(alice, account, category)  # due 6.11
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC), tick=False):
        fresh = write(alice, other_building_account, category)
        answered = write(alice, account, category)
        services.staff_reply(staff, answered.pk, "Ответ")
    today = dt.date(2026, 11, 20)
    ids = lambda qs: sorted(a.pk for a in qs)  # noqa: E731
    assert ids(selectors.staff_appeals(staff, overdue=True, today=today)) == [old.pk]
    assert ids(selectors.staff_appeals(staff, status="new")) == sorted([old.pk, fresh.pk])
    assert ids(selectors.staff_appeals(staff, assignee="me")) == [answered.pk]
    assert ids(selectors.staff_appeals(staff, assignee="none")) == sorted([old.pk, fresh.pk])
    building = other_building_account.premises.building_id
    assert ids(selectors.staff_appeals(staff, building=building)) == [fresh.pk]
    assert ids(selectors.staff_appeals(staff, category=category.pk)) == sorted([old.pk, fresh.pk, answered.pk])
    with django_assert_num_queries(2):  # memberships, then one aggregate
        counts = selectors.staff_appeal_counts(staff, today=today)
    assert counts["new"] == 2 and counts["answered"] == 1 and counts["overdue"] == 1
    assert counts["unassigned"] == 2 and counts["total"] == 3
    with django_assert_num_queries(2):
        rows = list(selectors.staff_appeal_list(staff, today=today))
        assert rows[0].pk == old.pk and rows[0].overdue
        [(r.account.premises.building.street, r.category.name) for r in rows]


def test_categories_are_managed_by_appeals_staff(staff, other_staff, org):
    category = services.save_category(staff, org.pk, name="Ремонт", deadline_days=7)
    assert category.organization == org
    with pytest.raises(CommsError, match="already has a category"):
        services.save_category(staff, org.pk, name="Ремонт", deadline_days=3)
    with pytest.raises(CommsError, match="from 1 to 365"):
        services.save_category(staff, org.pk, name="Другое", deadline_days=0)
    with pytest.raises(CommsError, match="No such organisation"):
        services.save_category(other_staff, org.pk, name="Захват", deadline_days=3)
