import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Protocols are asserted in English unless a test switches to Russian (the stored language)."""
    with translation.override("en"):
        yield
