"""Runtime guards for the Rasa server: the action timeout, the message-size cap and the action
server's answer checked against a schema compiled once (put in place at start by
``rasa_compat.install()``, see bot/run.py), and the atomic Redis lock store (endpoints)."""
