from unittest import mock

from django.db import DatabaseError


def test_healthz_reports_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_with_reason_when_database_fails(client, db):
    with mock.patch("kabinet.core.views.connection.cursor", side_effect=DatabaseError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert "connection refused" in body["reason"]


def test_unknown_api_versions_answer_json(client, db):
    response = client.get("/api/v2/accounts/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_server_errors_under_api_are_json(rf):
    from kabinet.core.views import server_error

    response = server_error(rf.get("/api/v1/accounts/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
