"""Runtime guards for the Rasa server (installed by ``components/__init__.py`` at model load)."""
