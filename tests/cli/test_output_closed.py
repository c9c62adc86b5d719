"""A reader that goes away (``merchantry … | head``) stops the command quietly.

Before, a plain write to the closed output ended in "error: cannot use: Broken pipe" (exit 2,
as if the user's input were at fault) and a Rich table in exit 1; now both end as a shell's own
commands do, 141 (128 + SIGPIPE), with nothing on stderr. Run as real processes: the broken
pipe is the operating system's, not a test runner's stand-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from merchantry.kit.errors import ExitCode

MERCHANTRY = Path(sys.executable).with_name("merchantry")


def _to_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``merchantry args`` with its stdout a pipe whose reader has already gone."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [str(MERCHANTRY), *args], stdout=writer, stderr=subprocess.PIPE, timeout=120
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize(
    "args",
    [("rulebook", "list", "--names"), ("rulebook", "list"), ("rulebook", "explain", "douyin-2026")],
    ids=["plain lines", "a Rich table", "a long explanation"],
)
def test_a_closed_output_ends_the_command_quietly_with_141(args: tuple[str, ...]) -> None:
    done = _to_closed_pipe(*args)
    assert done.returncode == ExitCode.OUTPUT_CLOSED == 141
    assert done.stderr == b""


def test_an_open_output_is_written_whole_and_exits_0() -> None:
    done = subprocess.run(
        [str(MERCHANTRY), "rulebook", "list", "--names"], capture_output=True, timeout=120
    )
    assert done.returncode == 0
    assert b"douyin-2026\n" in done.stdout
