"""A saved law model's model.json and law libraries: every bad field and every bad
library is rejected with an error naming the file and the field (or the library)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from symworld.laws import switches as switch_laws
from symworld.programs import LawModel
from symworld.programs.model_validation import ModelFileError
from symworld.programs.source import (
    LawLibraryError,
    library_reference,
    load_library,
    load_model,
    save_model,
)

SIMPLEX_LAW = '''
from symworld.programs import Law, Simplex, categorical


class CoinDraw(Law):
    """The coin is drawn from a learnable two-way split."""

    name = "coin_draw"
    writes = ("coin",)
    parameters = (Simplex("split", 2),)

    def precondition(self, state, action):
        return True

    def effect(self, state, action):
        split = self.param("split")
        return {"coin": categorical([0, 1], [split[0], split[1]])}


LAWS = [CoinDraw()]
'''


def write(folder: Path, payload) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(payload))
    return folder


def edited(base: dict, edit) -> dict:
    payload = json.loads(json.dumps(base))
    edit(payload)
    return payload


def test_laws_model_file_round_trip_is_unchanged(tmp_path, unfitted_switches_json):
    model = load_model(write(tmp_path / "m", unfitted_switches_json))
    assert model.weight_table() == {law.name: 1.0 for law in switch_laws.library()}
    assert model.parameter_table() == unfitted_switches_json["parameters"]
    assert model.epsilon == unfitted_switches_json["epsilon"]


CASES = [
    ("no_laws", lambda m: m.pop("laws"), "laws: is missing"),
    ("no_env", lambda m: m.pop("env_id"), "env_id: is missing"),
    ("no_epsilon", lambda m: m.pop("epsilon"), "epsilon: is missing"),
    ("no_persistence", lambda m: m.pop("persistence"), "persistence: is missing"),
    (
        "laws_dict",
        lambda m: m.update(laws={"a": 1}),
        "laws: must be a JSON list, got {'a': 1}",
    ),
    ("laws_empty", lambda m: m.update(laws=[]), "laws: is empty"),
    (
        "law_not_object",
        lambda m: m["laws"].__setitem__(1, 3),
        "laws[1]: must be an object with name and weight, got 3",
    ),
    (
        "law_duplicate",
        lambda m: m["laws"].append(dict(m["laws"][0])),
        "laws[11].name: 'toggle_flips' is already laws[0]",
    ),
    (
        "law_unknown",
        lambda m: m["laws"][0].update(name="no_such_law"),
        "laws[0].name: the law library defines no law 'no_such_law'",
    ),
    (
        "weight_negative",
        lambda m: m["laws"][2].update(weight=-5),
        "laws[2].weight (law coin_is_random): -5 is not a non-negative finite number",
    ),
    (
        "weight_nan",
        lambda m: m["laws"][2].update(weight=math.nan),
        "laws[2].weight (law coin_is_random): nan is not a non-negative finite",
    ),
    (
        "weight_inf",
        lambda m: m["laws"][2].update(weight=math.inf),
        "laws[2].weight (law coin_is_random): inf is not a non-negative finite",
    ),
    (
        "weight_over_float32",
        lambda m: m["laws"][2].update(weight=1e308),
        "laws[2].weight (law coin_is_random): 1e+308 is not a non-negative finite "
        "number (float32: at most 3.4e38)",
    ),
    (
        "weight_bool",
        lambda m: m["laws"][0].update(weight=True),
        "laws[0].weight (law toggle_flips): True is not",
    ),
    (
        "weight_missing",
        lambda m: m["laws"][0].pop("weight"),
        "laws[0].weight: is missing (law toggle_flips)",
    ),
    (
        "probability_1_5",
        lambda m: m["parameters"].update({"coin_is_random/heads": 1.5}),
        "parameters.coin_is_random/heads: 1.5 is not a probability in [0, 1]",
    ),
    (
        "probability_missing",
        lambda m: m.update(parameters={}),
        "parameters.coin_is_random/heads: is missing",
    ),
    (
        "parameter_unknown",
        lambda m: m["parameters"].update(bogus=0.5),
        "parameters.bogus: is not a learnable parameter of the model's laws (they are "
        "['coin_is_random/heads'])",
    ),
    (
        "epsilon_2",
        lambda m: m.update(epsilon=2.0),
        "epsilon: 2.0 is not a number strictly between 0 and 1",
    ),
    (
        "epsilon_0",
        lambda m: m.update(epsilon=0),
        "epsilon: 0 is not a number strictly between 0 and 1",
    ),
    (
        "epsilon_nan",
        lambda m: m.update(epsilon=math.nan),
        "epsilon: nan is not a number strictly between 0 and 1",
    ),
    (
        "persistence_2",
        lambda m: m["persistence"].update(coin=2.0),
        "persistence.coin: 2.0 is not a number strictly between 0 and 1",
    ),
    (
        "persistence_1",
        lambda m: m["persistence"].update(coin=1),
        "persistence.coin: 1 is not a number strictly between 0 and 1",
    ),
    (
        "persistence_missing",
        lambda m: m["persistence"].pop("coin"),
        "persistence.coin: is missing",
    ),
    (
        "persistence_unknown",
        lambda m: m["persistence"].update(lamp=0.5),
        "persistence.lamp: is not an attribute of symworld/Switches-v0 (they are "
        "['toggle', 'coin', 'fixed', 'time'])",
    ),
    (
        "library_empty",
        lambda m: m.update(library={}),
        "library: must hold either 'module'",
    ),
    (
        "library_both",
        lambda m: m.update(library={"module": "switches", "path": "x.py"}),
        "library: must hold either 'module'",
    ),
    (
        "env_unknown",
        lambda m: m.update(env_id="symworld/Nope-v0"),
        "env_id: no law support for environment 'symworld/Nope-v0'",
    ),
    (
        "library_of_other_env",
        lambda m: m.update(env_id="symworld/CrafterOO-v0"),
        "library: law 'toggle_flips', attribute 'toggle': writes an unknown attribute",
    ),
]


@pytest.mark.parametrize("case, edit, message", CASES, ids=[c[0] for c in CASES])
def test_laws_model_file_rejects_bad_field(
    tmp_path, unfitted_switches_json, case, edit, message
):
    folder = write(tmp_path / case, edited(unfitted_switches_json, edit))
    with pytest.raises(ModelFileError) as caught:
        load_model(folder)
    assert str(caught.value).startswith(f"{folder / 'model.json'}: {message}")


def test_laws_model_file_top_level_must_be_an_object(tmp_path, unfitted_switches_json):
    folder = write(tmp_path / "top_list", [unfitted_switches_json])
    with pytest.raises(ModelFileError, match="must hold a JSON object, got a list"):
        load_model(folder)


def test_laws_model_file_module_outside_builtins_needs_trust(
    tmp_path, unfitted_switches_json
):
    payload = edited(
        unfitted_switches_json, lambda m: m.update(library={"module": "this"})
    )
    folder = write(tmp_path / "this", payload)
    imported_before = "this" in sys.modules
    with pytest.raises(PermissionError) as caught:
        load_model(folder)
    assert str(caught.value) == (
        f"{folder / 'model.json'}: library: module 'this' is not a built-in law "
        "library (built-in: crafter_oo, switches); a law library is Python code, so "
        "pass --trust-law-file this (in Python, trusted=['this']) to import it"
    )
    assert ("this" in sys.modules) == imported_before  # nothing was imported


def test_laws_model_file_short_builtin_module_name_loads(
    tmp_path, unfitted_switches_json
):
    payload = edited(
        unfitted_switches_json, lambda m: m.update(library={"module": "switches"})
    )
    model = load_model(write(tmp_path / "short", payload))
    assert [law.name for law in model.laws] == [
        law.name for law in switch_laws.library()
    ]


def simplex_model(tmp_path: Path, switches_schema) -> tuple[Path, Path, dict]:
    law_file = tmp_path / "simplex_laws.py"
    law_file.write_text(SIMPLEX_LAW)
    reference = library_reference(str(law_file))
    laws = load_library(reference, [str(law_file)])
    folder = tmp_path / "simplex"
    save_model(LawModel.build(laws, switches_schema), folder, reference)
    return folder, law_file, json.loads((folder / "model.json").read_text())


def test_laws_model_file_checks_simplex_entries(tmp_path, switches_schema):
    folder, law_file, payload = simplex_model(tmp_path, switches_schema)
    assert payload["parameters"] == {"coin_draw/split": [0.5, 0.5]}
    model = load_model(folder, trusted=[str(law_file)])
    np.testing.assert_allclose(model.parameter_table()["coin_draw/split"], [0.5, 0.5])
    path = folder / "model.json"
    for value, message in [
        ([0.7, 0.7], "parameters.coin_draw/split: the probabilities sum to 1.4, not 1"),
        ([1.5, -0.5], "parameters.coin_draw/split[0]: 1.5 is not a probability"),
        ([1.0], "parameters.coin_draw/split: must be a list of 2 probabilities"),
        (0.5, "parameters.coin_draw/split: must be a list of 2 probabilities"),
    ]:
        payload["parameters"]["coin_draw/split"] = value
        path.write_text(json.dumps(payload))
        with pytest.raises(ModelFileError) as caught:
            load_model(folder, trusted=[str(law_file)])
        assert str(caught.value).startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    "source, message",
    [
        ("class Broken(Law)\n    name = 'x'\n", "syntax error at line 1: expected ':'"),
        (
            "raise RuntimeError('boom at import')\n",
            "raised RuntimeError while being imported: boom at import",
        ),
        (
            "LAWS = [1, 'a']\n",
            "LAWS[0] is 1 (int), not a symworld.programs.Law instance",
        ),
        ("LAWS = []\n", "LAWS is empty (no laws to fit)"),
        ("LAWS = 3\n", "LAWS must be a list of Law instances, got a int"),
        ("X = 1\n", "defines neither library() nor LAWS"),
        ("def library():\n    raise KeyError('k')\n", "library() raised KeyError: 'k'"),
    ],
    ids=["syntax", "raises", "not_law", "empty", "not_list", "no_laws", "library"],
)
def test_laws_library_errors_name_the_file(tmp_path, source, message):
    law_file = tmp_path / "bad_laws.py"
    law_file.write_text(source)
    with pytest.raises(LawLibraryError) as caught:
        load_library(library_reference(str(law_file)), [str(law_file)])
    assert str(caught.value).startswith(f"law file {law_file.resolve()}")
    assert message in str(caught.value)


def test_laws_library_unknown_builtin_and_untrusted_module():
    with pytest.raises(LawLibraryError) as caught:
        load_library(library_reference("nosuch"))
    assert str(caught.value) == (
        "--laws: there is no built-in law library 'symworld.laws.nosuch' (built-in: "
        "crafter_oo, switches; or give a law file, FILE.py)"
    )
    with pytest.raises(PermissionError, match="--trust-law-file json.decoder"):
        load_library(library_reference("json.decoder"))
    with pytest.raises(LawLibraryError, match="^--laws: no module named 'no_such_xyz'"):
        load_library({"module": "no_such_xyz"}, ["no_such_xyz"])
    # trusted, the module is imported (and then has no laws)
    with pytest.raises(LawLibraryError, match="json.decoder defines neither"):
        load_library(library_reference("json.decoder"), ["json.decoder"])


def test_laws_model_with_non_finite_weight_is_not_saved(tmp_path, switches_schema):
    import equinox as eqx
    import jax.numpy as jnp

    model = LawModel.build(switch_laws.library(), switches_schema)
    first = model.laws[0].name
    broken = eqx.tree_at(lambda m: m.weights, model, model.weights.at[0].set(jnp.nan))
    folder = tmp_path / "diverged"
    with pytest.raises(ValueError, match=f"law '{first}' weight is nan .*diverged"):
        save_model(broken, folder, library_reference("switches"))
    assert not (folder / "model.json").exists()


def test_laws_model_relative_law_file_is_read_from_the_model_folder(
    tmp_path, switches_schema, monkeypatch
):
    folder, law_file, payload = simplex_model(tmp_path, switches_schema)
    payload["library"] = {"path": law_file.name, "sha256": payload["library"]["sha256"]}
    (folder / "model.json").write_text(json.dumps(payload))
    (folder / law_file.name).write_bytes(law_file.read_bytes())
    law_file.unlink()  # only the copy beside model.json is left
    monkeypatch.chdir(tmp_path.parent)  # a cwd that holds no law file
    model = load_model(folder, trusted=[str(folder / law_file.name)])
    assert [law.name for law in model.laws] == ["coin_draw"]
