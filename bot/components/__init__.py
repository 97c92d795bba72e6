"""Custom Rasa NLU components (importable because Rasa runs with cwd bot/)."""
