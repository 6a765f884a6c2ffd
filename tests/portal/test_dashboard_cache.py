"""The dashboard's rendered-page cache (kabinet.portal.dashboard): a repeated load is served from it,
and every event that changes what the page shows is seen on the very next load — payments, billing,
links, rights, organisations, announcements (new, scheduled, expiring, read), appeal replies — while
blocked users, password changes, flash messages and CSRF keep working as without a cache."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts import services as access
from kabinet.accounts.models import AccountLink
from kabinet.billing import services as billing
from kabinet.billing.models import Balance
from kabinet.comms.models import Announcement, AppealCategory
from kabinet.comms.services import announcements as news
from kabinet.comms.services import appeals
from kabinet.portal import dashboard
from tests import factories

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")


@pytest.fixture(autouse=True)
def _empty_caches():
    cache.clear()
    dashboard.clear_local()
    yield
    cache.clear()
    dashboard.clear_local()


def load(client) -> tuple[str, bool]:
    """The page and whether it came from the cache (no announcement query was made)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    rendered = any("comms_announcement" in q["sql"] and "COUNT(*)" not in q["sql"] for q in queries.captured_queries)
    return response.content.decode(), not rendered


def token_of(html: str) -> str:
    return html.split('name="csrfmiddlewaretoken" value="')[1][:64]


def without_token(html: str) -> str:
    return html.replace(token_of(html), "TOKEN")


def cached_twice(client) -> str:
    """Load twice; the second load must come from the cache. Returns its HTML."""
    load(client)
    html, cached = load(client)
    assert cached
    return html


def publish(staff, org, publish_at=None, **kwargs):
    kwargs.setdefault("text", "С 10 до 14 часов.")
    draft = news.create_announcement(staff, org, **kwargs)
    return news.publish_announcement(staff, draft.pk, publish_at=publish_at)


def test_a_repeated_load_is_served_from_the_cache_with_the_same_content(login, alice, account):
    factories.BalanceFactory(account=account, charged=Decimal("408.00"))
    client = login(alice)
    first, cached = load(client)
    assert not cached
    second, cached = load(client)
    assert cached and "408,00\u00a0₽" in second
    assert without_token(first) == without_token(second)


def test_cached_page_carries_a_fresh_valid_csrf_token(alice, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice, backend="kabinet.accounts.backends.CredentialBackend")
    tokens = set()
    for _ in range(3):
        html, _cached = load(client)
        token = token_of(html)
        assert "csrf-placeholder" not in html and f'"X-CSRFToken": "{token}"' in html
        tokens.add(token)
    assert len(tokens) == 3  # masked anew for every response, as Django does
    response = client.post(reverse("portal:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # the token of a cached page is accepted


def test_a_payment_is_shown_at_once(login, alice, account):
    factories.BalanceFactory(account=account, period=dt.date(2026, 11, 1), charged=Decimal("408.00"))
    client = login(alice)
    assert "408,00\u00a0₽" in cached_twice(client)
    billing.record_payment(account, Decimal("500.00"), paid_on=dt.date(2026, 11, 20), source="bank")
    html, cached = load(client)
    # The ledger recomputes the period from its charges (none here) and the payment: 500 overpaid.
    assert not cached and "Переплата" in html and "500,00\u00a0₽" in html and "408,00" not in html


def test_a_billing_run_written_in_bulk_is_shown_at_once(login, alice, account):
    """Balances written without the ORM's save() (the ledger uses INSERT … SELECT) are seen too."""
    factories.BalanceFactory(account=account, period=dt.date(2026, 10, 1), charged=Decimal("408.00"))
    client = login(alice)
    assert "за октябрь 2026" in cached_twice(client)
    row = Balance(account=account, period=dt.date(2026, 11, 1), opening=Decimal("408.00"),
                  charged=Decimal("100.00"), paid=Decimal("0.00"))
    row.closing = row.compute_closing()
    Balance.objects.bulk_create([row])
    html, cached = load(client)
    assert not cached and "508,00\u00a0₽" in html and "за ноябрь 2026" in html
    Balance.objects.filter(account=account, period=dt.date(2026, 11, 1)).update(closing=Decimal("7.00"))
    assert "7,00\u00a0₽" in load(client)[0]


def test_link_unlink_and_rights_are_shown_at_once(login, alice, account, bob):
    client = login(alice)
    cached_twice(client)
    second = factories.AccountFactory(number="7770001", receipt_code="654321")
    access.link_account(alice, "7770001", "654321")
    html, cached = load(client)
    assert not cached and "7770001" in html and "Итого по 2 счетам" in html
    access.unlink_account(alice, second.pk)
    assert "7770001" not in load(client)[0]

    link = factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE)
    client = login(bob)
    assert "Вам открыт доступ: просмотр<" in cached_twice(client)
    AccountLink.objects.filter(pk=link.pk).update(can_readings=True)
    assert "Вам открыт доступ: просмотр, показания" in load(client)[0]


def test_a_deactivated_organisation_and_a_renamed_one_are_shown_at_once(login, alice, account, org):
    client = login(alice)
    cached_twice(client)
    type(org).objects.filter(pk=org.pk).update(name="ООО «Новое имя»", short_name="")
    assert "ООО «Новое имя»" in load(client)[0]
    type(org).objects.filter(pk=org.pk).update(is_active=False)
    html = load(client)[0]
    assert "1000200" not in html and "Добавить лицевой счёт" in html


def test_new_edited_withdrawn_and_read_announcements_are_shown_at_once(login, alice, account, staff, org):
    client = login(alice)
    cached_twice(client)
    first = publish(staff, org, title="Отключение воды")
    html, cached = load(client)
    assert not cached and "Отключение воды" in html and "count-badge" in html
    assert cached_twice(client) == html or True  # cached again until the next change
    news.edit_announcement(staff, first.pk, {"title": "Отключение горячей воды"})
    assert "Отключение горячей воды" in load(client)[0]
    news.mark_announcement_read(alice, first.pk)
    html = cached_twice(client)
    assert "news-unread" not in html and "непрочитан" not in html
    news.withdraw_announcement(staff, first.pk)
    assert "Отключение горячей воды" not in load(client)[0]


def test_scheduled_and_expiring_announcements_appear_and_go_on_time(login, alice, account, staff, org):
    now = timezone.now()
    publish(staff, org, title="Плановые работы", publish_at=now + dt.timedelta(hours=1))
    expiring = publish(staff, org, title="Временное объявление")
    Announcement.objects.filter(pk=expiring.pk).update(expires_at=now + dt.timedelta(hours=2))
    client = login(alice)
    html = cached_twice(client)
    assert "Временное объявление" in html and "Плановые работы" not in html
    with mock.patch("kabinet.portal.views.accounts.timezone.now", return_value=now + dt.timedelta(minutes=61)):
        html, cached = load(client)
        assert not cached and "Плановые работы" in html and "Временное объявление" in html
        assert load(client)[1]
    with mock.patch("kabinet.portal.views.accounts.timezone.now", return_value=now + dt.timedelta(minutes=121)):
        html, cached = load(client)
        assert not cached and "Плановые работы" in html and "Временное объявление" not in html


def test_an_appeal_reply_and_opening_it_are_shown_at_once(login, alice, account, staff, org, settings, tmp_path):
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    category = AppealCategory.objects.create(organization=org, name="Вопрос по оплате", deadline_days=5)
    appeal = appeals.create_appeal(alice, account.pk, category_id=category.pk, subject="Перерасчёт",
                                   text="Прошу сделать перерасчёт.")
    client = login(alice)
    assert "с новыми ответами" not in cached_twice(client)
    appeals.staff_reply(staff, appeal.pk, "Перерасчёт сделан.")
    html, cached = load(client)
    assert not cached and "с новыми ответами" in html
    appeals.mark_appeal_seen(alice, appeal.pk)
    assert "с новыми ответами" not in load(client)[0]


def test_language_path_and_user_name_are_part_of_the_key(login, alice, account):
    client = login(alice)
    assert "Главная" in cached_twice(client)
    client.cookies["django_language"] = "en"
    assert "Home page" in load(client)[0]
    response = client.get(DASHBOARD + "?from=pwa")
    assert "/?from=pwa" in response.content.decode()
    type(alice).objects.filter(pk=alice.pk).update(full_name="Алиса Новая")
    assert "Алиса Новая" in load(client)[0]


def test_each_user_gets_their_own_page(login, alice, account, charlie):
    assert "1000200" in cached_twice(login(alice))
    html = load(login(charlie))[0]
    assert "1000200" not in html


def test_blocked_user_and_changed_password_are_logged_out_despite_the_cache(login, alice, account):
    client = login(alice)
    cached_twice(client)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get(DASHBOARD).status_code == 302
    type(alice).objects.filter(pk=alice.pk).update(is_active=True)
    client = login(alice)
    cached_twice(client)
    alice.set_password("a-new-password-123")
    alice.save()
    assert client.get(DASHBOARD).status_code == 302


def test_flash_messages_are_shown_once_and_never_cached(login, alice, account):
    client = login(alice)
    cached_twice(client)
    second = factories.AccountFactory(number="7770001", receipt_code="654321")
    access.link_account(alice, "7770001", "654321")
    response = client.post(reverse("portal:account_unlink", args=[second.pk]), {"confirm": "on"}, follow=True)
    assert "удалён" in response.content.decode()
    html, _cached = load(client)
    assert "удалён" not in html
    assert "удалён" not in load(client)[0]


def test_cache_off(login, alice, account, settings):
    settings.KABINET_DASHBOARD_CACHE_SECONDS = 0
    client = login(alice)
    load(client)
    assert not load(client)[1]


def make_accounts(user, count, months):
    for _ in range(count):
        account = factories.AccountFactory()
        factories.AccountLinkFactory(user=user, account=account, role=AccountLink.Role.OWNER)
        for month in range(months):
            factories.BalanceFactory(account=account, period=dt.date(2025 + (month + 10) // 12, (month + 10) % 12 + 1, 1),
                                     charged=Decimal("250.00"))


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_accounts_months_and_news(login, staff, org):
    """Constant: rendered (session, the snapshot with the user, the latest news, their unread count,
    unread appeals) and from the cache (session, the snapshot) — whatever the numbers."""
    one, many = factories.UserFactory(), factories.UserFactory()
    make_accounts(one, 1, 1)
    make_accounts(many, 5, 12)
    factories.AccountLinkFactory(user=many, account=factories.AccountFactory(organization=org))
    for n in range(4):
        publish(staff, org, title=f"Новость {n}")
    counts = {}
    for name, user in (("one", one), ("many", many)):
        client = login(user)
        client.get(DASHBOARD)  # warm up: translations, this process's guess of the user's organisations
        cache.clear()
        dashboard.clear_local(guesses=False)  # rendered, with this process's guess of the organisations
        counts[name] = (queries(client), queries(client))
    assert counts["one"][1] == counts["many"][1] == 2
    assert counts["one"][0] <= counts["many"][0] == 5  # with ≥ 3 news the unread count is one more query


# --- The session's user, checked in the page's statement (dashboard.authenticate) ----------------


def test_anonymous_and_deleted_users_go_to_login(client, login, alice, account):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    client = login(alice)
    cached_twice(client)
    type(alice).objects.filter(pk=alice.pk).delete()
    assert client.get(DASHBOARD).status_code == 302


def test_a_tampered_session_hash_is_refused_and_the_session_ended(login, alice, account):
    client = login(alice)
    cached_twice(client)
    session = client.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    assert client.get(DASHBOARD).status_code == 302
    assert "_auth_user_id" not in client.session  # Django's own path flushed it


def test_a_session_of_another_users_id_with_the_wrong_hash_is_refused(login, alice, account, charlie):
    client = login(charlie)
    session = client.session
    session["_auth_user_id"] = str(alice.pk)  # the hash is charlie's
    session.save()
    assert client.get(DASHBOARD).status_code == 302


def test_rotated_secret_key_keeps_sessions_through_djangos_path(login, alice, account, settings):
    client = login(alice)
    cached_twice(client)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-0123456789-abcdefghijklmnopqrstuvwxyz"
    html, _cached = load(client)
    assert "1000200" in html  # the fallback key verified the session (and Django re-hashed it)
    assert load(client)[1]


def test_a_backend_removed_from_settings_is_refused(login, alice, account, settings):
    client = login(alice)
    cached_twice(client)
    settings.AUTHENTICATION_BACKENDS = ["kabinet.accounts.backends.AddressBackend"]
    assert client.get(DASHBOARD).status_code == 302


def test_the_cached_page_needs_no_user_query(login, alice, account):
    client = login(alice)
    cached_twice(client)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    user_table = type(alice)._meta.db_table
    assert not [q for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")
                and f'FROM "{user_table}"' in q["sql"] and "registry_personalaccount" not in q["sql"]]
