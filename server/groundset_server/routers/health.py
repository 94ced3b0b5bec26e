from __future__ import annotations

from fastapi import APIRouter

from groundset_server import __version__
from groundset_server.routers.common import problem_responses
from groundset_server.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=problem_responses(405))
def health() -> dict[str, str]:
    """Liveness; never needs the API key. Any other method is 405 `method_not_allowed`."""
    return {"status": "ok", "version": __version__}
