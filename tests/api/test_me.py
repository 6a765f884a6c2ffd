from tests import factories


def test_me_for_a_consumer(client_for, alice, account):
    factories.AccountLinkFactory(user=alice)  # a second account, of another organisation
    body = client_for(alice).get("/api/v1/me/").json()
    assert body == {
        "id": alice.pk,
        "email": "alice@example.com",
        "phone": "+79120000001",
        "full_name": alice.full_name,
        "is_staff_member": False,
        "is_operator": False,
        "organizations": [],
        "linked_accounts_count": 2,
    }


def test_me_for_staff_lists_organisations_with_roles(client_for, staff, org):
    sub = factories.OrganizationFactory(parent=org)
    factories.StaffMembershipFactory(user=staff, organization=sub, roles=["readings", "appeals"])
    body = client_for(staff).get("/api/v1/me/").json()
    assert body["is_staff_member"] is True
    assert body["is_operator"] is False
    assert body["linked_accounts_count"] == 0
    assert [o["id"] for o in body["organizations"]] == [org.pk, sub.pk]
    assert body["organizations"][0]["name"] == org.name
    assert body["organizations"][1]["roles"] == ["readings", "appeals"]


def test_me_ignores_inactive_memberships(client_for, staff, org):
    staff.memberships.update(is_active=False)
    body = client_for(staff).get("/api/v1/me/").json()
    assert body["is_staff_member"] is False
    assert body["organizations"] == []


def test_me_for_the_operator(client_for, operator):
    body = client_for(operator).get("/api/v1/me/").json()
    assert body["is_staff_member"] is True
    assert body["is_operator"] is True


def test_me_needs_a_token(api, db):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_messages_follow_the_language_russian_by_default(api, db):
    assert api.get("/api/v1/me/").json()["detail"] == "Учетные данные не были предоставлены."


def test_a_garbage_token_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
