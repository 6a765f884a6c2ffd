import pytest
from rest_framework.test import APIClient

from kabinet.accounts.services import issue_api_token


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated with a fresh Bearer token of `user`."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, name='tests')}")
        return client

    return make
