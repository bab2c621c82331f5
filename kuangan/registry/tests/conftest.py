import pytest


@pytest.fixture
def login(client):
    """``login(user)``: the test client, logged in as ``user``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
