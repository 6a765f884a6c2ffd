import pytest
from django.contrib.auth import authenticate

from kabinet.accounts import services
from kabinet.accounts.models import AccountLink, ApiToken
from tests import factories


def test_find_account_by_receipt_gives_one_message_for_number_and_code(account):
    assert services.find_account_by_receipt(" 1000200 ", "123456") == account
    with pytest.raises(services.AccessError) as wrong_code:
        services.find_account_by_receipt("1000200", "000000")
    with pytest.raises(services.AccessError) as wrong_number:
        services.find_account_by_receipt("9999999", "123456")
    assert str(wrong_code.value) == str(wrong_number.value)


def test_a_closed_account_cannot_be_registered(account):
    account.is_open = False
    account.save()
    with pytest.raises(services.AccessError):
        services.find_account_by_receipt("1000200", "123456")


def test_register_consumer_creates_an_owner(account):
    user, created = services.register_consumer(account=account, phone="+79125550000", password="s3cret-pass!",
                                               full_name="Мария")
    assert created and user.phone_confirmed and user.check_password("s3cret-pass!")
    assert AccountLink.objects.get(user=user, account=account).is_owner


def test_register_with_a_known_phone_links_to_the_existing_user(alice, other_org):
    second = factories.AccountFactory(organization=other_org)
    user, created = services.register_consumer(account=second, phone=alice.phone, password="ignored-pass")
    assert not created and user == alice
    assert not alice.check_password("ignored-pass")
    assert services.linked_accounts(alice).count() == 2


def test_link_account_of_another_organisation(alice, other_org):
    other = factories.AccountFactory(organization=other_org, receipt_code="777777")
    services.link_account(alice, other.number, "777777")
    assert set(services.linked_accounts(alice)) == {alice.account_links.first().account, other}
    with pytest.raises(services.AccessError, match="already linked"):
        services.link_account(alice, other.number, "777777")


def test_unlink_only_own_links(alice, bob, account):
    with pytest.raises(services.AccessError):
        services.unlink_account(bob, account.pk)
    services.unlink_account(alice, account.pk)
    assert not services.linked_accounts(alice).exists()


def test_delegation_grants_only_chosen_rights_and_can_be_revoked(alice, bob, account):
    link = services.grant_delegation(alice, account.pk, "bob@example.com", ["readings"])
    assert link.rights == ["view", "readings"]
    assert services.get_account_for_user(bob, account.pk) == account
    assert services.get_account_for_user(bob, account.pk, "readings") == account
    assert services.get_account_for_user(bob, account.pk, "payments") is None
    services.revoke_delegation(alice, link.pk)
    assert services.get_account_for_user(bob, account.pk) is None


def test_delegation_by_phone_in_any_format(alice, bob, account):
    services.grant_delegation(alice, account.pk, "8 912 000-00-02", ["payments"])
    assert services.get_account_for_user(bob, account.pk, "payments") == account


def test_a_delegate_cannot_delegate_further_or_revoke(alice, bob, charlie, account):
    link = services.grant_delegation(alice, account.pk, "bob@example.com", ["readings", "payments", "appeals"])
    with pytest.raises(services.AccessError):
        services.grant_delegation(bob, account.pk, "charlie@example.com", ["readings"])
    with pytest.raises(services.AccessError):
        services.revoke_delegation(bob, link.pk)
    with pytest.raises(services.AccessError):
        services.revoke_delegation(charlie, link.pk)
    assert AccountLink.objects.filter(pk=link.pk).exists()


def test_delegation_to_unknown_or_self_is_refused(alice, account):
    with pytest.raises(services.AccessError, match="register"):
        services.grant_delegation(alice, account.pk, "nobody@example.com", ["readings"])
    with pytest.raises(services.AccessError):
        services.grant_delegation(alice, account.pk, "alice@example.com", ["readings"])


def test_get_account_for_user_hides_foreign_and_bad_ids(alice, charlie, account):
    assert services.get_account_for_user(charlie, account.pk) is None
    assert services.get_account_for_user(alice, "not-a-number") is None


@pytest.mark.parametrize("username", ["alice@example.com", "ALICE@example.com", "8 912 000-00-01", "1000200"])
def test_login_by_email_phone_or_account_number(alice, rf, password, username):
    assert authenticate(rf.post("/"), username=username, password=password) == alice


def test_login_by_address(alice, account, rf, password):
    request = rf.post("/")
    assert authenticate(request, username="address:x", premises_id=account.premises_id, password=password) == alice
    assert authenticate(request, username="address:x", premises_id=account.premises_id, password="wrong") is None


def test_blocked_user_cannot_log_in_and_loses_tokens(alice, rf, password):
    services.issue_api_token(alice)
    services.set_user_active(alice, False)
    assert authenticate(rf.post("/"), username="alice@example.com", password=password) is None
    assert not ApiToken.objects.filter(user=alice, revoked_at__isnull=True).exists()


def test_api_tokens_are_stored_hashed_and_revocable(alice):
    key = services.issue_api_token(alice, "phone")
    token = ApiToken.objects.get(user=alice)
    assert key not in token.key_hash and token.prefix == key[:8]
    assert services.revoke_api_token(key)
    assert not services.revoke_api_token(key)


def test_blocking_is_in_the_users_history_and_logins_are_not(alice, client, password):
    services.set_user_active(alice, False)
    services.set_user_active(alice, True)
    rows = list(alice.history.order_by("history_id").values_list("is_active", flat=True))
    assert rows[-2:] == [False, True]
    count = alice.history.count()
    assert client.post("/login/", {"username": "alice@example.com", "password": password}).status_code == 302
    alice.refresh_from_db()
    assert alice.last_login is not None
    assert alice.history.count() == count
