"""Issue #5's Crafter-OO protocol, end to end, for a list of seeds.

For each seed: one life of ``--steps`` steps explored and a law library induced from
it (``symworld induce --env symworld/CrafterOO-v0 --steps N --seed S``), the library
evaluated on the Crafter-OO scenario suite (``symworld evaluate ... --trials 5``), and
its laws read for the mechanics the issue requires (wood from trees, drinking water,
a table placed for 2 wood, a wood pickaxe made next to a table (the table faced or in
the 3x3 square), movement and blocking, food and drink decay). Prints one row per
seed: life length, laws, accuracy and MRR beside the null model's, the required
mechanics missing, and the induce and evaluate wall times.

The reference: the hand-written library (``laws/crafter_oo.py``) fitted to the same
life (``symworld fit laws --env symworld/CrafterOO-v0 --data OUT/sS/life.npz``) and
evaluated with the same suite, trials and seed; its accuracy is printed beside the
induced library's, and a second table gives every scenario's accuracy: the induced
library of each seed, the hand-written library (mean over the seeds' fits) and the
null model (``--no-hand`` skips the reference).

    python benchmarks/induction_protocol.py --seeds 0 1 2 --out runs/induction

Every file of seed ``S`` stays in ``OUT/sS/`` (``laws.py``, ``laws_model/``,
``life.npz``, ``induce.json``, ``eval.json``, ``hand_model/``, ``hand_eval.json``).
With ``--data-dir DIR`` each seed reads its life from ``DIR/sS/life.npz`` (an earlier
run's) instead of exploring.

The required-mechanics check reads the first docstring line of every law, which
symworld's writer words as "ATTRIBUTE changes by +K ... when ... the targeted cell of
material holds V and the action is A" (encoded materials are
``rules.MATERIALS`` index + 1). It recognises the writer's phrasing, not arbitrary
law files.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

# Indices in Crafter-OO's encoding (symworld.envs.crafter_oo.rules).
WOOD, DRINK, FOOD, WOOD_PICKAXE = 5, 2, 1, 10
TREE, WATER, TABLE = 6, 1, 11  # encoded material = rules.MATERIALS index + 1
DO, PLACE_TABLE, MAKE_WOOD_PICKAXE = 5, 8, 11
MOVES = (1, 2, 3, 4)

GAIN = r"(changes by \+\d+|becomes its value plus one of \[[^\]]*\b[1-9])"
LOSS = r"(changes by -\d+|becomes its value plus one of \[-)"
TWO_LOST = r"(changes by -2\b|becomes its value plus one of \[-2\b)"


def law_lines(path: Path) -> list[str]:
    """The first docstring line of every law class in a law module."""
    return re.findall(r'class \w+\(Law\):\n    """(.*)', path.read_text())


def missing_mechanics(path: Path) -> list[str]:
    """The required mechanics no law of ``path`` expresses (see the module doc)."""
    lines = law_lines(path)

    def some(*patterns: str) -> bool:
        return any(all(re.search(p, line) for p in patterns) for line in lines)

    required = {
        "wood from trees": some(
            rf"^Player\.inventory\[{WOOD}\] {GAIN}",
            rf"holds {TREE}\b",
            rf"action is {DO}\b",
        ),
        "drinking water": some(
            rf"^Player\.inventory\[{DRINK}\] {GAIN}",
            rf"holds {WATER}\b",
            rf"action is {DO}\b",
        ),
        "table placed": some(
            rf"material becomes {TABLE}\b", rf"action is {PLACE_TABLE}\b"
        ),
        "table costs 2 wood": some(
            rf"^Player\.inventory\[{WOOD}\] {TWO_LOST}", rf"action is {PLACE_TABLE}\b"
        ),
        "wood pickaxe next to a table": some(
            rf"^Player\.inventory\[{WOOD_PICKAXE}\] {GAIN}",
            rf"action is {MAKE_WOOD_PICKAXE}\b",
            rf"(holds {TABLE}\b|\b{TABLE} is in the 3x3 window)",
        ),
        "movement": all(
            some(r"^Player\.pos\[\d\] changes by [-+]1", rf"action is {a}\b")
            for a in MOVES
        ),
        "blocking": some(r"^Player\.pos\[\d\] changes by", r"the targeted cell"),
        "food decay": some(rf"^Player\.inventory\[{FOOD}\] {LOSS}"),
        "drink decay": some(rf"^Player\.inventory\[{DRINK}\] {LOSS}"),
    }
    return [name for name, found in required.items() if not found]


def run(command: list[str], log: Path) -> float:
    """Run ``command`` with stdout to ``log``; returns the wall seconds."""
    start = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        log.unlink()  # no partial output
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2"
    )
    parser.add_argument(
        "--steps", type=int, default=2000, help="most steps of each life (2000)"
    )
    parser.add_argument("--trials", type=int, default=5, help="trials per scenario (5)")
    parser.add_argument("--out", required=True, help="folder for every seed's files")
    parser.add_argument("--data-dir", default=None, help="read DIR/sS/life.npz")
    parser.add_argument(
        "--no-hand",
        action="store_true",
        help="skip the hand-written library fitted to each life",
    )
    args = parser.parse_args()

    symworld = [sys.executable, "-m", "symworld.cli"]
    rows, reports, hands = [], {}, {}
    for seed in args.seeds:
        folder = Path(args.out) / f"s{seed}"
        folder.mkdir(parents=True, exist_ok=True)
        laws = folder / "laws.py"
        life_file = folder / "life.npz"
        source = ["--steps", str(args.steps), "--seed", str(seed)]
        source += ["--save-trajectory", str(life_file)]
        if args.data_dir:
            life_file = Path(args.data_dir) / f"s{seed}" / "life.npz"
            source = ["--data", str(life_file)]
        induce = [*symworld, "induce", "--env", "symworld/CrafterOO-v0", *source]
        induce += ["--out", str(laws), "--force", "--json", "-q"]
        induced = run(induce, folder / "induce.json")
        evaluate = [*symworld, "evaluate", str(folder / "laws_model")]
        evaluate += ["--trust-law-file", str(laws), "--trials", str(args.trials)]
        evaluated = run([*evaluate, "--json", "-q"], folder / "eval.json")
        report = json.loads((folder / "eval.json").read_text())
        reports[seed] = report
        if not args.no_hand:
            fit = [*symworld, "fit", "laws", "--env", "symworld/CrafterOO-v0"]
            fit += ["--data", str(life_file), "--out", str(folder / "hand_model")]
            run([*fit, "--force", "--json", "-q"], folder / "hand_fit.json")
            evaluate = [*symworld, "evaluate", str(folder / "hand_model")]
            evaluate += ["--trials", str(args.trials), "--json", "-q"]
            run(evaluate, folder / "hand_eval.json")
            hands[seed] = json.loads((folder / "hand_eval.json").read_text())
        life = re.search(r"grammar from (\d+) transitions", laws.read_text())
        rows.append(
            (
                seed,
                life.group(1) if life else "?",
                len(law_lines(laws)),
                report["mean"]["accuracy"],
                report["mean"]["mrr"],
                report["baselines"]["null"]["mean"]["accuracy"],
                hands[seed]["mean"]["accuracy"] if seed in hands else float("nan"),
                ", ".join(missing_mechanics(laws)) or "none",
                induced,
                evaluated,
            )
        )
    header = (
        "seed  life  laws  accuracy    mrr  null acc  hand acc  induce s  evaluate s"
        "  missing"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        seed, life, count, accuracy, mrr, null, hand, missing, induced, evaluated = row
        print(
            f"{seed:>4}  {life:>4}  {count:>4}  {accuracy:8.4f}  {mrr:5.3f}  "
            f"{null:8.3f}  {hand:8.4f}  {induced:8.1f}  {evaluated:10.1f}  {missing}"
        )
    print()
    print(scenario_table(reports, hands))


def scenario_table(reports: dict[int, dict], hands: dict[int, dict]) -> str:
    """A Markdown table of every scenario's accuracy: the induced library of each
    seed, the hand-written library (mean over the seeds it was fitted for) and the
    null model (mean over the seeds' evaluations), then the means."""
    seeds = list(reports)
    names = list(reports[seeds[0]]["scenarios"])
    head = [f"induced s{s}" for s in seeds] + ["hand-written", "null"]
    lines = ["| scenario | " + " | ".join(head) + " |"]
    lines.append("|---" * (len(head) + 1) + "|")

    def mean(values: list[float], digits: int = 2) -> str:
        return f"{sum(values) / len(values):.{digits}f}" if values else "-"

    for name in names:
        induced = [f"{reports[s]['scenarios'][name]['accuracy']:.2f}" for s in seeds]
        hand = [h["scenarios"][name]["accuracy"] for h in hands.values()]
        null = [
            r["scenarios"][name]["baselines"]["null"]["accuracy"]
            for r in reports.values()
        ]
        lines.append(f"| {name} | " + " | ".join([*induced, mean(hand), mean(null)]))
        lines[-1] += " |"
    induced = [f"{reports[s]['mean']['accuracy']:.4f}" for s in seeds]
    hand = mean([h["mean"]["accuracy"] for h in hands.values()], 4)
    null = [r["baselines"]["null"]["mean"]["accuracy"] for r in reports.values()]
    lines.append("| **mean** | " + " | ".join([*induced, hand, mean(null, 4)]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
