"""Python started in the checkout's root imports the source ``symworld/`` first;
``symworld.envs`` and ``symworld.laws`` (the root's ``envs/`` and ``laws/``, mapped by
setuptools at install time) must import from there too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_source_checkout_imports_envs_and_laws_from_the_root():
    code = (
        "import symworld, symworld.envs.crafter_oo, symworld.laws.switches\n"
        "print(symworld.__file__); print(symworld.envs.__file__)\n"
        "print(symworld.laws.switches.__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    package, envs, switches = done.stdout.split()
    assert Path(package) == ROOT / "symworld" / "__init__.py"
    assert Path(envs) == ROOT / "envs" / "__init__.py"
    assert Path(switches) == ROOT / "laws" / "switches.py"
