"""Helpers of the function runtime tests: a minimal Debug Adapter Protocol client, a wheel
builder for offline pip installs, and a bounded wait for a condition."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


class DapClient:
    """Talks DAP (as VS Code does) to a debugpy adapter listening on 127.0.0.1:port."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.sock = connect_when_listening(port, timeout)
        self.reader: BinaryIO = self.sock.makefile("rb")
        self.seq = 0
        self.events: list[dict[str, Any]] = []

    def request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self.seq += 1
        message = {"seq": self.seq, "type": "request", "command": command, "arguments": arguments or {}}
        body = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def read(self) -> dict[str, Any]:
        length = 0
        while True:
            line = self.reader.readline()
            if not line:
                raise ConnectionError("the debug adapter closed the connection")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(self.reader.read(length))
        return message

    def response(self, seq: int) -> dict[str, Any]:
        """Read until the response to request ``seq`` (events are kept in ``events``)."""
        while True:
            message = self.read()
            if message.get("type") == "response" and message.get("request_seq") == seq:
                return message
            self.events.append(message)
            if message.get("event") == "initialized":
                self.configuration_done = self.request("configurationDone")

    def attach(self) -> dict[str, Any]:
        """``initialize``, ``attach``, then ``configurationDone`` once the adapter says
        ``initialized``: what an IDE sends to attach to a debugpy that listens."""
        self.response(self.request("initialize", {"adapterID": "debugpy", "clientID": "tollway-tests"}))
        return self.response(self.request("attach", {"justMyCode": False}))

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def connect_when_listening(port: int, timeout: float) -> socket.socket:
    """Connect to 127.0.0.1:port, retrying while nothing listens yet (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def make_wheel(folder: Path, name: str, version: str, modules: dict[str, str]) -> Path:
    """A pure-Python wheel (``py3-none-any``) holding ``modules``, so pip installs offline."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        **modules,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = [f"{path},sha256={_digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
