"""The benchmark runs and reports its figures (timings are printed by `helpdesk bench`, not asserted)."""

from __future__ import annotations

from rules.benchmark import run_rules_benchmark


def test_benchmark_reports_its_figures() -> None:
    figures = run_rules_benchmark(flows=20, rules=50)
    assert set(figures) == {"rules", "flows", "mean_us", "p50_us", "p99_us", "flows_per_s"}
    assert figures["rules"] == 50 and figures["flows"] == 20 and figures["flows_per_s"] > 0
