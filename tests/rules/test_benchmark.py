"""The rules benchmark runs and reports its figures (timings are printed by it, not asserted)."""

from __future__ import annotations

from benchmarks.rules_bench import CASES, body, run_rules_benchmark


def test_benchmark_reports_its_figures() -> None:
    figures = run_rules_benchmark(rules=50, repeat=3, http=False)
    assert "in-process: decode, validate, evaluate, answer (api body)" in figures
    assert "evaluation alone: evaluate_groups (decisive body)" in figures
    for by_case in figures.values():
        assert set(by_case) == set(CASES)
        assert all(0 <= p50 <= p99 for p50, p99 in by_case.values())


def test_benchmark_bodies_are_valid_requests(engine: object) -> None:
    from rules import RuleEngine

    assert isinstance(engine, RuleEngine)
    import json

    for shape in (True, False):
        actions = [engine.evaluate_body(json.loads(body(20, *flow, shape))).action for flow in CASES.values()]
        assert actions == ["ACCEPT", "ACCEPT", "DROP"]
