"""``tollway identities create|list|delete``: the IAM identities that sign requests to
``AWS_IAM`` methods, in the store the server uses (a running server reloads when the store's
generation moves).

The secret access key is printed once, by ``create`` (as IAM's CreateAccessKey returns it
only once); ``list`` never shows it, nor does any error message.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tollway.controlplane.errors import BadRequest
from tollway.controlplane.service import ControlPlane
from tollway.model.account import ACCOUNT_ID
from tollway.model.identity import Identity
from tollway.stores import open_store

SECRET_NOTICE = (
    "tollway: this is the only time the secret access key is shown; keep it now "
    "(`identities list` never shows it)"
)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    identities = sub.add_parser(
        "identities", help="create, list and delete IAM identities (who may call AWS_IAM methods)"
    )
    actions = identities.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create an identity (its secret is printed once)")
    create.add_argument("name", metavar="NAME", help="an IAM user name: 1-64 of letters, digits, +=,.@_-")
    create.add_argument(
        "--access-key-id", metavar="ID", help="16-128 letters, digits or _ (default: TWAY + 16 random ones)"
    )
    create.add_argument(
        "--secret-access-key", metavar="SECRET", help="16-128 characters (default: 40 random base64 ones)"
    )
    create.add_argument("--account-id", metavar="ID", help=f"12 digits (default {ACCOUNT_ID})")
    create.add_argument(
        "--policy",
        required=True,
        metavar="FILE|JSON",
        help="the identity policy: a JSON file, inline JSON, or - for standard input",
    )
    actions.add_parser("list", help="list identities: name, access key id, account, user ARN (no secrets)")
    actions.add_parser("delete", help="delete an identity").add_argument("name", metavar="NAME")


def main(args: argparse.Namespace, store_url: str) -> int:
    """Run one ``identities`` command against the store at ``store_url``."""
    store = open_store(store_url)
    try:
        return run(args, ControlPlane(store))
    finally:
        store.close()


def run(args: argparse.Namespace, control: ControlPlane) -> int:
    if args.action == "create":
        identity = control.create_identity(
            args.name,
            access_key_id=args.access_key_id,
            secret_access_key=args.secret_access_key,
            account_id=args.account_id,
            policy=read_policy(args.policy),
        )
        print(f"{identity.name}\t{identity.access_key_id}\t{identity.secret_access_key}", flush=True)
        print(SECRET_NOTICE, file=sys.stderr)
    elif args.action == "list":
        for identity in control.list_identities():
            print(identity_line(identity))
    else:
        control.delete_identity(args.name)
        print(f"deleted identity {args.name}")
    return 0


def identity_line(identity: Identity) -> str:
    """Name, access key id, account and user ARN: never the secret."""
    return f"{identity.name}\t{identity.access_key_id}\t{identity.account_id}\t{identity.user_arn}"


def read_policy(text: str) -> object:
    """``--policy``: inline JSON when it starts with ``{`` or ``[``, ``-`` for standard
    input, otherwise the path of a JSON file."""
    if text.lstrip().startswith(("{", "[")):
        return _parse(text, "--policy")
    if text == "-":
        return _parse(sys.stdin.read(), "--policy -")
    try:
        content = Path(text).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadRequest(
            f"--policy: no such file {text!r} (and not inline JSON, which starts with {{)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"--policy {text}: cannot read the file: {exc}") from None
    return _parse(content, f"--policy {text}")


def _parse(text: str, where: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{where}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
