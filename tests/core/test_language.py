def test_pages_are_russian_even_for_an_english_browser(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    assert 'lang="ru"' in response.content.decode()


def test_the_chosen_language_wins(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
    assert 'lang="en"' in response.content.decode()


def test_api_follows_accept_language(client, db):
    russian = client.get("/api/v1/accounts/")
    english = client.get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en")
    assert russian.json()["detail"] != english.json()["detail"]
    assert english["Content-Language"] == "en"
