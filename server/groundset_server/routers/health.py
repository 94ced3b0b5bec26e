from __future__ import annotations

from fastapi import APIRouter

from groundset_server import __version__
from groundset_server.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    """Liveness; never needs the API key."""
    return {"status": "ok", "version": __version__}
