"""Ctrl-C at any moment of a command, its imports included, prints one line."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# a background shell starts its jobs with SIGINT ignored: give the command the
# default disposition (exec keeps it), without a preexec_fn, which forks by hand
DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_an_interrupt_while_importing_prints_one_line(tmp_path, delay):
    script = Path(sys.executable).parent / "symworld"
    argv = [sys.executable, "-c", DEFAULT_SIGINT, str(script)]
    argv += ["fit", "laws", "--env", "symworld/Switches-v0"]
    argv += ["--steps", "100", "--out", str(tmp_path / "m")]
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)  # JAX alone takes longer than this to import
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (130, "symworld fit: interrupted\n")
    assert not (tmp_path / "m").exists()
