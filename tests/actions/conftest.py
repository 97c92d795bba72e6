"""Unit tests of the actions (actions/), run in the Rasa environment (.venv-rasa, Python 3.10).

scripts/test.sh runs them there with ``--noconftest`` (the suite's shared fixtures need the
app's environment); these tests use only what they build themselves.
"""
