"""Lambda's START / END / REPORT lines, and logs bounded in memory and on disk."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import Any

from tollway.functions.runtime.logs import LogStore, TailBuffer, end_line, report_line, start_line

RID = "3604209a-e9a3-11e6-939a-754dd98c7be3"


def test_start_and_end_lines_match_lambda() -> None:
    assert start_line(RID, "$LATEST") == f"START RequestId: {RID} Version: $LATEST\n".encode()
    assert end_line(RID) == f"END RequestId: {RID}\n".encode()


def test_warm_report_line_matches_lambda() -> None:
    assert (
        report_line(RID, 12.341, 128, 18)
        == (
            f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB"
            "\tMax Memory Used: 18 MB\n"
        ).encode()
    )


def test_cold_report_line_adds_init_duration_and_bills_it() -> None:
    assert (
        report_line(RID, 2.75, 128, 56, init_ms=113.51)
        == (
            f"REPORT RequestId: {RID}\tDuration: 2.75 ms\tBilled Duration: 117 ms\tMemory Size: 128 MB"
            "\tMax Memory Used: 56 MB\tInit Duration: 113.51 ms\n"
        ).encode()
    )


def test_failed_environment_report_line_has_status_and_error_type() -> None:
    line = report_line(RID, 3016.78, 128, 31, status="error", error_type="Runtime.ExitError")
    assert line.endswith(b"\tMax Memory Used: 31 MB\tStatus: error\tError Type: Runtime.ExitError\n")
    assert report_line(RID, 1000.0, 128, 31, status="timeout").endswith(b"\tStatus: timeout\n")


def test_tail_buffer_keeps_the_last_bytes() -> None:
    tail = TailBuffer(limit=8)
    tail.write(b"0123456789")
    tail.write(b"ab")
    assert tail.text() == "456789ab"


def test_memory_log_keeps_the_most_recent_output_of_each_function() -> None:
    logs = LogStore(keep_bytes=10)
    for chunk in (b"aaaa", b"bbbb", b"cccc", b"dddd"):
        logs.write("one", chunk)
    logs.write("two", b"other")
    assert logs.tail("one") == "bbbbccccdddd"[-10:]
    assert logs.tail("two") == "other"
    assert logs.tail("never") == ""


def test_log_file_is_appended_and_rotated_at_its_size_bound(tmp_path: Path) -> None:
    logs = LogStore(str(tmp_path / "logs"), rotate_bytes=10)
    logs.write("fn", b"123456")
    assert (tmp_path / "logs" / "fn.log").read_bytes() == b"123456"
    logs.write("fn", b"789012")  # passes 10 bytes: rotated
    logs.write("fn", b"new")
    logs.close()
    assert (tmp_path / "logs" / "fn.log.1").read_bytes() == b"123456789012"
    assert (tmp_path / "logs" / "fn.log").read_bytes() == b"new"


def test_workers_sharing_a_log_file_rotate_it_once_and_keep_writing(tmp_path: Path) -> None:
    folder = str(tmp_path / "logs")
    first, second = LogStore(folder, rotate_bytes=10), LogStore(folder, rotate_bytes=10)
    first.write("fn", b"aaaaaa")
    second.write("fn", b"bbbbbb")  # the shared file passes 10 bytes: the second rotates it
    first.write("fn", b"cccccc")  # the first's file was rotated under it: it reopens, no rename
    second.write("fn", b"dd")
    first.close()
    second.close()
    assert (tmp_path / "logs" / "fn.log.1").read_bytes() == b"aaaaaabbbbbbcccccc"
    assert (tmp_path / "logs" / "fn.log").read_bytes() == b"dd"


def test_a_log_file_that_cannot_be_written_is_skipped_not_raised(tmp_path: Path) -> None:
    logs = LogStore(str(tmp_path / "logs"), rotate_bytes=10)
    logs.write("fn", b"123")
    (tmp_path / "logs" / "fn.log").unlink()
    (tmp_path / "logs").rmdir()  # rotating must reopen in a folder that is gone
    logs.write("fn", b"4567890123")
    logs.write("fn", b"after")
    assert logs.tail("fn") == "1234567890123after"


def test_a_console_that_fails_stops_echoing_without_failing_the_write(tmp_path: Path) -> None:
    shown: list[bytes] = []

    def echo(data: bytes) -> None:
        shown.append(data)
        raise OSError("console closed")

    logs = LogStore(None, echo=echo)
    logs.write("fn", b"one")
    logs.write("fn", b"two")
    assert shown == [b"one"]
    assert logs.tail("fn") == "onetwo"


async def test_in_an_event_loop_writes_reach_the_file_at_the_end_of_the_turn(tmp_path: Path) -> None:
    logs = LogStore(str(tmp_path / "logs"))
    path = tmp_path / "logs" / "fn.log"
    logs.write("fn", b"START a\n", flush=False)
    logs.write("fn", b"END a\n")
    logs.write("fn", b"START b\nEND b\n")
    assert path.read_bytes() == b""  # not one write per call: one per turn of the loop
    await asyncio.sleep(0)
    assert path.read_bytes() == b"START a\nEND a\nSTART b\nEND b\n"
    logs.write("fn", b"START c\n", flush=False)
    logs.close()  # nothing pending is lost on close
    assert path.read_bytes().endswith(b"END b\nSTART c\n")


def test_a_loop_that_stopped_before_flushing_does_not_strand_later_lines(tmp_path: Path) -> None:
    logs = LogStore(str(tmp_path / "logs"))
    path = tmp_path / "logs" / "fn.log"
    loop = asyncio.new_event_loop()
    loop.call_soon(logs.write, "fn", b"first\n")  # schedules its flush on this loop...
    loop.call_soon(loop.stop)  # ...which stops before running it
    loop.run_forever()
    loop.close()
    assert path.read_bytes() == b""

    async def write_again() -> None:
        logs.write("fn", b"second\n")

    asyncio.run(write_again())  # a new loop schedules its own flush
    assert path.read_bytes() == b"first\nsecond\n"
    logs.write("fn", b"outside\n")
    assert path.read_bytes().endswith(b"second\noutside\n")


def test_rotation_never_frees_the_previous_file_on_the_writers_thread(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Replacing a 10 MB ``.1`` in one rename frees it inside the call (ms on the event
    loop): it is renamed away first and deleted by another thread."""
    freed_here: list[str] = []
    replace, unlink = os.replace, os.unlink

    def watched_replace(src: str, dst: str) -> None:
        if os.path.exists(dst):
            freed_here.append(dst)
        replace(src, dst)

    def watched_unlink(path: str) -> None:
        if threading.current_thread() is threading.main_thread():
            freed_here.append(path)
        unlink(path)

    monkeypatch.setattr(os, "replace", watched_replace)
    monkeypatch.setattr(os, "unlink", watched_unlink)
    folder = tmp_path / "logs"
    logs = LogStore(str(folder), rotate_bytes=10)
    for chunk in (b"first-chunk", b"second-chunk", b"third-chunk", b"new"):
        logs.write("fn", chunk)  # each of the first three passes 10 bytes: rotated
    logs.close()
    assert freed_here == []
    assert (folder / "fn.log.1").read_bytes() == b"third-chunk"
    assert (folder / "fn.log").read_bytes() == b"new"
    deadline = time.monotonic() + 10
    while len(os.listdir(folder)) > 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(os.listdir(folder)) == ["fn.log", "fn.log.1"]
