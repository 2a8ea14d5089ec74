"""`manage.py benchmark render`: what the render pipeline costs around the rendering itself.

It works on PostgreSQL in a database of its own (Django's test-database machinery: created,
migrated, dropped) with media in a temporary folder, on the configured Redis broker, with a real
worker process:

1. control-plane overhead per job, queue → worker → stored → thumbnail, with the `null` backend
   (a stored image at once), median and p95, from the job's message sent as the raw Celery no-op
   round trip beside it (same broker, same run) is timed from its message sent, and from the
   director's queueing call; a raw two-hop no-op chain (gpu → cpu), the shape of a job whose
   thumbnail is made on the cpu queue; and that chain with the thumbnail's image work on the
   same null renders, with no database and no storage: the least the pipeline can take;
2. enqueue time and query count of a 5,000-shot matrix, in a process that has queued before
   (and, beside it, the first one, which also imports and connects);
3. the preview backend's time per 1024×1280 render with five garments, warm, on one core.

`manage.py benchmark pages`: the pages and API lists that read render jobs (dashboard, campaign
list, board and its live poll, render farm, the API's jobs and renders), with a year of one
brand's renders behind them (1.1 million jobs), in a database of its own: median time and
queries of each.

`manage.py benchmark import`: a product feed of 20,000 rows imported new, again unchanged and
changed, in a database of its own: seconds and queries of each.

`manage.py benchmark cutout` (no services): how well and how fast cut-outs are computed from
packshots, on every demo garment shape and colour and a few near-white ones, on a plain, a
shadowed and a graded backdrop, against the shapes' true alpha.
"""

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_databases,
    teardown_databases,
)
from django.utils import timezone

from campaigns.demo import draw_cutout, draw_packshot
from campaigns.enums import GPU_BUDGET_MAX_SECONDS, JobState, Priority
from campaigns.models import RenderJob
from campaigns.poses import POSES
from campaigns.rendering.base import FORMATS, GarmentLayer, RenderRequest, Scene
from campaigns.rendering.null import null_png
from campaigns.rendering.preview import PreviewBackend
from campaigns.services import (
    CampaignInput,
    LookItemInput,
    MatrixSpec,
    campaign_create,
    garment_create,
    garment_import_csv,
    look_save,
    matrix_queue,
    scene_add,
)
from campaigns.services.catalogue import IMPORT_MAX_ROWS
from campaigns.services.rendering import thumbnail_jpeg
from studio.celery import app
from studio.enums import Role
from studio.permissions import Actor, actor_for
from studio.services import brand_create, membership_add
from twins.demo import draw_capture_photo, look_for
from twins.enums import TrainingStatus
from twins.models import CapturePhoto, TwinVersion
from twins.services import (
    Terms,
    agreement_sign,
    license_accept,
    license_request,
    talent_create,
    twin_create,
)
from twins.training.base import TrainingPhoto
from twins.training.reference import annotate

NOOP_KEY = "benchmark:noop"


@shared_task
def benchmark_noop_task(token: str) -> None:
    """The raw round trip: a task that only says it ran (one LPUSH on the broker's Redis)."""
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        channel.client.lpush(NOOP_KEY, token)


@shared_task
def benchmark_hop_task(token: str, thumbnail_of: tuple[int, int] | None = None) -> None:
    """The first of two hops: hands over to the cpu queue, as a render job hands its thumbnail
    over, to the no-op or, given the size of a null render, to its thumbnail's image work."""
    if thumbnail_of is None:
        benchmark_noop_task.apply_async((token,), queue="cpu")
    else:
        benchmark_thumbnail_task.apply_async((token, *thumbnail_of), queue="cpu")


@shared_task
def benchmark_thumbnail_task(token: str, width: int, height: int) -> None:
    """The thumbnail's image work on a null render (decode, resize, encode), then the no-op: no
    database, no storage."""
    thumbnail_jpeg(null_png(width, height))
    benchmark_noop_task(token)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


@contextmanager
def bench_database() -> Iterator[None]:
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "twin_studio_benchmark"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old, verbosity=0)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def bench_worker(media: Path) -> Iterator[subprocess.Popen[bytes]]:
    hostname = f"bench-{uuid.uuid4().hex[:6]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(media),
        "STUDIO_VAR_DIR": str(settings.VAR_DIR),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "studio", "worker", "-Q", "gpu,cpu,default",
        "--hostname", hostname, "--concurrency", "1", "--without-gossip", "--without-mingle",
        "-I", "campaigns.benchmark", "--loglevel", "WARNING",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("The benchmark worker did not start.")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def bench_world(looks: int = 5) -> tuple[Actor, Any, Any, list[Any]]:
    """A brand, its director, a licensed twin with a reference version, looks and a campaign."""
    users = get_user_model().objects
    staff = users.create_user("bench-staff", is_staff=True)
    director_user = users.create_user("bench-director")
    brand = brand_create(actor=staff, name="Bench", slug="bench", admin=staff)
    membership_add(actor=actor_for(staff, "bench"), user=director_user, role=Role.CREATIVE_DIRECTOR)
    director = actor_for(director_user, "bench")
    person = users.create_user("bench-talent")
    talent = talent_create(actor=staff, user=person, display_name="Bench Talent", discoverable=True)
    twin = twin_create(actor=person, talent=talent, name="Main twin")
    today = timezone.localdate()
    agreement_sign(
        actor=person, twin=twin, scope="All", purpose="Benchmark", pay_basis="None",
        starts_on=today - timedelta(days=1), ends_on=None, text_version="v1",
    )  # fmt: skip
    license = license_request(
        actor=director,
        twin=twin,
        terms=Terms(
            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=365),
            markets=["DE"], channels=["instagram"], categories=["top", "bottom", "shoes"],
            flat_fee=Decimal("0"),
        ),
    )  # fmt: skip
    license_accept(actor=person, license=license)
    photo_bytes = draw_capture_photo(look_for(1), "front", "full_body", "studio", 0)
    photo = CapturePhoto.objects.create(
        twin=twin, image=_store("bench/front.jpg", photo_bytes), sha256="0" * 64,
        width=1024, height=1536, angle="front", framing="full_body", lighting="studio",
    )  # fmt: skip
    pose = annotate(TrainingPhoto(photo.pk, Path(photo.image.path), "front", "full_body", "studio"))
    # A reference version as the reference trainer leaves one (training itself is not measured).
    TwinVersion.objects.create(
        twin=twin, number=1, status=TrainingStatus.SUCCEEDED, backend="reference",
        trigger_token="bench",  # noqa: S106  (a LoRA trigger word, not a password)
        annotations={"poses": {"front": pose}}, started_by=person,
    )  # fmt: skip
    stylist = actor_for(staff, "bench")
    garments = [
        garment_create(
            actor=stylist,
            sku=f"B-{n}",
            name=f"Bench {category}",
            category=category,
            cutout=io.BytesIO(draw_cutout(category, (40 * n, 90, 120))),
        )
        for n, category in enumerate(("top", "bottom", "shoes"))
    ]
    made = [
        look_save(actor=stylist, name=f"Look {n}", items=[LookItemInput(g.pk) for g in garments])
        for n in range(looks)
    ]
    return director, brand, twin, made


def _purge(queue: str) -> None:
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        channel.queue_purge(queue)


def _store(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def _campaign(director: Actor, name: str, backend: str, scenes: int) -> tuple[Any, list[int]]:
    campaign = campaign_create(
        actor=director,
        data=CampaignInput(
            name=name, starts_on=timezone.localdate(), markets=["DE"],
            ends_on=timezone.localdate() + timedelta(days=300),  # inside the license's year
            channels=["instagram"], backend=backend, gpu_budget_seconds=GPU_BUDGET_MAX_SECONDS,
        ),
    )  # fmt: skip
    ids = [
        scene_add(
            actor=director,
            campaign=campaign,
            name=f"Scene {n}",
            kind="colour",
            value=f"#{40 * n:02x}8080",
        ).pk
        for n in range(scenes)
    ]
    return campaign, ids


def _cells(jobs: int) -> list[tuple[str, int]]:
    """One new cell of the matrix per job: the next variant of a format, format after format."""
    return [(fmt, variant) for fmt in FORMATS for variant in range(1, 21)][:jobs]


THUMBNAIL_STORED = "bench_thumbnail_stored"


@contextmanager
def thumbnails_heard() -> Iterator[psycopg.Connection[Any]]:
    """A connection that hears each thumbnail stored, the moment the worker's update commits,
    without polling (which would take CPU from the worker): a trigger in the benchmark's own
    database notifies the render's job id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION bench_thumbnail_stored() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN PERFORM pg_notify('{THUMBNAIL_STORED}', NEW.job_id::text); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER bench_thumbnail_stored AFTER UPDATE OF thumbnail ON campaigns_render"
            " FOR EACH ROW WHEN (OLD.thumbnail = '' AND NEW.thumbnail <> '')"
            " EXECUTE FUNCTION bench_thumbnail_stored()"
        )
    with psycopg.connect(_database_url(), autocommit=True) as listener:
        listener.execute(f"LISTEN {THUMBNAIL_STORED}")
        yield listener


def measure_overhead(
    director: Actor, twin: Any, looks: list[Any], jobs: int, heard: psycopg.Connection[Any]
) -> dict[str, list[float]]:
    """Seconds from queueing one job to its thumbnail being stored, one job at a time, and
    where they go: the queueing call (it returns once the job's message is sent), the worker's
    pick-up, the render stored."""
    campaign, scenes = _campaign(director, "Overhead", "null", 1)
    samples: dict[str, list[float]] = {
        "total": [], "queue": [], "sent": [], "pickup": [], "stored": []
    }  # fmt: skip
    for fmt, variant in _cells(jobs):
        wall, started = time.time(), time.perf_counter()
        batch = matrix_queue(
            actor=director,
            campaign=campaign,
            spec=MatrixSpec(
                looks=(looks[0].pk,), twins=(twin.pk,), poses=("standing-front",),
                scenes=(scenes[0],), formats=(fmt,), variants=variant, priority=Priority.RUSH,
            ),
        )  # fmt: skip
        queued = time.perf_counter() - started
        stored = list(heard.notifies(timeout=60, stop_after=1))
        total = time.perf_counter() - started
        job = RenderJob.objects.get(batch=batch.batch)
        if [note.payload for note in stored] != [str(job.pk)]:
            raise RuntimeError(f"Job {job.pk} did not store its thumbnail in time: {job.error}")
        samples["total"].append(total)
        samples["queue"].append(queued)
        samples["sent"].append(total - queued)
        samples["pickup"].append(job.started_at.timestamp() - wall)  # type: ignore[union-attr]
        samples["stored"].append(job.finished_at.timestamp() - wall)  # type: ignore[union-attr]
    return samples


def measure_noop(rounds: int, *, hops: int = 1, thumbnails: bool = False) -> list[float]:
    """Seconds from sending a no-op task to its having run; with two hops, from sending a task
    that sends the no-op to the cpu queue; with thumbnails too, a task that sends the thumbnail
    work of the null render measure_overhead's job of the same round would store."""
    sizes = [FORMATS[fmt] if thumbnails else None for fmt, _variant in _cells(rounds)]
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        client = channel.client
        client.delete(NOOP_KEY)
        samples = []
        for n in range(rounds):
            started = time.perf_counter()
            if hops == 1:
                benchmark_noop_task.apply_async((str(n),), queue="gpu", priority=Priority.RUSH)
            else:
                benchmark_hop_task.apply_async(
                    (str(n), sizes[n % len(sizes)]), queue="gpu", priority=Priority.RUSH
                )
            if client.brpop(NOOP_KEY, timeout=30) is None:
                raise RuntimeError("The no-op task never ran.")
            samples.append(time.perf_counter() - started)
    return samples


def measure_matrix(
    director: Actor, twin: Any, looks: list[Any], name: str = "Matrix"
) -> tuple[int, float, int]:
    """Queue 5 looks × 5 poses × 5 scenes × 4 formats × 10 variants = 5,000 shots."""
    campaign, scenes = _campaign(director, name, "null", 5)
    spec = MatrixSpec(
        looks=tuple(look.pk for look in looks), twins=(twin.pk,), poses=tuple(POSES),
        scenes=tuple(scenes), formats=tuple(FORMATS), variants=10,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        batch = matrix_queue(actor=director, campaign=campaign, spec=spec)
        seconds = time.perf_counter() - started
    _purge("gpu")  # the worker is not to render these
    _purge("default")  # nor to publish them (a batch this large is sent by a task)
    RenderJob.objects.filter(batch=batch.batch).update(state=JobState.CANCELLED)
    return batch.jobs, seconds, len(queries)


def measure_preview(renders: int) -> list[float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    reference = folder / "front.jpg"
    reference.write_bytes(draw_capture_photo(look_for(2), "front", "full_body", "studio", 0))
    pose = annotate(TrainingPhoto(1, reference, "front", "full_body", "studio"))
    garments = []
    for n, (slot, layer) in enumerate(
        (("shoes", 10), ("bottom", 20), ("top", 30), ("outerwear", 40), ("accessory", 50))
    ):
        path = folder / f"{slot}.png"
        path.write_bytes(draw_cutout(slot, (50 * n, 120, 90)))
        garments.append(GarmentLayer(slot, layer, path))
    backend, samples = PreviewBackend(), []
    width, height = FORMATS["4:5"]
    for seed in range(renders + 2):
        request = RenderRequest(
            seed=seed, width=width, height=height, reference=reference, pose=pose,
            garments=tuple(garments), scene=Scene("colour", "#e8e4dc"),
        )  # fmt: skip
        started = time.perf_counter()
        backend.render(request, lambda step, total: True)
        if seed >= 2:  # the first two warm the caches
            samples.append(time.perf_counter() - started)
    return samples


def run(*, jobs: int, out: Callable[[str], None]) -> None:
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        raise RuntimeError("The benchmark runs on Redis: set CELERY_BROKER_URL=redis://…")
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
    }
    with override_settings(MEDIA_ROOT=media, STORAGES=storages), bench_database():
        _purge("gpu")
        _purge("cpu")
        director, _brand, twin, looks = bench_world()
        # The first queueing in a process also imports the task modules and opens the broker
        # connection, once; a running web process has done both: the second run is the figure.
        _shots, cold, _queries = measure_matrix(director, twin, looks, "Matrix, cold")
        shots, seconds, queries = measure_matrix(director, twin, looks)
        with bench_worker(media), thumbnails_heard() as heard:
            measure_noop(5)
            measure_overhead(director, twin, looks, 3, heard)  # warm the worker's imports, caches
            noop = measure_noop(jobs)
            chain = measure_noop(jobs, hops=2)
            floor = measure_noop(jobs, hops=2, thumbnails=True)
            overhead = measure_overhead(director, twin, looks, jobs, heard)
    preview = measure_preview(20)
    noop_median, noop_p95 = _percentiles(noop)
    chain_median, chain_p95 = _percentiles(chain)
    floor_median, floor_p95 = _percentiles(floor)
    job_median, job_p95 = _percentiles(overhead["sent"])
    call_median, call_p95 = _percentiles(overhead["total"])
    steps = {name: statistics.median(values) * 1000 for name, values in overhead.items()}
    preview_median, preview_p95 = _percentiles(preview)
    out(f"broker: {settings.CELERY_BROKER_URL}   database: {connection.vendor}")
    out(f"raw Celery no-op round trip ({jobs} runs):       median {noop_median * 1000:7.1f} ms"
        f"   p95 {noop_p95 * 1000:7.1f} ms")  # fmt: skip
    out(f"raw two-hop no-op chain, gpu → cpu ({jobs}):    median {chain_median * 1000:7.1f} ms"
        f"   p95 {chain_p95 * 1000:7.1f} ms   = {chain_median / noop_median:.1f}× (the least a"
        " job with its thumbnail on the cpu queue can take)")  # fmt: skip
    out(f"  + the thumbnail's image work, no database ({jobs}): median"
        f" {floor_median * 1000:7.1f} ms   p95 {floor_p95 * 1000:7.1f} ms"
        f"   = {floor_median / noop_median:.1f}× (the least the render pipeline as specified"
        " can take)")  # fmt: skip
    out(f"job overhead, queue → stored → thumbnail ({jobs}): median {job_median * 1000:7.1f} ms"
        f"   p95 {job_p95 * 1000:7.1f} ms   = {job_median / noop_median:.1f}× the raw round trip"
        " (target ≤ 3×), from the job's message sent, as the round trip is timed")  # fmt: skip
    out(f"  from the director's queueing call (plan, license checks, inserts, audit, send): median"
        f" {call_median * 1000:7.1f} ms   p95 {call_p95 * 1000:7.1f} ms"
        f"   = {call_median / noop_median:.1f}×")  # fmt: skip
    out(f"  of which, medians from the queueing call: queue call returned {steps['queue']:.1f} ms,"
        f" worker started {steps['pickup']:.1f} ms, render stored {steps['stored']:.1f} ms,"
        f" thumbnail stored {steps['total']:.1f} ms")  # fmt: skip
    out(
        f"enqueue a {shots:,}-shot matrix: {seconds:.2f} s, {queries} queries"
        f" (target ≤ 1.5 s, O(1) queries); the first in the process: {cold:.2f} s"
    )
    out(
        f"preview render 1024×1280, five garments, warm: median {preview_median * 1000:.0f} ms"
        f"   p95 {preview_p95 * 1000:.0f} ms (target < 300 ms)"
    )


BACKDROPS = ("plain", "soft shadow", "graded")
PALE = [(250, 250, 250), (240, 240, 238)]  # nearly the backdrop's own colour


def packshot_on(backdrop: str, category: str, colour: tuple[int, int, int]) -> tuple[Any, Any]:
    """A demo garment photographed (JPEG, no swing tag) on a backdrop, and its true alpha (0 to
    1)."""
    import numpy as np
    from PIL import Image

    shot = Image.open(io.BytesIO(draw_packshot(category, colour, backdrop=backdrop, tag=False)))
    garment = Image.open(io.BytesIO(draw_cutout(category, colour)))
    truth = np.zeros((shot.height, shot.width))
    truth[100 : 100 + garment.height, 100 : 100 + garment.width] = (
        np.asarray(garment.getchannel("A")) / 255
    )
    return shot, truth


def scored(cutout: Any, truth: Any) -> tuple[float, float, Any]:
    """A cut-out against the true alpha: IoU of what it keeps, mean alpha error, what it keeps."""
    import numpy as np

    alpha = np.asarray(cutout.getchannel("A")) / 255
    kept, garment = alpha > 0.5, truth > 0.5
    return (kept & garment).sum() / (kept | garment).sum(), np.abs(alpha - truth).mean(), kept


def demo_colours() -> list[tuple[int, int, int]]:
    from campaigns.demo import CATALOGUES, PACKSHOTS

    colours = sorted({colour for rows in CATALOGUES.values() for *_, colour in rows})
    return colours + [colour for *_, colour in PACKSHOTS.values()] + PALE


def run_cutouts(
    *, out: Callable[[str], None], colours: list[tuple[int, int, int]] | None = None
) -> None:
    from campaigns.cutout import cutout_from_packshot
    from campaigns.demo import SHAPES

    colours = colours or demo_colours()
    out(f"cut-outs of {len(SHAPES)} shapes × {len(colours)} colours, 1000×1200 JPEG packshots")
    for backdrop in BACKDROPS:
        scores, errors, seconds = [], [], []
        for category in SHAPES:
            for colour in colours:
                shot, truth = packshot_on(backdrop, category, colour)
                started = time.perf_counter()
                cutout = cutout_from_packshot(shot)
                seconds.append(time.perf_counter() - started)
                score, error, _kept = scored(cutout, truth)
                scores.append(score)
                errors.append(error)
        out(
            f"  {backdrop + ' backdrop:':22} IoU mean {statistics.mean(scores):.3f}"
            f"  worst {min(scores):.3f}   alpha error {statistics.mean(errors) * 100:.2f} %"
            f"   median {statistics.median(seconds) * 1000:.0f} ms per cut-out"
        )


def figure_looks() -> list[Any]:
    """The demo's own looks, then clothes of a grey from black to the studio wall's own."""
    from twins.demo import Look, look_for

    greys = [(40, 40, 40), (100, 100, 104), (150, 150, 150), (200, 200, 205)]
    return [look_for(seed) for seed in range(10)] + [
        Look(skin=(141, 92, 62), hair=(30, 22, 18), outfit=grey, build=1.0) for grey in greys
    ]


def run_figures(*, out: Callable[[str], None], people: list[Any] | None = None) -> None:
    """How well the reference backend tells a figure from its backdrop, in each demo light: the
    figure's mask against the drawn one (IoU), and how far its box's worst edge is off."""
    import numpy as np
    from PIL import Image

    from twins.demo import draw_capture_photo, figure_truth
    from twins.training.reference import figure_mask

    people = people or figure_looks()
    angles = ("front", "three_quarter_left", "profile_right", "back")
    out(f"figures of {len(people)} looks × {len(angles)} angles, 1024×1280 JPEG photos")
    for lighting in ("studio", "high_key", "daylight", "low_key"):
        scores, edges, seconds = [], [], []
        for n, look in enumerate(people):
            for angle in angles:
                data = draw_capture_photo(look, angle, "full_body", lighting, n % 3)
                photo = Image.open(io.BytesIO(data)).convert("RGB")
                truth = figure_truth(look, angle, lighting, n % 3)
                started = time.perf_counter()
                found = figure_mask(photo) > 0
                seconds.append(time.perf_counter() - started)
                scores.append((found & truth).sum() / max(1, (found | truth).sum()))
                if not found.any():
                    edges.append(max(photo.size))
                    continue
                # (rows, then columns, of each: their least and greatest are the box's edges)
                pairs = zip(np.nonzero(truth), np.nonzero(found), strict=True)
                edges.append(
                    max(max(abs(t.min() - f.min()), abs(t.max() - f.max())) for t, f in pairs)
                )
        out(
            f"  {lighting + ':':10} IoU mean {statistics.mean(scores):.3f}"
            f"  worst {min(scores):.3f}   box edge off by at most {max(edges)} px"
            f"   median {statistics.median(seconds) * 1000:.0f} ms per photo"
        )


def run_import(*, out: Callable[[str], None], rows: int = IMPORT_MAX_ROWS) -> None:
    """A product feed of ``rows`` rows imported into an empty catalogue, then again as it is,
    then with every row changed: the time and the queries of each, in a database of its own."""
    with bench_database():
        staff = get_user_model().objects.create_user("bench-staff", is_staff=True)
        brand_create(actor=staff, name="Bench", slug="bench", admin=staff)
        stylist = actor_for(staff, "bench")
        out(f"a product feed of {rows:,} rows, database: {connection.vendor}")
        for label, name in (("new", "Tee"), ("again, unchanged", "Tee"), ("changed", "Shirt")):
            feed = "sku,name,category,colourways,sizes,season\n" + "".join(
                f"SKU-{n},{name} {n},top,black;white,S;M;L,SS27\n" for n in range(rows)
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                report = garment_import_csv(actor=stylist, file=io.BytesIO(feed.encode()))
                seconds = time.perf_counter() - started
            out(
                f"  {label + ':':18} {seconds:5.2f} s, {len(queries)} queries"
                f" ({len(report.created):,} created, {len(report.updated):,} updated)"
            )


def run_pages(*, out: Callable[[str], None], campaigns: int = 200, rounds: int = 3) -> None:
    """The pages and API lists that read render jobs, with a year of a brand's renders behind
    them: a campaign of 5,000 shots rendered 21 times over, and ``campaigns`` older campaigns
    of 5,000 renders each. Median time and queries of each, in a database of its own."""
    from django.test import Client

    from campaigns.models import Campaign

    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    with bench_database():
        director, _brand, twin, looks = bench_world()
        measure_matrix(director, twin, looks, "Now")
        now = Campaign.objects.get(name="Now")
        old = [
            Campaign.objects.create(
                brand=now.brand, name=f"Old {n}", starts_on=now.starts_on, ends_on=now.ends_on,
                owner=now.owner,
            ).pk
            for n in range(campaigns)
        ]  # fmt: skip
        made = ("id", "state", "gpu_seconds", "queued_at", "finished_at", "batch")
        kept = [str(f.column) for f in RenderJob._meta.concrete_fields if f.column not in made]
        shots = ("look_id", "twin_id", "version_id", "pose", "format", "variant")

        def copy(rows: str, batch: str, age: str, campaign: str, shot: str) -> str:
            """Copies of the campaign's own jobs (``j``), succeeded ``age`` ago."""
            values = {"campaign_id": campaign, "shot_id": shot}
            copied = ", ".join(values.get(column, "j." + column) for column in kept)
            return f"""INSERT INTO campaigns_renderjob ({", ".join((*made, *kept))})
                SELECT gen_random_uuid(), 'succeeded', 1.5, f - interval '1 minute', f,
                md5({batch})::uuid, {copied} FROM {rows}
                CROSS JOIN LATERAL (SELECT now() - {age} AS f) finished
                WHERE j.campaign_id = %s"""  # noqa: S608  (the model's own columns; values are parameters)

        with connection.cursor() as cursor:
            # Each older campaign has the same scenes and 5,000 shots, rendered once, a day
            # older each.
            cursor.execute(
                """INSERT INTO campaigns_scene (campaign_id, name, kind, value, image)
                SELECT c.id, sc.name, sc.kind, sc.value, sc.image FROM campaigns_scene sc
                JOIN campaigns_campaign c ON c.id = ANY(%s) WHERE sc.campaign_id = %s""",
                [old, now.pk],
            )
            cursor.execute(
                f"""INSERT INTO campaigns_shot
                (campaign_id, scene_id, created_at, {", ".join(shots)})
                SELECT c.id, theirs.id, now(), {", ".join("s." + c for c in shots)}
                FROM campaigns_shot s JOIN campaigns_scene ours ON ours.id = s.scene_id
                JOIN campaigns_scene theirs ON theirs.name = ours.name
                JOIN campaigns_campaign c ON c.id = theirs.campaign_id
                WHERE s.campaign_id = %s AND c.id = ANY(%s)""",  # noqa: S608  (the model's own columns)
                [now.pk, old],
            )
            same = " AND ".join(f"s.{column} = o.{column}" for column in shots)
            rows = f"""campaigns_renderjob j JOIN campaigns_shot o ON o.id = j.shot_id
                JOIN campaigns_scene ours ON ours.id = o.scene_id
                JOIN campaigns_shot s ON s.campaign_id <> o.campaign_id AND {same}
                JOIN campaigns_scene theirs ON theirs.id = s.scene_id AND theirs.name = ours.name"""
            age = "(s.campaign_id - o.campaign_id) * interval '1 day'"
            cursor.execute(
                copy(rows, "'old' || s.campaign_id", age, "s.campaign_id", "s.id"), [now.pk]
            )
            # The campaign itself: rendered 21 times over, an hour apart.
            rows = "campaigns_renderjob j CROSS JOIN generate_series(1, 20) g"
            age = "g * interval '1 hour'"
            cursor.execute(copy(rows, "'now' || g", age, "j.campaign_id", "j.shot_id"), [now.pk])
            cursor.execute(
                """INSERT INTO campaigns_render (job_id, brand_id, campaign_id, image, sha256,
                width, height, meta, thumbnail, thumbnail_sends, created_at)
                SELECT id, brand_id, campaign_id, 'render.png', '', 1024, 1280, '{}', 'thumb.jpg',
                1, finished_at FROM campaigns_renderjob WHERE state = 'succeeded'"""
            )
            cursor.execute("ANALYZE")
        client = Client()
        client.force_login(director.user)
        out(f"{RenderJob.objects.count():,} render jobs of one brand, {campaigns + 1} campaigns")
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        pages = override_settings(
            ALLOWED_HOSTS=["testserver"], STORAGES={**settings.STORAGES, "staticfiles": static}
        )
        for label, url in (
            ("dashboard", "/"),
            ("campaign list", "/campaigns/"),
            ("campaign board", f"/campaigns/{now.pk}/"),
            ("board cards (live poll)", f"/campaigns/{now.pk}/cards/"),
            ("render farm (live poll)", "/farm/"),
            ("API jobs of the campaign", f"/api/jobs/?campaign={now.pk}"),
            ("API jobs of the oldest", f"/api/jobs/?campaign={old[-1]}"),
            ("API jobs of the brand", "/api/jobs/"),
            ("API renders of the brand", "/api/renders/"),
        ):
            samples = []
            for _ in range(rounds + 1):
                with pages, CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    answer = client.get(url, secure=True)
                    samples.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url} answered {answer.status_code}")
            median = statistics.median(samples[1:]) * 1000  # the first warms the templates
            out(f"  {label + ':':26} {median:6.0f} ms, {len(queries)} queries")
