"""The benchmarks, each a script that prints figures (p50/p99 latency, throughput, RSS, CPU).

Timings live here, never in pass/fail tests. ``benchmarks/run.py`` (also ``helpdesk bench``)
lists and runs them; each also runs alone (``python benchmarks/<name>.py --help``). Shared
measuring helpers: ``benchmarks/measure.py`` (standard library only, so the Rasa-side
benchmarks import it too) and ``benchmarks/procstats.py`` (process groups' CPU and memory).
"""
