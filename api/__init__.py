"""The HTTP service (FastAPI): the knowledge and rules over HTTP, and the web widget."""
