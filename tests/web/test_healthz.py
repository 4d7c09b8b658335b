"""GET /healthz: load balancers see "ok" only when the database answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

# Served through Django's test client inside a process whose database cannot be reached:
# nothing listens on port 1, so the connection is refused at once.
_UNREACHABLE = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "dissent.settings"
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "cache": response.get("Cache-Control", "")}))
"""


@pytest.mark.django_db
def test_healthz_ok() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]  # never served from a cache


@pytest.mark.django_db
def test_healthz_needs_no_login_and_refuses_writes() -> None:
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_reports_a_database_error() -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("disk I/O error"),
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "reason": "database unavailable: OperationalError",
    }


def test_healthz_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISSENT_")}
    env.update(
        DISSENT_SECRET_KEY="k" * 40,
        DISSENT_HTTPS="false",
        DISSENT_DATA_DIR=str(tmp_path),
        DISSENT_ALLOWED_HOSTS="testserver",
        DISSENT_LOG_LEVEL="error",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/x",
    )
    result = subprocess.run(
        [sys.executable, "-c", _UNREACHABLE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["status"] == 503
    assert got["body"] == {"status": "error", "reason": "database unavailable: OperationalError"}
    assert "no-cache" in got["cache"]
