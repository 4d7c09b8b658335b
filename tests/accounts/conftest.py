from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def empty_cache(db: None) -> None:
    """Login throttling and TOTP replay protection live in the (database) cache: start empty."""
    cache.clear()
