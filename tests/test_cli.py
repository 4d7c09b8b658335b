"""The `dissent` command as an operator runs it: a real subprocess on a temporary SQLite
database (set explicitly, so this holds on PostgreSQL runs of the suite too). Bad input
gives exactly one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dissent.accounts.actions import do_create_token, do_revoke_token
from dissent.accounts.models import ApiToken, User
from dissent.cli import COMMANDS, main

pytestmark = pytest.mark.cli

DISSENT = str(Path(sys.executable).parent / "dissent")
KEY = "cli-test-key-" + "x" * 40
PERSONAS = ["alice", "bob", "carol", "oscar", "rita", "dana", "sam", "ada", "ian"]
MFA_PERSONAS = {"rita", "dana", "sam", "ada", "ian"}


def cli_env(data_dir: Path, *, key: bool = True, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISSENT_")
        and name not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DISSENT_HTTPS="false",
        DISSENT_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'dissent.sqlite3'}",
        DISSENT_LOG_LEVEL="warning",
        DISSENT_ALLOWED_HOSTS="testserver",
    )
    if key:
        env["DISSENT_SECRET_KEY"] = KEY
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [DISSENT, *args],
        env=env,
        cwd=env["DISSENT_DATA_DIR"],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(
    proc: subprocess.Popen[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(stdin, timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def dissent(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return finish(start(list(args), env, stdin), stdin)


def run_all(
    cases: list[tuple[list[str], dict[str, str]]],
) -> list[subprocess.CompletedProcess[str]]:
    """Run several commands side by side (each spends most of its time starting Django),
    no more at once than there are cores."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda case: dissent(*case[0], env=case[1]), cases))


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dissent: ")
    return lines[0]


def python_in(env: dict[str, str], code: str) -> dict[str, object]:
    """Run Django code against the command's database; the code prints one JSON line."""
    prelude = (
        "import json, os, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'dissent.settings'\n"
        "django.setup()\n"
        "from django.test import Client\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        env=env,
        cwd=env["DISSENT_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`dissent demo --no-serve` on a fresh directory, as a newcomer runs it: it migrates a
    new database and seeds the personas. Run once (migrating is the slow part): the demo
    test looks at its output and the other tests work on copies of its database."""
    data = tmp_path_factory.mktemp("demo")
    env = cli_env(data, key=False)  # the demo needs no secret key: it makes its own
    result = dissent("demo", "--no-serve", "--port", "8123", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return data, result.stdout


@pytest.fixture(scope="module")
def migrated(first_demo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's database as it was right after the first run."""
    copy = tmp_path_factory.mktemp("migrated") / "dissent.sqlite3"
    shutil.copy(first_demo[0] / "dissent.sqlite3", copy)
    return copy


@pytest.fixture
def site(migrated: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    shutil.copy(migrated, tmp_path / "dissent.sqlite3")
    yield cli_env(tmp_path)


# --- help and errors --------------------------------------------------------------------


def test_help_for_the_command_and_subcommands(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    top, bare, token, create = run_all(
        [
            (["--help"], env),
            ([], env),
            (["token", "--help"], env),
            (["token", "create", "--help"], env),
        ]
    )
    assert top.returncode == 0
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s+\S", top.stdout, re.M), name
    assert bare.returncode == 0
    assert bare.stdout == top.stdout  # no arguments: the same usage
    assert token.returncode == 0
    assert token.stdout.startswith("usage: dissent token ")
    assert "create|revoke|list" in token.stdout
    assert create.returncode == 0
    assert create.stdout.startswith("usage: dissent token create ")
    for result in (top, bare, token, create):
        assert result.stderr == ""
    # Help needs no database.
    assert not (tmp_path / "dissent.sqlite3").exists()


@pytest.mark.parametrize(
    "args",
    [[name, "--help"] for name in COMMANDS]
    + [["token", action, "--help"] for action in ("create", "revoke", "list")],
    ids=lambda args: " ".join(args),
)
def test_every_command_has_help(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same entry point, in this process (Django is already set up): one subprocess per
    command would cost a Django start each."""
    monkeypatch.setenv("DISSENT_DEMO", "false")  # `dissent demo` sets it; undone after
    monkeypatch.setattr("django.setup", lambda *args, **kwargs: None)  # done already
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"usage: dissent {' '.join(args[:-1])} ")
    assert err == ""


# What the issue names: an unknown command, a bad option, a missing argument, an invalid
# e-mail, an unknown role, an unknown user for `token create`, a port that is no port.
ERRORS: list[tuple[list[str], str]] = [
    (["frobnicate"], "unknown command 'frobnicate'; run 'dissent --help'"),
    (["migrate", "--bogus"], "migrate: unrecognized arguments: --bogus"),
    (["createuser"], "the following arguments are required: email, --role"),
    (["createuser", "not-an-email", "--role", "staff"], "'not-an-email' is not an e-mail address"),
    (["createuser", "x@example.org", "--role", "king"], "argument --role: invalid choice: 'king'"),
    (["token", "create", "nobody@example.org"], "no active user with e-mail nobody@example.org"),
    (["demo", "--port", "0"], "--port 0 is not a TCP port (1-65535)"),
]


@pytest.fixture(scope="module")
def error_results(migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("errors")
    shutil.copy(migrated, data / "dissent.sqlite3")
    env = cli_env(data)
    results = run_all([(args, env) for args, _ in ERRORS])
    return {
        " ".join(args): assert_one_line_error(result)
        for (args, _), result in zip(ERRORS, results, strict=True)
    }


@pytest.mark.parametrize(("args", "says"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_input_is_one_line_and_exit_2(
    error_results: dict[str, str], args: list[str], says: str
) -> None:
    assert says in error_results[" ".join(args)]


# More bad input, through the same entry point in this process, on the test database.
MORE_ERRORS: list[tuple[list[str], str]] = [
    (["createuser", "x@example.org"], "the following arguments are required: --role"),
    (
        ["createuser", "x@example.org", "--role", "staff", "--employment", "intern"],
        "argument --employment: invalid choice: 'intern'",
    ),
    (
        ["createuser", "ALICE@example.org", "--role", "staff"],
        "a user with e-mail alice@example.org already exists",
    ),
    (["token"], "the following arguments are required: create|revoke|list"),
    (["token", "frobnicate"], "invalid choice: 'frobnicate'"),
    (["token", "create"], "the following arguments are required: email"),
    (["token", "create", "not-an-email"], "'not-an-email' is not an e-mail address"),
    (["token", "create", "--days", "soon", "alice@example.org"], "invalid int value: 'soon'"),
    (["token", "create", "--days", "0", "alice@example.org"], "a token lives 1 to 3650 days"),
    (["token", "create", "--name", "", "alice@example.org"], "give the token a name"),
    (["token", "revoke", "garbage"], "token: no such token"),
    (["token", "revoke", "dct_" + "x" * 43], "token: no such token"),
    (["token", "revoke", "00000000-0000-4000-8000-000000000000"], "token: no such token"),
    (["token", "list", "nobody@example.org"], "no active user with e-mail nobody@example.org"),
    (["token", "revoke", "REVOKED"], "this token is already revoked"),
    (["demo", "--port", "65536"], "--port 65536 is not a TCP port (1-65535)"),
    (["demo", "--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
    (["serve", "--workers", "many"], "argument --workers: invalid int value: 'many'"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "says"), MORE_ERRORS, ids=[" ".join(a) for a, _ in MORE_ERRORS])
def test_more_bad_input_is_one_line_and_exit_2(
    alice: User,
    args: list[str],
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISSENT_DEMO", "false")
    monkeypatch.setattr("django.setup", lambda *args, **kwargs: None)
    if "REVOKED" in args:
        token, secret = do_create_token(alice, "old", acting_user=None)
        do_revoke_token(token, acting_user=None)
        args = [secret if arg == "REVOKED" else arg for arg in args]
    tokens_before = ApiToken.objects.count()
    assert main(args) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dissent: ")
    assert says in lines[0]
    assert "Traceback" not in out + err
    assert User.objects.count() == 1
    assert ApiToken.objects.count() == tokens_before


def test_a_closed_pipe_stops_the_output_quietly(site: dict[str, str]) -> None:
    """`dissent messages list --as ... | head -1`: the reader leaves early; no error line."""
    proc = start(["messages", "list", "--as", "alice@example.org"], site)
    assert proc.stdout is not None
    proc.stdout.close()  # before the command writes: its first write meets a closed pipe
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (141, "")


def test_bad_serve_setting_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISSENT_WEB_WORKERS", "many")
    monkeypatch.setattr("django.setup", lambda *args, **kwargs: None)
    assert main(["serve"]) == 2  # refused before any server starts
    out, err = capsys.readouterr()
    assert err == "dissent: serve: argument --workers: invalid int value: 'many'\n"
    assert out == ""


def test_missing_secret_key_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = cli_env(tmp_path, key=False)
    for result in run_all([(["check"], env), (["migrate"], env)]):
        line = assert_one_line_error(result)
        assert line.startswith("dissent: configuration: DISSENT_SECRET_KEY is not set")
    assert not (tmp_path / "dissent.sqlite3").exists()


# --- check ----------------------------------------------------------------------------------


def test_check_on_migrated_and_unmigrated_databases(
    site: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    empty = cli_env(tmp_path_factory.mktemp("empty"))
    good, bad = run_all([(["check"], site), (["check"], empty)])
    assert good.returncode == 0, good.stderr
    assert "database ok (sqlite), migrations applied" in good.stdout
    assert good.stderr == ""
    line = assert_one_line_error(bad)
    assert "migrations not applied: run `dissent migrate`" in line


# --- accounts and tokens --------------------------------------------------------------------

API_CHECK = """
import sys
from django.contrib.auth import authenticate
token, email, password = sys.argv[1:4]
me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
user = authenticate(email=email, password=password)
print(json.dumps({"status": me.status_code, "body": me.json(),
                  "password_ok": user is not None and user.email == email}))
"""


def api_check(env: dict[str, str], token: str, email: str, password: str) -> dict[str, object]:
    code = f"import sys; sys.argv = ['x', {token!r}, {email!r}, {password!r}]\n" + API_CHECK
    return python_in(env, code)


def test_createuser_then_token_create_list_use_revoke(site: dict[str, str]) -> None:
    password = "a long password for pat 42"
    created = dissent(
        "createuser",
        "Pat@Example.org",
        "--role",
        "staff",
        "--name",
        "Pat Example",
        "--password-stdin",
        env=site,
        stdin=password + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created pat@example.org with role staff (id ")

    made = dissent("token", "create", "pat@example.org", "--name", "ci", "--days", "30", env=site)
    assert made.returncode == 0, made.stderr
    token = made.stdout.split()[-1]
    assert re.fullmatch(r"dct_[A-Za-z0-9_-]{43}", token)
    token_id = re.search(r"token ([0-9a-f-]{36}) for pat@example.org", made.stdout).group(1)  # type: ignore[union-attr]

    # The printed token works against the API, and the password from stdin signs in.
    used = api_check(site, token, "pat@example.org", password)
    assert used["status"] == 200
    assert used["body"]["email"] == "pat@example.org"  # type: ignore[index]
    assert used["password_ok"] is True

    listing, revoked = run_all(
        [(["token", "list", "pat@example.org"], site), (["token", "revoke", token], site)]
    )
    assert listing.returncode == 0
    assert token_id in listing.stdout
    assert token[:12] in listing.stdout
    assert token not in listing.stdout  # shown once, at creation
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked token {token_id}"

    after = api_check(site, token, "pat@example.org", password)
    assert after["status"] == 401


# --- demo -----------------------------------------------------------------------------------

DEMO_CHECK = """
import sys
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
import time
password, secret = sys.argv[1:3]
from dissent.accounts.models import User
staff = Client()
r = staff.post("/accounts/login/", {"login": "alice@example.org", "password": password})
officer = Client()
first = officer.post("/accounts/login/", {"login": "rita@example.org", "password": password})
code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
second = officer.post("/accounts/2fa/authenticate/", {"code": code})
print(json.dumps({
    "alice": [r.status_code, r.get("Location"), staff.get("/").status_code],
    "rita": [first.get("Location"), second.get("Location"), officer.get("/").status_code],
    "users": sorted(User.objects.values_list("email", flat=True)),
}))
"""


def parse_demo(stdout: str) -> tuple[str, dict[str, tuple[str, str | None]]]:
    password = re.search(r"^Password for every account: (\S+)$", stdout, re.M).group(1)  # type: ignore[union-attr]
    accounts = {}
    for match in re.finditer(
        r"^\s+(\w+)@example\.org\s+(\w+)(?:\s+TOTP secret ([A-Z2-7]+))?\s*$", stdout, re.M
    ):
        accounts[match.group(1)] = (match.group(2), match.group(3))
    return password, accounts


def test_demo_seeds_personas_prints_logins_and_is_idempotent(
    first_demo: tuple[Path, str], migrated: Path
) -> None:
    data, stdout = first_demo
    env = cli_env(data, key=False)
    assert "http://localhost:8123/" in stdout
    password, accounts = parse_demo(stdout)
    assert list(accounts) == PERSONAS
    assert accounts["alice"][0] == "staff"
    assert accounts["rita"][0] == "review_officer"
    assert accounts["ada"][0] == "admin"
    for name, (_, secret) in accounts.items():
        if name in MFA_PERSONAS:
            assert secret is not None and len(secret) >= 16, name
        else:
            assert secret is None, name
    assert len({secret for _, secret in accounts.values() if secret}) == len(MFA_PERSONAS)
    assert (data / "demo-secret-key").exists()

    second = dissent("demo", "--no-serve", "--port", "8123", env=env)
    assert second.returncode == 0, second.stderr
    new_password, again = parse_demo(second.stdout)
    assert again == accounts  # same accounts, same TOTP secrets
    assert new_password != password  # a fresh password each run

    checked = python_in(
        cli_env(data, key=False, DISSENT_DEMO="true"),
        f"import sys; sys.argv = ['x', {new_password!r}, {accounts['rita'][1]!r}]\n" + DEMO_CHECK,
    )
    assert checked["alice"] == [302, "/", 200]
    assert checked["rita"] == ["/accounts/2fa/authenticate/", "/", 200]
    assert checked["users"] == sorted(f"{name}@example.org" for name in PERSONAS)


@pytest.mark.parametrize(
    ("engine", "env", "threads"),
    [
        ("dissent.backends.sqlite", {}, 1),
        ("django.db.backends.postgresql", {}, 4),
        ("dissent.backends.sqlite", {"DISSENT_WEB_THREADS": "3"}, 3),
    ],
)
def test_serve_threads_follow_the_database_unless_set(
    monkeypatch: pytest.MonkeyPatch,
    settings: object,
    engine: str,
    env: dict[str, str],
    threads: int,
) -> None:
    from dissent.web.management.commands import serve

    monkeypatch.delenv("DISSENT_WEB_THREADS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", engine)  # type: ignore[attr-defined]
    started: list[tuple[str, int, int, bool]] = []
    monkeypatch.setattr(serve, "run_server", lambda *a: started.append(a) or 0)
    assert main(["serve", "--workers", "2", "--no-worker"]) == 0
    assert started == [("127.0.0.1:8000", 2, threads, False)]
