"""Appeals in Chromium: the consumer writes an appeal with a photo, staff reply on the panel's
appeal page (a second browser context, logged in with a session cookie made before Playwright), the
consumer sees the unread badge on the home page and reads the reply. With KABINET_SCREENSHOTS=<dir>
the pages are also captured."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from kabinet.comms.models import Appeal, AppealCategory, AppealMessage
from tests import factories
from tests.comms.files import PNG
from tests.e2e.test_statement import log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    account = factories.AccountFactory(organization=org, number="1000200")
    alice = factories.UserFactory(email="alice@example.com")
    factories.AccountLinkFactory(user=alice, account=account)
    staff = factories.StaffMembershipFactory(organization=org, user__full_name="Диспетчер УК").user
    AppealCategory.objects.create(organization=org, name="Ремонт")
    return {"org": org, "alice": alice, "staff": staff}


@pytest.fixture
def staff_cookie(world):
    """The staff member's session, made before Playwright starts its event loop."""
    client = Client()
    client.force_login(world["staff"])
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def staff_page(browser, live_server, cookie):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context, context.new_page()


def test_consumer_writes_staff_replies_consumer_reads(world, staff_cookie, live_server, browser, page, tmp_path):
    alice = world["alice"]
    photo = tmp_path / "кран.png"
    photo.write_bytes(PNG)

    log_in(page, live_server, alice)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Обращения").first.click()
    page.get_by_role("link", name="Написать обращение").click()
    page.get_by_label("Категория").select_option(label="Ремонт")
    page.get_by_label("Тема").fill("Течёт кран")
    page.get_by_label("Ваш вопрос или сообщение").fill("В ванной течёт кран.")
    page.get_by_label("Приложить файлы (необязательно)").set_input_files(str(photo))
    shoot(page, "appeal-new")
    page.get_by_role("button", name="Отправить обращение").click()
    page.get_by_role("heading", name="Обращение от", exact=False).first.wait_for()
    assert page.get_by_role("link", name="кран.png").is_visible()

    appeal = Appeal.objects.get()
    context, panel = staff_page(browser, live_server, staff_cookie)
    try:
        response = panel.goto(f"{live_server.url}/panel/appeals/{appeal.pk}/")
        assert response.status == 200
        assert panel.get_by_text("В ванной течёт кран.").is_visible()
        assert panel.get_by_role("link", name="кран.png").is_visible()
        reply = panel.locator(f"form[action='/panel/appeals/{appeal.pk}/reply/']")
        reply.locator("textarea[name=text]").fill("Мастер придёт завтра.")
        shoot(panel, "panel-appeal-reply")
        reply.locator("button[type=submit]").click()
        panel.get_by_text("Мастер придёт завтра.").first.wait_for()
    finally:
        context.close()
    reply_row = AppealMessage.objects.filter(appeal=appeal, from_staff=True).get()
    assert (reply_row.author_id, reply_row.is_internal) == (world["staff"].pk, False)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ANSWERED

    page.goto(f"{live_server.url}/")
    tile = page.locator("a.tile", has_text="Обращения")
    assert tile.locator(".count-badge").inner_text().startswith("1")
    tile.click()
    assert page.get_by_text("Новый ответ").is_visible()
    page.get_by_role("link", name="Течёт кран").click()
    assert page.get_by_text("Мастер придёт завтра.").is_visible()
    shoot(page, "appeal-thread")
    page.goto(f"{live_server.url}/")
    assert page.locator("a.tile", has_text="Обращения").locator(".count-badge").count() == 0
