"""What happens elsewhere when a talent revokes a license or all consent for a twin, or retires
one of its versions.

twins never imports campaigns: apps that hold work made with a twin register a handler here
(campaigns cancels queued renders, withdraws scheduled posts and flags live ones for takedown).
Handlers run after the revocation has committed, each on its own; one that fails is logged and
does not undo the revocation. New work is refused at once either way, because license_check
reads the revoked state, and campaigns check again when a render starts and when a post publishes.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Revocation:
    kind: str  # "license", "consent" or "version" (one version retired: never rendered again)
    twin_id: int
    license_ids: tuple[int, ...]
    brand_ids: tuple[int, ...]
    reason: str
    actor_id: int
    version_id: int | None = None  # kind "version": the retired version


RevocationHandler = Callable[[Revocation], None]
_handlers: list[RevocationHandler] = []


def revocation_handler(handler: RevocationHandler) -> RevocationHandler:
    """Register ``handler`` (usable as a decorator); registering twice has no effect."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def revocation_handler_remove(handler: RevocationHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def _run_handlers(revocation: Revocation) -> None:
    for handler in list(_handlers):
        try:
            with transaction.atomic():
                handler(revocation)
        except Exception:
            logger.exception("Revocation handler %s failed for %s", handler, revocation)


def revocation_dispatch(revocation: Revocation) -> None:
    """Called by the revoking service inside its transaction; handlers run once it commits."""
    transaction.on_commit(lambda: _run_handlers(revocation))
