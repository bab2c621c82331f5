"""Core tests compare messages with their English msgids. Code that runs outside a request
(services, validators) speaks the active language, Chinese by default; these tests run it in
English. Pages still choose their language per request (Chinese unless the client asks)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_outside_requests():
    with translation.override("en"):
        yield
