"""examples/alrnn_reconstruction.py refuses to resume in a folder whose stored data
was made with another --data-seed, --steps or system, naming the field and both
values (it used to reuse the other seed's data silently)."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

import numpy as np
import pytest

SCRIPT = (
    pathlib.Path(__file__).resolve().parents[2] / "examples/alrnn_reconstruction.py"
)


@pytest.fixture
def example(monkeypatch):
    spec = importlib.util.spec_from_file_location("alrnn_reconstruction", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def _stored(folder: pathlib.Path, steps: int, data_seed: int) -> None:
    series = np.zeros((steps, 3), np.float32)
    np.savez(folder / "data.npz", train=series, validation=series, test=series)
    info = {"source": "symworld.envs.chaos Rossler", "data_seed": data_seed}
    (folder / "data.json").write_text(json.dumps(info))


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            ["--data-seed", "1", "--steps", "50"],
            "data_seed 0 but this command asks for 1 (--data-seed)",
        ),
        (["--steps", "60"], "steps 50 but this command asks for 60 (--steps)"),
        (
            ["--steps", "50"],
            "source 'symworld.envs.chaos Rossler' but this command asks for "
            "'symworld.envs.chaos Lorenz' (the system)",
        ),
    ],
)
def test_alrnn_example_refuses_stored_data_of_other_settings(
    example, tmp_path, monkeypatch, arguments, words
):
    _stored(tmp_path, steps=50, data_seed=0)
    system = "lorenz" if "source" in words else "rossler"
    monkeypatch.setattr(
        sys,
        "argv",
        ["alrnn_reconstruction.py", system, "--out", str(tmp_path)] + arguments,
    )
    with pytest.raises(SystemExit) as caught:
        example.main()
    assert words in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_alrnn_example_accepts_its_own_stored_data(example):
    info = {"source": "symworld.envs.chaos Rossler", "data_seed": 3}
    assert example.stored_data_mismatch(info, 50, "rossler", 50, 3) is None
