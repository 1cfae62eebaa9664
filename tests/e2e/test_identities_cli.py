"""The real ``tollway identities create|list|delete`` commands as subprocesses, against one
store file: the secret access key is printed once (as IAM's CreateAccessKey returns it once),
never listed, never in an error; the store file is owner-only."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import run_cli

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "TWAYEXAMPLE000000001"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/*",
        }
    ],
}
NOTICE = (
    "tollway: this is the only time the secret access key is shown; keep it now "
    "(`identities list` never shows it)\n"
)


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/identities.db"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask (the CLI subprocess inherits it): files are world-readable by default."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def cli(store: str, *args: str, code: int = 0) -> tuple[str, str]:
    done = run_cli("--store", store, *args)
    assert done.returncode == code, done.stderr
    return done.stdout, done.stderr


def test_create_prints_the_secret_once_and_list_never_shows_it(store: str) -> None:
    out, err = cli(store, "identities", "create", "alice", "--policy", json.dumps(POLICY))
    name, key_id, secret = out.strip().split("\t")

    assert name == "alice" and re.fullmatch(r"TWAY[A-Z0-9]{16}", key_id)
    assert re.fullmatch(r"[A-Za-z0-9/+]{40}", secret)
    assert err == NOTICE
    listed, _ = cli(store, "identities", "list")
    assert listed == f"alice\t{key_id}\t123456789012\tarn:aws:iam::123456789012:user/alice\n"
    assert secret not in listed
    assert cli(store, "identities", "delete", "alice") == ("deleted identity alice\n", "")
    assert cli(store, "identities", "list") == ("", "")


def test_given_credentials_account_and_a_policy_file(store: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY), encoding="utf-8")

    out, _ = cli(
        store, "identities", "create", "ci-bot", "--access-key-id", KEY_ID, "--secret-access-key", SECRET,
        "--account-id", "210987654321", "--policy", str(policy),
    )  # fmt: skip

    assert out == f"ci-bot\t{KEY_ID}\t{SECRET}\n"
    listed, _ = cli(store, "identities", "list")
    assert listed == f"ci-bot\t{KEY_ID}\t210987654321\tarn:aws:iam::210987654321:user/ci-bot\n"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"Statement": [}', "--policy: invalid JSON: Expecting value (line 1, column 16)"),
        (
            '{"Statement": {"Effect": "Allow", "Resource": "*"}}',
            "identity 'alice': policy: Statement[0]: has neither Action nor NotAction",
        ),
        (
            "no-such-policy.json",
            "--policy: no such file 'no-such-policy.json' (and not inline JSON, which starts with {)",
        ),
    ],
)
def test_a_bad_policy_exits_1_naming_the_problem_and_stores_nothing(
    store: str, policy: str, message: str
) -> None:
    _, err = cli(store, "identities", "create", "alice", "--policy", policy, code=1)

    assert err == f"tollway: {message}\n"
    assert cli(store, "identities", "list") == ("", "")


def test_duplicates_and_bad_secrets_exit_1_and_never_show_the_secret(store: str) -> None:
    """IAM: "User with name X already exists." (names are not distinguished by case)."""
    cli(store, "identities", "create", "alice", "--secret-access-key", SECRET, "--policy", json.dumps(POLICY))

    _, duplicate = cli(
        store, "-v", "identities", "create", "Alice", "--secret-access-key", SECRET, "--policy",
        json.dumps(POLICY), code=1,
    )  # fmt: skip
    _, short = cli(
        store, "-v", "identities", "create", "bob", "--secret-access-key", "short secret", "--policy",
        json.dumps(POLICY), code=1,
    )  # fmt: skip
    _, missing = cli(store, "identities", "delete", "carol", code=1)

    assert duplicate == "tollway: User with name Alice already exists.\n"
    assert short == "tollway: identity 'bob': a secret access key must be 16 to 128 characters long, not 12\n"
    assert missing == "tollway: The user with name carol cannot be found.\n"
    assert SECRET not in duplicate and "short secret" not in short


@pytest.mark.usefixtures("umask_022")
def test_a_new_default_store_is_owner_only(tmp_path: Path) -> None:
    """The store keeps secret access keys (SigV4 verifies with the secret itself)."""
    done = run_cli("identities", "create", "alice", "--policy", json.dumps(POLICY), cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    assert stat.S_IMODE((tmp_path / ".tollway").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / ".tollway" / "tollway.db").stat().st_mode) == 0o600


@pytest.mark.usefixtures("umask_022")
def test_an_explicit_store_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "stores" / "dev.db"

    cli(f"sqlite:///{path}", "identities", "create", "alice", "--policy", json.dumps(POLICY))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
