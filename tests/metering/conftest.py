import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Rule and service messages are asserted in English here (one test checks the Russian ones)."""
    with translation.override("en"):
        yield
