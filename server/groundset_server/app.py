"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from groundset_server import __version__
from groundset_server.auth import require_api_key
from groundset_server.bodylimit import BodyLimitMiddleware
from groundset_server.config import Settings
from groundset_server.db.engine import make_engine, run_migrations, wal_checkpointer
from groundset_server.problems import Problem, domain_problem
from groundset_server.requestid import RequestIdMiddleware
from groundset_server.retry import RetryMiddleware
from groundset_server.routers import datasets, experiments, exports, health, schemas, tags, upserts
from groundset_server.routers.common import problem_response
from groundset_server.schemas import Problem as ProblemModel
from groundset_server.services.costs import Refresher
from groundset_server.services.errors import DomainError
from groundset_server.services.plans import PlanStore
from groundset_server.ui import ui_response
from groundset_server.validation import request_problem

log = logging.getLogger("groundset_server")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Opens an existing SQLite file only: one deleted under the server is not made again.
    engine = make_engine(settings.database_url, settings.pool_size, settings.pool_timeout, create=False)
    if settings.run_migrations:
        try:
            run_migrations(engine, create=True)
        except BaseException:
            engine.dispose()
            raise
    checkpointer = wal_checkpointer(engine)
    refresher = Refresher(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # SQLite's WAL checkpointed off the request path while the app serves, and experiments'
        # costs stored after their writes.
        if checkpointer is not None:
            checkpointer.start()
        refresher.start()
        try:
            yield
        finally:
            refresher.stop()
            if checkpointer is not None:
                checkpointer.stop()

    app = FastAPI(
        title="groundset",
        version=__version__,
        description="Datasets of evaluation examples: versions, revisions and hash-first upserts.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.refresher = refresher
    app.state.plans = PlanStore(settings.plan_ttl_seconds, settings.plan_max_count, settings.plan_max_bytes)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request.url.path)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(domain_problem(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(request_problem(exc.errors()), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            # A path no API route took: a page of the web UI, or one of its files.
            try:
                ui = ui_response(request, settings.ui_dist)
            except Problem as problem:
                return problem_response(problem, request.url.path)
            if ui is not None:
                return ui
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem_response(Problem(exc.status_code, code, str(exc.detail)), request.url.path)

    # Each added around the ones before: the request id is on every answer, the body limit
    # counts what the client sent once, and a request run again replays the body it read.
    app.add_middleware(RetryMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])
    v1.include_router(upserts.router)
    v1.include_router(datasets.router)
    v1.include_router(exports.router)
    v1.include_router(experiments.router)
    v1.include_router(tags.router)
    v1.include_router(schemas.router)
    app.include_router(health.router)
    app.include_router(v1)
    _document_request_models(app)
    return app


def create_worker_app() -> FastAPI:
    """The app of one of ``serve --workers N``'s processes: settings from the environment, the
    database migrated by the parent before the workers start."""
    return create_app(Settings(run_migrations=False))


def _document_request_models(app: FastAPI) -> None:
    """Put the schemas of the bodies the upsert routes parse themselves, and of the problem
    answers every route declares, into the OpenAPI components, beside the ones FastAPI collects
    from the routes, so every `$ref` resolves."""
    collect = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = collect()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (*upserts.REQUEST_MODELS, ProblemModel):
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(model_schema.pop("$defs", {}))
            components[model.__name__] = model_schema
        app.openapi_schema = dict(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
