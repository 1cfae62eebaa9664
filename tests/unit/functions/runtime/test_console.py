"""Function output on the server's console: everything arrives, in order, and a console that
nobody reads never blocks the writer (output past the limit is dropped and counted)."""

from __future__ import annotations

import os
import time

from tollway.functions.runtime.console import Console


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_output_reaches_the_console_in_order() -> None:
    read_fd, write_fd = os.pipe()
    console = Console(write_fd)
    for n in range(100):
        console.write(f"line {n}\n".encode())
    console.close()
    os.close(write_fd)
    assert read_all(read_fd) == b"".join(f"line {n}\n".encode() for n in range(100))
    os.close(read_fd)


def test_a_console_nobody_reads_never_blocks_the_writer() -> None:
    """A pipe holds 64 KB; 8 MB written to it return at once and are bounded by the limit."""
    read_fd, write_fd = os.pipe()
    console = Console(write_fd, limit=256 * 1024)
    began = time.monotonic()
    for _ in range(2048):
        console.write(b"x" * 4095 + b"\n")
    assert time.monotonic() - began < 5  # generous: blocking would never return at all
    console.close()  # gives up after its timeout: the thread is stuck on the full pipe
    os.set_blocking(read_fd, False)
    seen = b""
    deadline = time.monotonic() + 10
    while b"bytes of function output not shown" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(read_fd, 1 << 20)
        except BlockingIOError:
            time.sleep(0.01)
    assert b"bytes of function output not shown]\n" in seen
    assert len(seen) < 1024 * 1024
    os.close(read_fd)
    os.close(write_fd)
