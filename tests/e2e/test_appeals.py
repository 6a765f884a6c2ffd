"""Appeals in Chromium: the consumer writes an appeal with a photo, staff reply (through
`kabinet.comms.services.appeals.staff_reply`: the panel's appeal page was not on main yet), the
consumer sees the unread badge on the home page and reads the reply. With KABINET_SCREENSHOTS=<dir>
the pages are also captured."""

import pytest

from kabinet.comms.models import Appeal, AppealCategory
from kabinet.comms.services import appeals as services
from tests import factories
from tests.comms.files import PNG
from tests.e2e.test_statement import log_in, shoot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_consumer_writes_staff_replies_consumer_reads(live_server, page, settings, tmp_path):
    settings.KABINET_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    account = factories.AccountFactory(organization=org, number="1000200")
    alice = factories.UserFactory(email="alice@example.com")
    factories.AccountLinkFactory(user=alice, account=account)
    staff = factories.StaffMembershipFactory(organization=org).user
    AppealCategory.objects.create(organization=org, name="Ремонт")
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
    services.staff_reply(staff, appeal.pk, "Мастер придёт завтра.")

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
