"""Races on real threads: `results = together(lambda: a.post(...), lambda: b.post(...))`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client

from dissent.accounts.actions import do_create_token
from dissent.accounts.models import User
from tests.conftest import ApiClient


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released at the same moment by a barrier, and return their
    results in order. Each thread has its own database connection and closes it at the end;
    an exception in any thread fails the test. Needs django_db(transaction=True)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = call()
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert not any(isinstance(r, BaseException) for r in results), results
    return results


def racing_api(user: User) -> ApiClient:
    """An API client whose middleware chain is built already, so the race is the request."""
    client = Client()
    client.get("/healthz")
    _, secret = do_create_token(user, "tests", acting_user=user)
    return ApiClient(client, secret)


def statuses(responses: list[Any]) -> list[tuple[int, str | None]]:
    """(status, error code) of each response, sorted: compare without caring who won."""
    return sorted((r.status_code, r.json().get("error", {}).get("code")) for r in responses)
