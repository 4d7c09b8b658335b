from __future__ import annotations

import pytest

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from tests.conftest import make_user


@pytest.fixture
def cora(db: None) -> User:
    """A second drafter (co-drafter) beside alice."""
    return make_user("cora", Role.STAFF)


@pytest.fixture
def kim(db: None) -> User:
    """A contractor: may co-draft and co-sign, may not file (DISSENT_FILING_CATEGORIES)."""
    return make_user("kim", Role.STAFF, employment="contractor")
