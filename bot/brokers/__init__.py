"""Rasa event brokers of cvm-helpdesk (loaded by Rasa from bot/endpoints.yml)."""
