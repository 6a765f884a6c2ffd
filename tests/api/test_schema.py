import re

from django.core.management import call_command


def test_schema_is_valid_openapi_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns any drf-spectacular warning (an unresolvable view or field) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.")


def test_schema_endpoint_describes_the_api(api, db):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/",
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/accounts/",
        "/api/v1/accounts/{id}/",
    }
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]}
    assert parameters >= {"organization", "search", "limit", "offset"}
    assert "security" not in schema["paths"]["/api/v1/auth/token/"]["post"]  # no token needed to get one
    assert {"bearerAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]


def test_schema_yaml_is_the_default(api, db):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_docs_page_uses_only_local_static_files(api, db):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assets = [ref for ref in references if ref.endswith((".js", ".css", ".png", ".ico"))]
    assert assets, html
    assert not [ref for ref in references if "//" in ref], "nothing may come from another host"
    for ref in assets:
        assert ref.startswith("/static/drf_spectacular_sidecar/"), ref
        assert api.get(ref).status_code == 200, ref
    # The page's own script points Swagger UI at the local schema.
    assert "/api/v1/schema/" in html
