"""Settings come from the environment and refuse to start on anything unsafe or malformed.

Each case starts a fresh interpreter with a controlled environment, because the settings
module is read once per process. Failures go through `django.setup()` as a real start does;
successful starts only import the settings module and print what they decided (fast).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client, override_settings

from dissent.accounts.roles import Employment, Role
from dissent.lib.env import (
    SettingError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)

KEY = "k" * 40
SETUP = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'dissent.settings'; django.setup()"
)


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The machine's environment without any setting of ours, plus `values`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISSENT_")
        and name not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["DISSENT_DATA_DIR"] = str(tmp_path / "data")
    env.update(values)
    return env


def start(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        env=clean_env(tmp_path, **values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refused(tmp_path: Path, **values: str) -> str:
    """Start with `values`; assert the start failed; return the last line of the error."""
    result = start(tmp_path, **values)
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    return last


def decided(tmp_path: Path, names: list[str], **values: str) -> dict[str, object]:
    """Import the settings with `values` and return the named settings."""
    code = (
        "import json, dissent.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(tmp_path, **values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the secret key ---------------------------------------------------------------------


def test_production_start_without_secret_key_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path)
    assert "DISSENT_SECRET_KEY is not set" in message
    assert "DISSENT_SECRET_KEY_FILE" in message
    # No key was invented behind the operator's back.
    assert not (tmp_path / "data" / "demo-secret-key").exists()


def test_plain_http_does_not_excuse_a_missing_secret_key(tmp_path: Path) -> None:
    assert "DISSENT_SECRET_KEY is not set" in refused(tmp_path, DISSENT_HTTPS="false")


def test_short_secret_key_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, DISSENT_SECRET_KEY="short-key")
    assert "DISSENT_SECRET_KEY must be at least 32 characters" in message


def test_secret_key_is_read_from_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("f" * 50 + "\n", encoding="utf-8")
    got = decided(tmp_path, ["SECRET_KEY"], DISSENT_SECRET_KEY_FILE=str(key_file))
    assert got["SECRET_KEY"] == "f" * 50


def test_secret_key_file_takes_precedence_over_the_variable(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("f" * 50, encoding="utf-8")
    got = decided(
        tmp_path, ["SECRET_KEY"], DISSENT_SECRET_KEY=KEY, DISSENT_SECRET_KEY_FILE=str(key_file)
    )
    assert got["SECRET_KEY"] == "f" * 50


def test_unreadable_secret_key_file_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, DISSENT_SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert "DISSENT_SECRET_KEY_FILE=" in message
    assert "cannot be read" in message


@pytest.mark.parametrize("mode", ["DISSENT_DEMO", "DISSENT_DEBUG"])
def test_demo_or_debug_generates_and_keeps_a_private_key(tmp_path: Path, mode: str) -> None:
    first = decided(tmp_path, ["SECRET_KEY", "DATA_DIR"], **{mode: "true"})
    key_file = tmp_path / "data" / "demo-secret-key"
    assert key_file.read_text(encoding="utf-8") == first["SECRET_KEY"]
    assert len(str(first["SECRET_KEY"])) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The next start reuses it, so sessions survive a restart of the demo.
    second = decided(tmp_path, ["SECRET_KEY"], **{mode: "true"})
    assert second["SECRET_KEY"] == first["SECRET_KEY"]


# --- malformed values name the variable ----------------------------------------------------

# (environment, what the one-line refusal must say). Each starts its own interpreter; they
# run side by side in one batch.
REFUSALS: list[tuple[dict[str, str], list[str]]] = [
    ({"DISSENT_DEBUG": "maybe"}, ["DISSENT_DEBUG='maybe' is not a boolean"]),
    ({"DISSENT_HTTPS": "yes please"}, ["DISSENT_HTTPS='yes please' is not a boolean"]),
    ({"DISSENT_SESSION_HOURS": "twelve"}, ["DISSENT_SESSION_HOURS='twelve' is not a whole"]),
    ({"DISSENT_SESSION_HOURS": "0"}, ["DISSENT_SESSION_HOURS=0 is below the minimum 1"]),
    ({"DISSENT_SMTP_PORT": "70000"}, ["DISSENT_SMTP_PORT=70000 is above the maximum 65535"]),
    ({"DISSENT_HSTS_SECONDS": "-1"}, ["DISSENT_HSTS_SECONDS=-1 is below the minimum 0"]),
    ({"DISSENT_EMAIL": "pigeon"}, ["DISSENT_EMAIL='pigeon' must be one of: console, smtp"]),
    ({"DISSENT_LOG_LEVEL": "loud"}, ["DISSENT_LOG_LEVEL='loud' must be one of"]),
    ({"DISSENT_BASE_URL": "localhost:8000"}, ["DISSENT_BASE_URL=", "must look like https://"]),
    (
        {"DISSENT_MFA_REQUIRED_ROLES": "reviewer,admin"},
        ["DISSENT_MFA_REQUIRED_ROLES names unknown values ['reviewer']"],
    ),
    (
        {"DISSENT_FILING_ROLES": "staff,janitor"},
        ["DISSENT_FILING_ROLES names unknown values ['janitor']"],
    ),
    (
        {"DISSENT_FILING_CATEGORIES": "citizen"},
        ["DISSENT_FILING_CATEGORIES names unknown values ['citizen']"],
    ),
    ({"DISSENT_LOGIN_THROTTLE": ""}, ["DISSENT_LOGIN_THROTTLE='' must be rates like"]),
    ({"DISSENT_LOGIN_THROTTLE": "ten per minute"}, ["DISSENT_LOGIN_THROTTLE=", "rates like"]),
    (
        {"DATABASE_URL": "mysql://user@localhost/db"},
        ["DATABASE_URL must be sqlite:/// or postgres://"],
    ),
    (
        {"DATABASE_URL": "oracle://user@localhost/db"},
        ["DATABASE_URL must be sqlite:/// or postgres://"],
    ),
    ({"DATABASE_URL": "no-such-scheme://x/y"}, ["DATABASE_URL is not a database URL"]),
    (
        {"DISSENT_OIDC_SERVER_URL": "https://login.example.org"},
        ["DISSENT_OIDC_CLIENT_ID and DISSENT_OIDC_CLIENT_SECRET"],
    ),
    (
        {"DISSENT_OIDC_SERVER_URL": "https://idp.example.org/", "DISSENT_OIDC_CLIENT_SECRET": "s"},
        ["DISSENT_OIDC_SERVER_URL is set", "DISSENT_OIDC_CLIENT_ID"],
    ),
    (
        {"DISSENT_OIDC_SERVER_URL": "https://idp.example.org/", "DISSENT_OIDC_CLIENT_ID": "c"},
        ["DISSENT_OIDC_SERVER_URL is set", "DISSENT_OIDC_CLIENT_SECRET"],
    ),
]


def _case_id(values: dict[str, str]) -> str:
    return " ".join(f"{name}={value!r}" for name, value in values.items())


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    dirs = [tmp_path_factory.mktemp("refused") for _ in REFUSALS]

    def run(case: tuple[Path, dict[str, str]]) -> tuple[str, str]:
        path, values = case
        return _case_id(values), refused(path, DISSENT_SECRET_KEY=KEY, **values)

    cases = [(path, values) for path, (values, _) in zip(dirs, REFUSALS, strict=True)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return dict(pool.map(run, cases))


@pytest.mark.parametrize(
    ("values", "says"), REFUSALS, ids=[_case_id(values) for values, _ in REFUSALS]
)
def test_bad_value_is_refused_naming_the_variable(
    refusals: dict[str, str], values: dict[str, str], says: list[str]
) -> None:
    message = refusals[_case_id(values)]
    for part in says:
        assert part in message


def test_role_lists_in_settings_match_the_role_model() -> None:
    import dissent.settings as settings_module  # already imported by pytest-django

    assert settings_module._ROLES == list(Role.values)
    assert settings_module._EMPLOYMENTS == list(Employment.values)


def test_postgres_database_url_is_accepted(tmp_path: Path) -> None:
    got = decided(
        tmp_path,
        ["DATABASES"],
        DISSENT_SECRET_KEY=KEY,
        DATABASE_URL="postgres://someone@db.invalid:5433/dissent",
    )
    database = got["DATABASES"]["default"]  # type: ignore[index]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.invalid", 5433, "dissent")


def test_default_database_is_sqlite_in_the_data_dir_with_wal(tmp_path: Path) -> None:
    got = decided(tmp_path, ["DATABASES"], DISSENT_SECRET_KEY=KEY)
    database = got["DATABASES"]["default"]  # type: ignore[index]
    assert database["ENGINE"] == "dissent.backends.sqlite"  # SQLite, writers queued
    assert database["NAME"] == str((tmp_path / "data" / "dissent.sqlite3").resolve())
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["timeout"] > 0


def test_oidc_settings_configure_the_provider_and_csp(tmp_path: Path) -> None:
    got = decided(
        tmp_path,
        ["OIDC_ENABLED", "OIDC_CREATE_USERS", "SOCIALACCOUNT_PROVIDERS", "CONTENT_SECURITY_POLICY"],
        DISSENT_SECRET_KEY=KEY,
        DISSENT_OIDC_SERVER_URL="https://login.example.org:8443/realms/agency",
        DISSENT_OIDC_CLIENT_ID="dissent",
        DISSENT_OIDC_CLIENT_SECRET="s3cret",
        DISSENT_OIDC_NAME="Agency login",
        DISSENT_OIDC_CREATE_USERS="false",
    )
    assert got["OIDC_ENABLED"] is True
    assert got["OIDC_CREATE_USERS"] is False
    (app,) = got["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]  # type: ignore[index]
    assert app["provider_id"] == "sso"
    assert app["name"] == "Agency login"
    assert app["client_id"] == "dissent"
    assert app["settings"] == {"server_url": "https://login.example.org:8443/realms/agency"}
    form_action = got["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]  # type: ignore[index]
    # Browsers check form-action against the redirect target of the SSO form post.
    assert form_action == ["'self'", "https://login.example.org:8443"]


def test_settings_without_oidc_allow_forms_only_to_self(tmp_path: Path) -> None:
    got = decided(
        tmp_path,
        ["OIDC_ENABLED", "SOCIALACCOUNT_PROVIDERS", "CONTENT_SECURITY_POLICY"],
        DISSENT_SECRET_KEY=KEY,
    )
    assert got["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]  # type: ignore[index]
    assert got["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []  # type: ignore[index]
    assert got["OIDC_ENABLED"] is False


# --- production defaults -------------------------------------------------------------------

SECURITY = [
    "DEBUG",
    "HTTPS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_HTTPONLY",
]


def test_production_defaults_are_secure(tmp_path: Path) -> None:
    got = decided(tmp_path, SECURITY, DISSENT_SECRET_KEY=KEY)
    assert got["DEBUG"] is False
    assert got["HTTPS"] is True
    assert got["SESSION_COOKIE_SECURE"] is True
    assert got["CSRF_COOKIE_SECURE"] is True
    assert got["SESSION_COOKIE_HTTPONLY"] is True
    assert got["SECURE_HSTS_SECONDS"] == 31536000
    assert got["SECURE_SSL_REDIRECT"] is True
    # Forwarded-proto is only believed when the operator says a proxy sets it.
    assert got["SECURE_PROXY_SSL_HEADER"] is None


def test_proxy_header_is_trusted_only_when_asked(tmp_path: Path) -> None:
    got = decided(
        tmp_path, SECURITY, DISSENT_SECRET_KEY=KEY, DISSENT_TRUST_X_FORWARDED_PROTO="true"
    )
    assert got["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_demo_mode_is_plain_http(tmp_path: Path) -> None:
    got = decided(tmp_path, SECURITY, DISSENT_DEMO="true")
    assert got["HTTPS"] is False
    assert got["SESSION_COOKIE_SECURE"] is False
    assert got["SECURE_SSL_REDIRECT"] is None  # never set: Django's default, no redirect


@pytest.mark.django_db
def test_production_redirects_to_https_except_healthz(tmp_path: Path) -> None:
    got = decided(tmp_path, SECURITY, DISSENT_SECRET_KEY=KEY)
    with override_settings(
        SECURE_SSL_REDIRECT=got["SECURE_SSL_REDIRECT"],
        SECURE_REDIRECT_EXEMPT=got["SECURE_REDIRECT_EXEMPT"],
        SECURE_HSTS_SECONDS=got["SECURE_HSTS_SECONDS"],
    ):
        client = Client()
        home = client.get("/")
        assert home.status_code == 301
        assert home["Location"] == "https://testserver/"
        api = client.get("/api/v1/me")
        assert api.status_code == 301
        # Load balancers probe over plain HTTP on the private side.
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        secure = client.get("/healthz", secure=True)
        assert secure["Strict-Transport-Security"] == "max-age=31536000"


# --- dissent.lib.env -----------------------------------------------------------------------


def test_env_str_default_value_and_file(tmp_path: Path) -> None:
    assert env_str("X", "dflt", environ={}) == "dflt"
    assert env_str("X", "dflt", environ={"X": ""}) == ""
    assert env_str("X", environ={"X": " raw "}) == " raw "
    secret = tmp_path / "secret"
    secret.write_text("  from file\n", encoding="utf-8")
    assert env_str("X", environ={"X": "plain", "X_FILE": str(secret)}) == "from file"


def test_env_file_that_cannot_be_read_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"X_FILE='.*nope' cannot be read"):
        env_str("X", environ={"X_FILE": str(tmp_path / "nope")})
    with pytest.raises(SettingError, match="X_FILE="):
        env_bool("X", environ={"X_FILE": str(tmp_path)})  # a directory


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_true(value: str) -> None:
    assert env_bool("B", False, environ={"B": value}) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off"])
def test_env_bool_false(value: str) -> None:
    assert env_bool("B", True, environ={"B": value}) is False


def test_env_bool_default_and_bad_value() -> None:
    assert env_bool("B", True, environ={}) is True
    assert env_bool("B", False, environ={}) is False
    # Empty means unset: `DISSENT_HTTPS=` must not switch HTTPS protections off.
    assert env_bool("B", True, environ={"B": ""}) is True
    assert env_bool("B", True, environ={"B": "  "}) is True
    with pytest.raises(SettingError, match=r"^B='2' is not a boolean: use true or false$"):
        env_bool("B", environ={"B": "2"})


def test_env_int() -> None:
    assert env_int("N", 7, environ={}) == 7
    assert env_int("N", 7, environ={"N": "  "}) == 7
    assert env_int("N", 7, environ={"N": " 42 "}) == 42
    assert env_int("N", 7, minimum=1, maximum=42, environ={"N": "42"}) == 42
    assert env_int("N", 7, minimum=1, environ={"N": "1"}) == 1
    with pytest.raises(SettingError, match=r"^N='4.5' is not a whole number$"):
        env_int("N", 7, environ={"N": "4.5"})
    with pytest.raises(SettingError, match=r"^N=0 is below the minimum 1$"):
        env_int("N", 7, minimum=1, environ={"N": "0"})
    with pytest.raises(SettingError, match=r"^N=43 is above the maximum 42$"):
        env_int("N", 7, maximum=42, environ={"N": "43"})


def test_env_list() -> None:
    assert env_list("L", ["a"], environ={}) == ["a"]
    assert env_list("L", environ={}) == []
    assert env_list("L", ["a"], environ={"L": " b , c,,d "}) == ["b", "c", "d"]
    assert env_list("L", ["a"], environ={"L": ""}) == []
    default = ["x"]
    env_list("L", default, environ={}).append("y")
    assert default == ["x"]  # callers get a copy, never the shared default


def test_env_choice() -> None:
    choices = ["console", "smtp"]
    assert env_choice("C", choices, "console", environ={}) == "console"
    assert env_choice("C", choices, "console", environ={"C": ""}) == "console"
    assert env_choice("C", choices, "console", environ={"C": " SMTP "}) == "smtp"
    with pytest.raises(SettingError, match=r"^C='pigeon' must be one of: console, smtp$"):
        env_choice("C", choices, "console", environ={"C": "pigeon"})
