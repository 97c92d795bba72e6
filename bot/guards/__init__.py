"""Runtime guards for the Rasa server: the action timeout and the message-size cap (put in place at
start by ``rasa_compat.install()``, see bot/run.py) and the atomic Redis lock store (endpoints)."""
