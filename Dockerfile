# The app: knowledge, index, rules, API and widget. Slim, non-root, no torch (the default
# model is numpy-only); the index is built at image build time so start-up only loads it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HELPDESK_HOST=0.0.0.0 HELPDESK_INDEX_DIR=/app/var/index HELPDESK_DATA_DIR=/app/var
WORKDIR /app
COPY pyproject.toml README.md ./
COPY knowledge knowledge
COPY index index
COPY rules rules
COPY api api
COPY helpdesk helpdesk
COPY deflection deflection
COPY contract contract
COPY evidence evidence
COPY diagnosis diagnosis
COPY account account
# var/handoff-outbox: hand-offs kept while the database is down (a volume in docker-compose.yml;
# created here so that the new volume is the helpdesk user's).
RUN pip install . && useradd --system --uid 10001 helpdesk && mkdir -p /app/var/handoff-outbox \
    && chown -R helpdesk /app/var
USER helpdesk
RUN helpdesk index build
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["helpdesk", "serve"]
