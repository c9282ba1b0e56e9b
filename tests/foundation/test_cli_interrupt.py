"""Ctrl-C at any moment of a command, its imports included, prints one line."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background shell ignores it


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_an_interrupt_while_importing_prints_one_line(tmp_path, delay):
    script = Path(sys.executable).parent / "symworld"
    argv = [str(script), "fit", "laws", "--env", "symworld/Switches-v0"]
    argv += ["--steps", "100", "--out", str(tmp_path / "m")]
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    time.sleep(delay)  # JAX alone takes longer than this to import
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (130, "symworld fit: interrupted\n")
    assert not (tmp_path / "m").exists()
