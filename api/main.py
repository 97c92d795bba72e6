"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import register_error_handlers
from api.metrics import install_metrics
from api.openapi import install_openapi
from api.routes import (
    admin,
    answer,
    dashboard,
    diagnose,
    docs,
    events,
    faq,
    handoffs,
    health,
    ports,
    security_groups,
    widget,
)
from api.security import install_security
from api.services import load_services
from helpdesk.local_secrets import with_local_tokens
from helpdesk.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; knowledge and index load in the lifespan, before it serves.

    The bot's write routes (turn records, hand-offs) always ask for their tokens: unset in
    the environment, they are the local ones in ``$HELPDESK_DATA_DIR/secrets`` (made once;
    scripts/bot.sh gives Rasa and the action server the same files).
    """
    settings = with_local_tokens(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = load_services(settings)
        yield
        app.state.services.close()

    app = FastAPI(
        title="cvm-helpdesk",
        version="0.1.0",
        description="Answers questions about CVM ports and security groups from Tencent Cloud's FAQ, "
        "and evaluates ports and security-group rules.",
        lifespan=lifespan,
        docs_url=None,  # served by api/routes/docs.py, with a Content-Security-Policy
        redoc_url=None,
    )
    app.state.settings = settings  # for routes that need no loaded services (the widget)
    register_error_handlers(app)
    install_metrics(app, settings.metrics_multiproc_dir)  # times every request by route template; serves /metrics
    install_security(app, settings)  # CORS, rate and body limits, security headers
    for router in (health.router, answer.router, faq.router, handoffs.router, ports.router, security_groups.router):
        app.include_router(router)
    app.include_router(dashboard.router)
    app.include_router(events.router)
    app.include_router(admin.router)
    app.include_router(widget.router)
    app.include_router(diagnose.router)
    app.include_router(docs.router)
    install_openapi(app, settings)  # the document, with the names of the app's regions
    return app
