import pytest
from axes.models import AccessAttempt

from kabinet.accounts.models import ApiToken
from kabinet.accounts.services import set_user_active

URL = "/api/v1/auth/token/"


def get_token(api, username, password, **extra):
    return api.post(URL, {"username": username, "password": password, **extra}, format="json")


@pytest.mark.parametrize(
    "username", ["alice@example.com", "ALICE@example.com ", "8 912 000-00-01", "+7 912 000 00 01", "1000200"]
)
def test_token_is_issued_for_email_phone_or_account_number(api, alice, password, username):
    response = get_token(api, username, password, name="Pixel 8")
    assert response.status_code == 201, response.content
    key = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"
    token = ApiToken.objects.get(user=alice)
    assert token.name == "Pixel 8"
    assert token.key_hash != key and key.startswith(token.prefix)
    alice.refresh_from_db()
    assert alice.last_login is not None


def test_wrong_password_is_400_json_with_a_message(api, alice):
    response = get_token(api, "alice@example.com", "wrong-password")
    assert response.status_code == 400
    assert response.json() == {"detail": "Неверный логин или пароль.", "code": "invalid_credentials"}
    assert not ApiToken.objects.exists()
    english = api.post(
        URL, {"username": "alice@example.com", "password": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["detail"] == "Wrong login or password."


def test_unknown_login_is_the_same_answer_as_a_wrong_password(api, alice, password):
    response = get_token(api, "nobody@example.com", password)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_missing_fields_are_400_with_field_errors(api, db):
    response = api.post(URL, {"username": "alice@example.com"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["errors"]
    assert body["detail"]


def test_blocked_user_is_refused(api, alice, password):
    set_user_active(alice, False)
    response = get_token(api, "alice@example.com", password)
    assert response.status_code == 403
    assert response.json()["code"] == "user_blocked"
    assert not ApiToken.objects.exists()


def test_blocked_user_with_a_wrong_password_learns_nothing(api, alice):
    set_user_active(alice, False)
    response = get_token(api, "alice@example.com", "wrong-password")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_blocking_a_user_revokes_their_tokens(client_for, alice):
    client = client_for(alice)
    assert client.get("/api/v1/me/").status_code == 200
    set_user_active(alice, False)
    assert client.get("/api/v1/me/").status_code == 401


def test_lockout_after_five_failures_is_429_json_through_drf(api, alice, password, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    codes = [get_token(api, "alice@example.com", f"wrong-{i}").status_code for i in range(4)]
    assert codes == [400] * 4
    fifth = get_token(api, "alice@example.com", "wrong-5")
    assert fifth.status_code == 429
    assert fifth["Content-Type"] == "application/json"
    assert fifth.json()["code"] == "locked_out"
    assert fifth.json()["detail"]
    # Locked: even the right password is refused now, and no token is issued.
    locked = get_token(api, "alice@example.com", password)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert not ApiToken.objects.exists()
    assert AccessAttempt.objects.filter(username="email:alice@example.com").exists()


def test_lockout_response_comes_from_the_axes_middleware_too(api, alice, settings, monkeypatch):
    """Even if the view did not answer the lockout itself, the middleware turns it into JSON 429."""
    from kabinet.api import views

    monkeypatch.setattr(views, "lockout_response", lambda request: views.Response(status=400))
    for i in range(4):
        get_token(api, "alice@example.com", f"wrong-{i}")
    response = get_token(api, "alice@example.com", "wrong-5")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_a_success_resets_the_failure_count(api, alice, password):
    for i in range(4):
        assert get_token(api, "alice@example.com", f"wrong-{i}").status_code == 400
    assert get_token(api, "alice@example.com", password).status_code == 201
    for i in range(4):
        assert get_token(api, "alice@example.com", f"wrong-again-{i}").status_code == 400
    assert get_token(api, "alice@example.com", password).status_code == 201


def test_lockout_of_one_login_does_not_lock_another(api, alice, charlie, password):
    for i in range(5):
        get_token(api, "alice@example.com", f"wrong-{i}")
    assert get_token(api, "charlie@example.com", password).status_code == 201


def test_issuing_ignores_a_stale_authorization_header(api, alice, password):
    api.credentials(HTTP_AUTHORIZATION="Bearer revoked-or-garbage")
    assert get_token(api, "alice@example.com", password).status_code == 201


def test_delete_revokes_the_token_in_use_only(api, alice, password):
    first = get_token(api, "alice@example.com", password).json()["token"]
    second = get_token(api, "alice@example.com", password).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert api.delete(URL).status_code == 204
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or revoked token."
    assert api.delete(URL).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    assert api.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.filter(user=alice, revoked_at__isnull=False).count() == 1


def test_delete_without_a_token_is_401(api, db):
    response = api.delete(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"


def test_session_does_not_authorise_revoking(api, alice):
    api.force_login(alice)
    assert api.delete(URL).status_code == 401


def test_get_on_the_token_endpoint_is_405_json(client_for, alice):
    response = client_for(alice).get(URL)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_one_lockout_budget_whatever_the_phone_format(api, alice, password):
    spellings = ["8 912 000-00-01", "+79120000001", "+7 (912) 000 00 01", "89120000001", "8-912-000-00-01"]
    for spelling in spellings[:-1]:
        assert get_token(api, spelling, "wrong-password").status_code == 400
    assert get_token(api, spellings[-1], "wrong-password").status_code == 429
    response = get_token(api, "+7 912 000 00 01", password)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
