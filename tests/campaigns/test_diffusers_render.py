"""The diffusers render backend on the CPU, with a tiny random-weight Stable Diffusion and tiny
LoRAs built by the test (HF_HUB_OFFLINE: nothing may reach a hub)."""

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before diffusers is imported: nothing may reach a hub
pytest.importorskip("diffusers")
pytest.importorskip("peft")

from PIL import Image

from campaigns.demo import draw_cutout
from campaigns.rendering.base import (
    GarmentLayer,
    RenderCancelled,
    RenderRequest,
    Scene,
    VersionInfo,
)
from campaigns.rendering.diffusers import DiffusersBackend
from tests.tiny_sd import build_tiny_sd, tiny_render_kit

PARAMS = {"steps": 4, "long_side": 64, "strength": 0.9}
GREEN = (30, 160, 60)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_render_kit(tmp_path_factory.mktemp("tiny-diffusers"), draw_cutout("top", GREEN))


@pytest.fixture(scope="module")
def backend() -> DiffusersBackend:
    return DiffusersBackend()


SAND, SAND_RGB = Scene("colour", "#e8e4dc"), (0xE8, 0xE4, 0xDC)


def request(
    tiny, *, lora="lora_a", seed=3, garments=True, reference=True, scene=SAND, size=(80, 100)
) -> RenderRequest:
    return RenderRequest(
        seed=seed,
        width=size[0],
        height=size[1],
        reference=tiny["reference"] if reference else None,
        pose=tiny["pose"] if reference else {},
        garments=(GarmentLayer("top", 30, tiny["cutout"]),) if garments else (),
        scene=scene,
        params=PARAMS,
        lora=tiny[lora] if lora else None,
        trigger_token="tw1v1",
        base_model=str(tiny["base"]),
        description="a green top",
    )


def run(backend, req, calls=None) -> bytes:
    def progress(step: int, total: int) -> bool:
        if calls is not None:
            calls.append((step, total))
        return True

    result = backend.render(req, progress)
    image = Image.open(io.BytesIO(result.png))
    assert image.size == (req.width, req.height) == (result.width, result.height)
    return result.png


def test_same_seed_same_bytes_and_the_pipeline_stays_warm(tiny, backend):
    first = run(backend, request(tiny))
    pipe = backend.pipeline(str(tiny["base"]))
    assert run(backend, request(tiny)) == first
    assert run(backend, request(tiny, seed=4)) != first
    assert backend.pipeline(str(tiny["base"])) is pipe and len(backend._pipelines) == 1


def test_a_render_keeps_its_prompt_and_reads_all_of_a_long_one(tiny, backend):
    def render(req: RenderRequest) -> tuple[bytes, dict]:
        result = backend.render(req, lambda step, total: True)
        return result.png, dict(result.meta)

    _, short = render(replace(request(tiny), description="", params={**PARAMS, "style": "studio"}))
    assert short["prompt"] == "a photo of tw1v1 person, studio"
    # The tests' tokenizer takes about a character a token: 75 fit between start and end, so the
    # style comes past the first window. The pipeline alone would cut it, and these would match.
    long = replace(request(tiny), scene=Scene("prompt", "a rooftop at dusk"))
    png, meta = render(long)
    assert meta["prompt"] == "a photo of tw1v1 person, wearing a green top, a rooftop at dusk, " + (
        "fashion editorial, full body, sharp focus"
    )
    other_style, _ = render(
        replace(long, params={**PARAMS, "style": "fashion editorial, full body, soft focus"})
    )
    assert other_style != png
    assert render(long)[0] == png  # and the same seed still gives the same bytes


def test_loras_swap_per_twin_version_and_come_back_exactly(tiny, backend):
    with_a = run(backend, request(tiny, lora="lora_a"))
    with_b = run(backend, request(tiny, lora="lora_b"))
    assert with_a != with_b
    assert run(backend, request(tiny, lora="lora_a")) == with_a  # swapped back, not reloaded
    assert len(backend._adapters[str(tiny["base"])]) == 2
    without = run(backend, request(tiny, lora=None))
    assert without not in (with_a, with_b)


def test_a_worker_keeps_at_most_two_base_pipelines_warm(tiny, tmp_path):
    """A version renders on the base it was trained on: past two bases, the least recently
    used pipeline goes, with its adapters."""
    backend = DiffusersBackend()
    bases = [str(tiny["base"])] + [str(build_tiny_sd(tmp_path / name)) for name in ("b", "c")]
    for base in (bases[0], bases[1], bases[0], bases[2]):
        backend.pipeline(base)
    assert list(backend._pipelines) == [bases[0], bases[2]]  # b was the least recently used
    assert set(backend._adapters) == {bases[0], bases[2]}


def test_progress_counts_the_schedulers_steps(tiny, backend):
    calls: list[tuple[int, int]] = []
    run(backend, request(tiny), calls)
    total = calls[-1][1]
    assert total >= 1 and [step for step, _ in calls] == list(range(1, total + 1))


def test_cancel_from_the_step_callback_discards_the_image(tiny, backend):
    with pytest.raises(RenderCancelled):
        backend.render(request(tiny), lambda step, total: step < 2)


def test_the_garment_region_is_what_is_repainted(tiny, backend):
    _init, mask = backend._conditioning(request(tiny))
    painted = sum(mask.point(lambda v: 255 if v > 128 else 0).histogram()[255:])
    assert 0 < painted < mask.width * mask.height / 2  # the top, not the whole frame
    _, bare_mask = backend._conditioning(request(tiny, garments=False))
    assert bare_mask.getextrema() == (0, 0)
    _, generated = backend._conditioning(request(tiny, reference=False))
    assert generated.getextrema() == (255, 255)  # no reference: the whole frame is generated
    assert run(backend, request(tiny, reference=False))


def test_a_written_scene_has_its_backdrop_painted_and_the_person_kept(tiny, backend):
    """A prompt scene is drawn by the model: the mask takes in the backdrop besides the garments,
    never the face; a colour scene keeps its backdrop as composited."""
    written = request(tiny, scene=Scene("prompt", "a rooftop in Paris at dusk"), size=(320, 400))
    _init, mask = backend._conditioning(written)
    # The face: just below the top of the bare figure, in its middle.
    bare = request(tiny, garments=False, size=(320, 400))
    png = backend._preview.render(bare, lambda step, total: True).png
    figure = Image.open(io.BytesIO(png)).convert("RGB")
    person = [
        (x, y)
        for y in range(400)
        for x in range(320)
        if max(abs(a - b) for a, b in zip(figure.getpixel((x, y)), SAND_RGB, strict=True)) > 40
    ]
    top = min(y for _x, y in person)
    row = [x for x, y in person if y == top + 16]
    face = ((min(row) + max(row)) // 2, top + 16)
    assert mask.getpixel((3, 3)) > 200 and mask.getpixel((316, 200)) > 200  # the backdrop
    assert mask.getpixel(face) < 50, face  # the twin's face stays the twin's
    _init, coloured = backend._conditioning(request(tiny, size=(320, 400)))
    assert coloured.getpixel((3, 3)) < 50 and coloured.getpixel((316, 200)) < 50
    assert coloured.getpixel(face) < 50
    assert run(backend, written)


def test_a_version_without_a_lora_or_a_reference_photo_cannot_be_queued_for_it():
    """The look is inpainted on the pose's reference photo: without one it would not be worn."""
    backend = DiffusersBackend()
    weights = "twins/1/v1/w.safetensors"
    front: dict[str, object] = {"poses": {"front": {}}}
    assert "LoRA" in backend.missing(VersionInfo(annotations=front, weights_uri=""), "front")
    assert backend.missing(VersionInfo(annotations=front, weights_uri=weights), "front") == ""
    assert backend.missing(VersionInfo(annotations=front, weights_uri=weights), "back") == (
        "The twin version has no reference photo from the back."
    )
    # A LoRA version trained before versions kept their reference photos.
    assert "reference photo" in backend.missing(VersionInfo({}, weights), "front")


def test_weights_come_from_a_local_folder_only(tiny, tmp_path):
    req = request(tiny)
    missing = RenderRequest(**{**req.__dict__, "base_model": str(tmp_path / "nothing-here")})
    with pytest.raises(FileNotFoundError):
        DiffusersBackend().render(missing, lambda step, total: True)
    hub_name = RenderRequest(**{**req.__dict__, "base_model": "runwayml/stable-diffusion-v1-5"})
    with pytest.raises(FileNotFoundError):
        DiffusersBackend().render(hub_name, lambda step, total: True)
    assert Path(tiny["base"]).is_dir()


@pytest.mark.django_db
def test_a_lora_trained_twin_wears_the_look_through_the_studio(
    tiny, world, settings, django_capture_on_commit_callbacks
):
    """The whole GPU path on the CPU: a version trained with the lora backend keeps a reference
    photo per pose, so the diffusers backend inpaints the look on it rather than generating a
    stranger; queued from the matrix and run as a worker runs it."""
    from campaigns.enums import JobState
    from campaigns.models import RenderJob
    from campaigns.services import matrix_queue, render_job_run
    from tests.campaigns.conftest import make_studio
    from tests.twins.test_lora_training import capture_ready
    from twins.enums import TrainingStatus
    from twins.services import twin_version_run, twin_version_train

    settings.TWIN_BASE_MODEL = settings.RENDER_BASE_MODEL = str(tiny["base"])
    studio = make_studio(world, backend="diffusers")
    capture_ready(world)
    version = twin_version_train(
        actor=world.talent_a.user,
        twin=world.twin_a,
        backend="lora",
        params={"steps": 2, "rank": 2, "resolution": 64, "seed": 7},
    )
    trained = twin_version_run(version_id=version.pk, worker="gpu-test")
    assert trained.status == TrainingStatus.SUCCEEDED, trained.error
    assert "front" in trained.annotations["poses"] and trained.weights_uri
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
    job = RenderJob.objects.get()
    assert job.version_id == trained.pk  # the newest version, the LoRA
    RenderJob.objects.filter(pk=job.pk).update(params={"steps": 2, "long_side": 64})
    # The render setting has since moved to other weights: the LoRA still gets its own base.
    settings.RENDER_BASE_MODEL = str(tiny["base"].parent / "a-newer-base")
    with django_capture_on_commit_callbacks(execute=False):
        done = render_job_run(job_id=str(job.pk), worker="gpu-test")
    assert done.state == JobState.SUCCEEDED, done.error
    meta = done.render.meta
    assert meta["backend"] == "diffusers" and meta["conditioning"] == "inpaint"
    assert meta["adapter"] and meta["generated_at"] == [48, 64]  # 4:5 at a long side of 64, in 16s
    assert (done.render.width, done.render.height) == (1024, 1280)
