"""The AL-RNN section of ``symworld demo``, shortened: it runs end to end and its
report states what it trained (a renamed field broke the real demo once)."""

from __future__ import annotations

from symworld.demos import alrnn as demo


def test_alrnn_demo_section_runs_and_reports(monkeypatch):
    short = dict(
        demo.DEMO_CONFIG,
        epochs=2,
        batches_per_epoch=2,
        evaluate_every=1,
        evaluation_steps=500,
    )
    monkeypatch.setattr(demo, "DEMO_CONFIG", short)
    monkeypatch.setattr(demo, "STEPS", 3_000)
    summary = demo.run(0)
    first = summary["lines"][0]
    assert first.startswith("Lorenz-63, ") and " training steps, " in first
    assert f"on {900} test steps" in first  # 30% of 3,000
    assert summary["d_stsp_floor"] >= 0.0
