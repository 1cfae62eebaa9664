"""IAM identities (AWS_IAM signers) through the ControlPlane and the ``--identities FILE``
reader, with IAM's rules: user names of 1-64 ``[\\w+=,.@-]`` unique regardless of case ("User
with name X already exists."), access key ids of 16-128 ``[\\w]``, 40-character base64 secrets
shown once, 12-digit account ids, identity policies without a Principal; and the owner-only
store file that keeps the secrets."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tollway.controlplane.errors import BadRequest, Conflict, NotFound
from tollway.controlplane.service import ControlPlane
from tollway.errors import DefinitionError, StoreError
from tollway.formats.identities import load_identities_file
from tollway.model.identity import Identity
from tollway.stores import Store, open_store
from tollway.stores.sqlite_schema import MIGRATIONS, migrate

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "TWAYEXAMPLE000000001"
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/*"
POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}],
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'tollway.db'}")
    yield opened
    opened.close()


@pytest.fixture
def control(store: Store) -> ControlPlane:
    return ControlPlane(store, clock=lambda: 1700000000.0)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created world-readable unless we say otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- create, list, delete --------------------------------------------------------------


def test_generated_credentials_have_aws_shapes_and_the_user_arn_names_the_account(
    control: ControlPlane,
) -> None:
    """AWS: key ids like AKIA + 16 uppercase alphanumerics, secrets 40 base64 characters."""
    alice, bob = (
        control.create_identity("alice", policy=POLICY),
        control.create_identity("bob", policy=POLICY),
    )

    assert re.fullmatch(r"TWAY[A-Z0-9]{16}", alice.access_key_id)
    assert re.fullmatch(r"[A-Za-z0-9/+]{40}", alice.secret_access_key)
    assert alice.access_key_id != bob.access_key_id and alice.secret_access_key != bob.secret_access_key
    assert alice.account_id == "123456789012" and alice.created_epoch == 1700000000.0
    assert alice.user_arn == "arn:aws:iam::123456789012:user/alice"
    assert control.list_identities() == [alice, bob]


def test_given_credentials_account_and_policy_are_stored_as_given(
    control: ControlPlane, store: Store
) -> None:
    created = control.create_identity(
        "ci.bot@example.com", access_key_id=KEY_ID, secret_access_key=SECRET, account_id="210987654321",
        policy=POLICY,
    )  # fmt: skip

    assert store.get_identity("ci.bot@example.com") == created
    assert created == Identity("ci.bot@example.com", KEY_ID, SECRET, "210987654321", POLICY, 1700000000.0)
    assert created.user_arn == "arn:aws:iam::210987654321:user/ci.bot@example.com"


def test_the_secret_is_not_in_repr_or_str() -> None:
    identity = Identity("alice", KEY_ID, SECRET, policy=POLICY)

    assert SECRET not in repr(identity) and SECRET not in str(identity)
    assert KEY_ID in repr(identity)


def test_the_stored_policy_is_a_copy_of_the_callers(control: ControlPlane) -> None:
    policy = json.loads(json.dumps(POLICY))
    control.create_identity("alice", policy=policy)
    policy["Statement"][0]["Effect"] = "Deny"

    assert control.list_identities()[0].policy == POLICY


def test_delete_removes_the_identity_and_an_unknown_name_is_iam_no_such_entity(control: ControlPlane) -> None:
    control.create_identity("alice", policy=POLICY)
    control.delete_identity("alice")

    with pytest.raises(NotFound) as caught:
        control.delete_identity("alice")
    assert str(caught.value) == "The user with name alice cannot be found."
    assert control.list_identities() == []


# -- validation -------------------------------------------------------------------------

BAD_CREDENTIALS = [
    (
        {"name": "a b"},
        "an identity name may contain only letters, digits and + = , . @ _ - (as IAM user names)",
    ),
    ({"name": "n" * 65}, "an identity name must be 1 to 64 characters long, not 65"),
    ({"access_key_id": "TWAY12345678901"}, "an access key id must be 16 to 128 characters long, not 15"),
    (
        {"access_key_id": "TWAY-1234567890123"},
        "access key id 'TWAY-1234567890123' may contain only letters, digits and _ (AWS's [\\w]+)",
    ),
    (
        {"secret_access_key": "short-secret-15"},
        "a secret access key must be 16 to 128 characters long, not 15",
    ),
    (
        {"secret_access_key": "a secret with spaces"},
        "a secret access key must be printable ASCII characters without spaces",
    ),
    ({"account_id": "12345678901"}, "an account id must be 12 digits, not '12345678901'"),
]


@pytest.mark.parametrize(("given", "problem"), BAD_CREDENTIALS)
def test_bad_credentials_are_refused_naming_the_problem_and_never_the_secret(
    control: ControlPlane, given: dict[str, str], problem: str
) -> None:
    arguments: dict[str, Any] = {"name": "alice", **given}
    name = arguments.pop("name")

    with pytest.raises(BadRequest) as caught:
        control.create_identity(name, policy=POLICY, **arguments)

    assert str(caught.value) == f"identity {name[:64]!r}: {problem}"
    assert "secret_access_key" not in given or given["secret_access_key"] not in str(caught.value)
    assert control.list_identities() == []


BAD_POLICIES = [
    (["not", "an", "object"], "the policy must be a JSON object"),
    ({"Version": "2012-10-17"}, "the policy has no Statement"),
    ({"Statement": "Allow everything"}, "the policy's Statement must be an object or a list of objects"),
    ({"Statement": []}, "the policy's Statement is empty (it would allow nothing)"),
    (
        {"Statement": {"Effect": "Allow", "Resource": ARN}},
        "Statement[0]: has neither Action nor NotAction",
    ),
    (
        {
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ARN}
            ]
        },
        "Statement[0]: an identity policy should not specify a principal",
    ),
    (
        {
            "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*"}
            ]
        },
        "Statement[0]: Resource 'execute-api:/prod/*' is the resource-policy short form; an identity policy "
        "needs full ARNs (arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH)",
    ),
    (
        {"Version": "2020-01-01", "Statement": POLICY["Statement"]},
        "policy Version must be one of 2012-10-17, 2008-10-17, got '2020-01-01'",
    ),
]


@pytest.mark.parametrize(("policy", "problem"), BAD_POLICIES)
def test_bad_policies_are_refused_naming_the_problem(
    control: ControlPlane, policy: object, problem: str
) -> None:
    """IAM refuses a Principal in an identity-based policy; the rest is compile_policy's check."""
    with pytest.raises(BadRequest) as caught:
        control.create_identity("alice", policy=policy)

    assert str(caught.value) == f"identity 'alice': policy: {problem}"
    assert control.list_identities() == []


# -- uniqueness -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "ALICE"])
def test_names_are_unique_regardless_of_case_as_iam_user_names(control: ControlPlane, name: str) -> None:
    """IAM: names "are not distinguished by case"; EntityAlreadyExists: "User with name X already exists."."""
    first = control.create_identity("alice", policy=POLICY)

    with pytest.raises(Conflict) as caught:
        control.create_identity(name, policy=POLICY)

    assert str(caught.value) == f"User with name {name} already exists."
    assert control.list_identities() == [first]


def test_an_access_key_id_another_identity_has_is_a_conflict(control: ControlPlane) -> None:
    first = control.create_identity("alice", access_key_id=KEY_ID, policy=POLICY)

    with pytest.raises(Conflict) as caught:
        control.create_identity("bob", access_key_id=KEY_ID, policy=POLICY)

    assert str(caught.value) == f"access key id {KEY_ID} is already used by identity 'alice'"
    assert control.list_identities() == [first]


def test_the_store_refuses_a_taken_access_key_id_without_naming_the_secret(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_identity(Identity("alice", KEY_ID, SECRET, policy=POLICY))

    with pytest.raises(StoreError) as caught, store.transaction() as tx:
        tx.put_identity(Identity("bob", KEY_ID, "another-secret-0123456789", policy=POLICY))

    assert "identities.access_key_id" in str(caught.value) and "another-secret" not in str(caught.value)
    assert [i.name for i in store.list_identities()] == ["alice"]


# -- generation -------------------------------------------------------------------------


def test_every_change_bumps_the_generation_once_and_no_change_does_not(
    control: ControlPlane, store: Store
) -> None:
    """Running servers reload identities when the generation moves."""
    start = store.generation()
    alice = control.create_identity("alice", policy=POLICY)
    after_create = store.generation()
    with store.transaction() as tx:
        tx.put_identity(alice)  # the same identity again: nothing changed
    after_same = store.generation()
    with pytest.raises(Conflict):
        control.create_identity("alice", policy=POLICY)
    after_refused = store.generation()
    control.delete_identity("alice")

    assert (after_create, after_same, after_refused, store.generation()) == (
        start + 1, start + 1, start + 1, start + 2,
    )  # fmt: skip


def test_put_identity_replaces_the_same_named_one_with_a_rotated_key(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_identity(Identity("alice", KEY_ID, SECRET, policy=POLICY))
    rotated = Identity("alice", "TWAYEXAMPLE000000002", "rotated-secret-0123456789", policy=POLICY)

    with store.transaction() as tx:
        tx.put_identity(rotated)

    assert store.list_identities() == [rotated]
    assert store.get_identity("alice") == rotated


def test_a_store_of_schema_3_gains_the_identities_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:3])

    store = open_store(f"sqlite:///{path}")
    try:
        with store.transaction() as tx:
            tx.put_identity(Identity("alice", KEY_ID, SECRET, policy=POLICY))
        assert store.get_identity("alice") == Identity("alice", KEY_ID, SECRET, policy=POLICY)
    finally:
        store.close()


# -- store file permissions --------------------------------------------------------------


@pytest.mark.usefixtures("umask_022")
def test_a_new_store_file_and_the_directory_tollway_makes_are_owner_only(tmp_path: Path) -> None:
    """The store holds secrets (SigV4 verifies with the secret itself)."""
    path = tmp_path / "home" / ".tollway" / "tollway.db"
    store = open_store(f"sqlite:///{path}")
    try:
        with store.transaction() as tx:
            tx.put_identity(Identity("alice", KEY_ID, SECRET, policy=POLICY))
        side_files = [Path(f"{path}-wal"), Path(f"{path}-shm")]

        assert mode(path) == 0o600
        assert [mode(p) for p in side_files] == [0o600, 0o600]  # WAL mode: both exist while open
        assert mode(path.parent) == 0o700
        assert mode(tmp_path / "home") == 0o755  # a parent is only created, not ours to lock
    finally:
        store.close()


@pytest.mark.usefixtures("umask_022")
def test_an_existing_readable_store_is_narrowed_to_owner_only_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    open_store(f"sqlite:///{path}").close()
    path.chmod(0o644)
    tmp_path.chmod(0o755)

    open_store(f"sqlite:///{path}").close()

    assert mode(path) == 0o600
    assert mode(tmp_path) == 0o755  # an existing directory is left as it is


# -- the --identities FILE reader --------------------------------------------------------

YAML_FILE = f"""
- name: alice
  accessKeyId: {KEY_ID}
  secretAccessKey: {SECRET}
  policy:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Action: execute-api:Invoke
        Resource: "{ARN}"
- name: bob
  accessKeyId: TWAYEXAMPLE000000002
  secretAccessKey: bob-secret-0123456789
  accountId: "210987654321"
  policy: '{json.dumps(POLICY)}'
"""


def write(tmp_path: Path, text: str, name: str = "identities.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_gives_every_identity_with_the_default_account(tmp_path: Path) -> None:
    path = write(tmp_path, YAML_FILE)

    alice, bob = load_identities_file(path, now=5.0)

    assert alice == Identity("alice", KEY_ID, SECRET, "123456789012", POLICY, 5.0)
    assert bob == Identity(
        "bob", "TWAYEXAMPLE000000002", "bob-secret-0123456789", "210987654321", POLICY, 5.0
    )


def test_a_json_file_works_too(tmp_path: Path) -> None:
    entry = {"name": "alice", "accessKeyId": KEY_ID, "secretAccessKey": SECRET, "policy": POLICY}
    path = write(tmp_path, json.dumps([entry]), "identities.json")

    assert load_identities_file(path) == [Identity("alice", KEY_ID, SECRET, policy=POLICY)]


CREDS = f"accessKeyId: {KEY_ID}, secretAccessKey: {SECRET}"
FILE_ERRORS = [
    ("name: alice\n", "", "expected a list of identities ({name, accessKeyId, ...})"),
    (f"- {{name: alice, accessKeyId: {KEY_ID}, policy: {{}}}}\n", "/0", "missing secretAccessKey"),
    (
        f"- {{name: alice, accesKeyId: {KEY_ID}}}\n",
        "/0/accesKeyId",
        "unknown field (expected name, accessKeyId, secretAccessKey, accountId, policy)",
    ),
    (
        f"- {{name: a, {CREDS}, accountId: 123456789012, policy: {{}}}}\n",
        "/0/accountId",
        "must be a string (quote it in YAML)",
    ),
    (
        f"- {{name: a, accessKeyId: {KEY_ID}, secretAccessKey: tiny-secret, policy: {{}}}}\n",
        "/0/secretAccessKey",
        "a secret access key must be 16 to 128 characters long, not 11",
    ),
    (
        f"- {{name: a, {CREDS}, policy: {{Statement: {{Effect: Allow}}}}}}\n",
        "/0/policy",
        "Statement[0]: has neither Action nor NotAction",
    ),
    (
        f"- {{name: a, {CREDS}, policy: '{{\"Statement\": ['}}\n",
        "/0/policy",
        "the policy is not valid JSON: Expecting value",
    ),
    (YAML_FILE + "- name: ALICE\n" + YAML_FILE.split("- name: bob")[0].split("- name: alice")[1], "/2/name",
     "identity 'ALICE' is already defined at /0"),
    ("- name: alice\n  policy: [unclosed\n", "line 3",
     "invalid YAML: expected ',' or ']', but got '<stream end>'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "where", "problem"), FILE_ERRORS)
def test_file_errors_name_the_file_and_the_place(tmp_path: Path, text: str, where: str, problem: str) -> None:
    path = write(tmp_path, text)

    with pytest.raises(DefinitionError) as caught:
        load_identities_file(path)

    assert (caught.value.source, caught.value.location, caught.value.problem) == (str(path), where, problem)
    assert SECRET not in str(caught.value) and "tiny-secret" not in str(caught.value)


def test_a_file_reusing_an_access_key_id_names_the_first_place(tmp_path: Path) -> None:
    second = YAML_FILE.replace("TWAYEXAMPLE000000002", KEY_ID)
    path = write(tmp_path, second)

    with pytest.raises(DefinitionError) as caught:
        load_identities_file(path)

    assert str(caught.value) == f"{path}: /1/accessKeyId: access key id '{KEY_ID}' is already used at /0"
