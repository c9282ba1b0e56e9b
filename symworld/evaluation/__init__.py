"""The OneLife evaluation protocol, made sound.

For every transition of every scenario (rolled out in the true environment), a
model must rank the true next state above distractors (seeded mutations of the
true next state and the model's own sample) and its own sample is compared with
the truth. Scenarios have unique names and both a success and a failure variant;
every random choice comes from the trial's seed.

- :mod:`~symworld.evaluation.mutators`: distractor generators.
- :mod:`~symworld.evaluation.candidates`: the candidate set of one transition.
- :mod:`~symworld.evaluation.metrics`: accuracy, MRR, normalised recall, edit
  distance, IoU of changed attributes.
- :mod:`~symworld.evaluation.baselines`: null and random reference models.
- :mod:`~symworld.evaluation.scenarios`: scenario suites.
- :mod:`~symworld.evaluation.protocol`: trials and aggregation.
- :mod:`~symworld.evaluation.report`: terminal table, JSON and CSV.
"""

from symworld.evaluation.protocol import EvaluationReport, Scorer, evaluate_models

__all__ = ["EvaluationReport", "Scorer", "evaluate_models"]
