from __future__ import annotations

import pytest
from django.core.cache import cache
from pytest_django import Settings as SettingsWrapper


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: SettingsWrapper) -> None:
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def empty_cache(db: None) -> None:
    """Login throttling and TOTP replay protection live in the (database) cache: start empty."""
    cache.clear()
