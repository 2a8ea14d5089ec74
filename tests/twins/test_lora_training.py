"""The lora backend on the CPU, with a tiny random-weight Stable Diffusion built by the test
(HF_HUB_OFFLINE: nothing may reach a hub). Skipped where the `lora` extra is not installed."""

import io
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before diffusers is imported: nothing may reach a hub
pytest.importorskip("diffusers")
pytest.importorskip("peft")

from django.core.files.base import ContentFile

from tests.factories import CapturePhotoFactory
from tests.tiny_sd import build_tiny_sd
from twins.demo import CAPTURE_SET, draw_capture_photo, look_for
from twins.enums import CheckStatus, TrainingStatus
from twins.models import TwinVersion
from twins.services import twin_version_cancel, twin_version_run, twin_version_train
from twins.training.base import Cancelled, TrainingPhoto, TrainingRequest
from twins.training.lora import WEIGHTS_NAME, LoraBackend

PARAMS = {"steps": 3, "rank": 2, "resolution": 64, "seed": 7}


@pytest.fixture(scope="module")
def base_model(tmp_path_factory) -> Path:
    return build_tiny_sd(tmp_path_factory.mktemp("tiny-sd"))


def photos(folder: Path) -> tuple[TrainingPhoto, ...]:
    result = []
    for n, (angle, framing, lighting) in enumerate(CAPTURE_SET[:3]):
        path = folder / f"{n}.jpg"
        path.write_bytes(draw_capture_photo(look_for(1), angle, framing, lighting, n))
        result.append(TrainingPhoto(n, path, angle, framing, lighting))
    return tuple(result)


def request(folder: Path, base: Path, **params: object) -> TrainingRequest:
    out = folder / "out"
    out.mkdir(exist_ok=True)
    return TrainingRequest(
        version_id=1,
        trigger_token="tw1v1",
        base_model=str(base),
        photos=photos(folder),
        params={**PARAMS, **params},
        output_dir=out,
    )


def render(pipe) -> object:
    import torch

    return pipe(
        "a photo of tw1v1 person",
        num_inference_steps=2,
        height=64,
        width=64,
        generator=torch.Generator().manual_seed(0),
        output_type="np",
    ).images


def test_a_lora_trains_loads_and_unloads(base_model, tmp_path):
    import numpy as np

    backend = LoraBackend()
    steps: list[tuple[int, int]] = []

    def progress(step: int, total: int) -> bool:
        steps.append((step, total))
        return True

    result = backend.train(request(tmp_path, base_model), progress)
    assert steps == [(1, 3), (2, 3), (3, 3)]
    assert result.weights_path == tmp_path / "out" / WEIGHTS_NAME
    assert result.weights_path.stat().st_size > 0
    assert result.annotations["steps"] == 3 and result.annotations["device"] == "cpu"

    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(
        base_model, local_files_only=True, safety_checker=None, requires_safety_checker=False
    )
    before = render(pipe)
    pipe.load_lora_weights(
        str(result.weights_path.parent), weight_name=WEIGHTS_NAME, adapter_name="tw1v1"
    )
    with_lora = render(pipe)
    pipe.unload_lora_weights()
    after = render(pipe)
    assert not np.allclose(before, with_lora)  # the adapter changes what is rendered
    assert np.array_equal(before, after)  # and unloading restores the base exactly
    # The backend keeps its base warm and leaves it clean for the next job.
    again = backend.train(request(tmp_path, base_model), lambda step, total: True)
    assert again.weights_path.exists()


def test_a_lora_job_stops_when_cancelled(base_model, tmp_path):
    with pytest.raises(Cancelled):
        LoraBackend().train(request(tmp_path, base_model, steps=50), lambda step, total: step < 2)
    assert not (tmp_path / "out" / WEIGHTS_NAME).exists()


def test_a_missing_base_model_fails_the_version_with_a_reason(world, settings, tmp_path):
    settings.TWIN_BASE_MODEL = str(tmp_path / "nowhere")
    capture_ready(world)
    version = twin_version_train(
        actor=world.talent_a.user, twin=world.twin_a, backend="lora", params=PARAMS
    )
    done = twin_version_run(version_id=version.pk)
    assert done.status == TrainingStatus.FAILED and "No base model" in done.error


def test_a_lora_version_end_to_end(world, settings, base_model):
    settings.TWIN_BASE_MODEL = str(base_model)
    capture_ready(world)
    version = twin_version_train(
        actor=world.talent_a.user, twin=world.twin_a, backend="lora", params=PARAMS
    )
    assert version.base_model == str(base_model)
    done = twin_version_run(version_id=version.pk, worker="cpu-test")
    assert done.status == TrainingStatus.SUCCEEDED, done.error
    assert done.weights_uri.endswith(WEIGHTS_NAME) and len(done.weights_sha256) == 64
    assert (done.progress_step, done.progress_total) == (3, 3)
    queued = twin_version_train(
        actor=world.talent_a.user, twin=world.twin_a, backend="lora", params=PARAMS
    )
    twin_version_cancel(actor=world.talent_a.user, version=queued)
    assert TwinVersion.objects.get(pk=queued.pk).status == TrainingStatus.CANCELLED


def capture_ready(world) -> None:
    for pose, (angle, framing, lighting) in enumerate(CAPTURE_SET):
        photo = CapturePhotoFactory.build(
            twin=world.twin_a,
            angle=angle,
            framing=framing,
            lighting=lighting,
            check_status=CheckStatus.PASSED,
        )
        data = io.BytesIO(draw_capture_photo(look_for(0), angle, framing, lighting, pose))
        photo.image.save(f"{pose}.jpg", ContentFile(data.getvalue()), save=False)
        photo.save()
