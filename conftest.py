"""Shared test fixtures. Regions come from the migration; users and organisations are made
through the services, as the application makes them."""

import pytest

# The browser tests' server and Chromium (one of each for the run, whichever app's tests use it).
pytest_plugins = ["kuangan.core.tests.browser"]


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles (the API token endpoint's) and other cached state start empty in each test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def region():
    """Region by GB/T 2260 code: ``region("220605")``."""
    from kuangan.core.models import Region

    return lambda code: Region.objects.get(code=code)


@pytest.fixture
def user_in(db):
    """``user_in("220605", role="regulator_inspector")``: a user of a fresh organisation in
    that region, of the kind the role needs."""
    from kuangan.core.tests.factories import make_user

    return make_user
