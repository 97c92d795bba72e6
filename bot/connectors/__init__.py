"""Rasa input channels of cvm-helpdesk (importable because Rasa runs with cwd bot/)."""
