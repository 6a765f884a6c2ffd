import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English here; pages assert the Russian ones."""
    with translation.override("en"):
        yield
