"""What a render depends on, as one key: the job's idempotency key, and the test of whether a
render still shows its shot as the shot is now."""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from campaigns.enums import JobState
from campaigns.models import LookItem, RenderJob, Shot
from twins.models import TwinVersion


def request_key(
    shot: Shot,
    version: TwinVersion,
    look_items: Iterable[LookItem],
    *,
    seed: int,
    backend: str,
    params: dict[str, Any],
) -> str:
    """A job's idempotency key: a hash of everything its render depends on, so the same
    request gives the same key, and a render of it may be reused. Computed when the job is
    queued, and again when a worker takes it, from what it will render then (a stylist may
    have changed the look or a cut-out meanwhile). Garment names are in it: generative
    backends put them in the prompt."""
    scene = shot.scene
    payload = {
        "cell": (shot.campaign_id, shot.pose, shot.format),
        "version": [version.pk, version.weights_sha256],
        "garments": sorted(
            (i.garment.sku, i.garment.name, i.garment.cutout_sha256, i.slot, i.layer)
            for i in look_items
        ),
        "scene": [scene.kind, scene.value, str(scene.image)],
        "seed": seed,
        "backend": backend,
        "params": params,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def render_outdated(job: RenderJob) -> bool:
    """Whether the look of the job's shot (its garments, their names or cut-outs, slots, layers)
    or its scene changed after ``job`` rendered it: the key the job took when a worker started it
    no longer matches what it would render now. Reads the shot's look items (prefetch them, with
    their garments) and scene, and the job's version."""
    if job.state != JobState.SUCCEEDED:
        return False
    shot = job.shot
    now = request_key(
        shot,
        job.version,
        shot.look.items.all(),
        seed=job.seed,
        backend=job.backend,
        params=job.params,
    )
    return now != job.idempotency_key
