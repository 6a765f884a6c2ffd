import pytest


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_urls_under_the_api_are_json_404(api, db, method):
    response = getattr(api, method)("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert "/api/v1/no/such/thing/" in response.json()["detail"]


def test_a_missing_trailing_slash_is_json_404_too(client_for, alice):
    response = client_for(alice).get("/api/v1/me")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_method_not_allowed_is_json_405(client_for, alice):
    response = client_for(alice).post("/api/v1/me/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_malformed_json_is_400_json(api, db):
    response = api.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_api_root_lists_the_endpoints(api, db):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    assert response.json() == {
        "auth_token": "http://testserver/api/v1/auth/token/",
        "me": "http://testserver/api/v1/me/",
        "accounts": "http://testserver/api/v1/accounts/",
        "meters": "http://testserver/api/v1/meters/",
        "readings": "http://testserver/api/v1/readings/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }
