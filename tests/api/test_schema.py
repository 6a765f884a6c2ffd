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


def test_schema_documents_meters_and_readings(api, db):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/v1/meters/", "/api/v1/meters/{id}/", "/api/v1/readings/",
        "/api/v1/readings/{id}/accept/", "/api/v1/readings/{id}/reject/",
    }
    components = schema["components"]["schemas"]
    request = paths["/api/v1/readings/"]["post"]["requestBody"]["content"]
    assert list(request) == ["application/json"]
    both_forms = components[request["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]["oneOf"]
    assert {"$ref": "#/components/schemas/ReadingSubmission"} in both_forms
    assert {"type": "array", "items": {"$ref": "#/components/schemas/ReadingItem"}} in both_forms
    responses = paths["/api/v1/readings/"]["post"]["responses"]
    assert responses["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubmissionResult")
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReadingError")
    assert set(components["Issue"]["properties"]) == {"index", "field", "code", "message"}
    assert set(paths["/api/v1/readings/{id}/reject/"]["post"]["responses"]) >= {"200", "400", "403", "404", "409"}
    parameters = {p["name"] for p in paths["/api/v1/readings/"]["get"]["parameters"]}
    assert parameters >= {"meter", "period", "status", "limit", "offset"}
    assert components["Meter"]["properties"]["last_readings"]["type"] == "object"
