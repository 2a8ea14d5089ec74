"""The diffusers and lora backends on a CUDA GPU, with the tiny random-weight pipelines of the
CPU tests: half precision on the GPU, LoRA load and swap, progress, cancel, the same seed giving
the same bytes, and a LoRA trained on the GPU that then renders. Skipped where torch sees no GPU
(as in CI). On a GPU host, without the studio's database or broker:

    pytest -p no:django --noconftest tests/campaigns/test_diffusers_cuda.py
"""

import io
import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before diffusers is imported: nothing may reach a hub
pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("peft")

import torch
from PIL import Image, ImageDraw

from campaigns.rendering.base import GarmentLayer, RenderCancelled, RenderRequest, Scene
from campaigns.rendering.diffusers import DiffusersBackend
from tests.tiny_sd import tiny_render_kit
from twins.demo import CAPTURE_SET, draw_capture_photo, look_for
from twins.training.base import TrainingPhoto, TrainingRequest
from twins.training.lora import WEIGHTS_NAME, LoraBackend

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
PARAMS = {"steps": 4, "long_side": 64, "strength": 0.9}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    top = Image.new("RGBA", (200, 240), (0, 0, 0, 0))  # campaigns.demo needs the database
    ImageDraw.Draw(top).rectangle((30, 10, 170, 230), fill=(30, 160, 60, 255))
    out = io.BytesIO()
    top.save(out, "PNG")
    return tiny_render_kit(tmp_path_factory.mktemp("tiny-cuda"), out.getvalue())


@pytest.fixture(scope="module")
def backend() -> DiffusersBackend:
    return DiffusersBackend()


def request(tiny, *, lora: Path | None, seed: int = 3, reference=None, pose=None) -> RenderRequest:
    return RenderRequest(
        seed=seed,
        width=80,
        height=100,
        reference=reference or tiny["reference"],
        pose=pose or tiny["pose"],
        garments=(GarmentLayer("top", 30, tiny["cutout"]),),
        scene=Scene("prompt", "a rooftop at dusk"),
        params=PARAMS,
        lora=lora,
        trigger_token="tw1v1",
        base_model=str(tiny["base"]),
        description="a green top",
    )


def run(backend, req, calls=None):
    def progress(step: int, total: int) -> bool:
        if calls is not None:
            calls.append((step, total))
        return True

    result = backend.render(req, progress)
    assert Image.open(io.BytesIO(result.png)).size == (80, 100)
    return result


def test_the_pipeline_runs_in_half_precision_on_the_gpu(tiny, backend):
    pipe = backend.pipeline(str(tiny["base"]))
    assert pipe.device.type == "cuda" and pipe.unet.dtype == torch.float16


def test_same_seed_same_bytes_and_loras_swap_on_the_gpu(tiny, backend):
    calls: list[tuple[int, int]] = []
    first = run(backend, request(tiny, lora=tiny["lora_a"]), calls)
    assert first.meta["device"] == "cuda" and "NVIDIA" in first.meta["gpu"]
    assert first.meta["conditioning"] == "inpaint"
    assert calls and calls[-1][0] == calls[-1][1]  # the last step reports the whole
    again = run(backend, request(tiny, lora=tiny["lora_a"]))
    other = run(backend, request(tiny, lora=tiny["lora_b"]))
    back = run(backend, request(tiny, lora=tiny["lora_a"]))
    assert first.png == again.png == back.png
    assert other.png != first.png
    assert run(backend, request(tiny, lora=tiny["lora_a"], seed=4)).png != first.png


def test_cancel_from_the_step_callback_on_the_gpu(tiny, backend):
    with pytest.raises(RenderCancelled):
        backend.render(request(tiny, lora=tiny["lora_a"]), lambda step, total: step < 2)


def test_a_lora_trained_on_the_gpu_renders(tiny, backend, tmp_path):
    photos = []
    for n, (angle, framing, lighting) in enumerate(CAPTURE_SET):
        path = tmp_path / f"{n}.jpg"
        path.write_bytes(draw_capture_photo(look_for(1), angle, framing, lighting, n))
        photos.append(TrainingPhoto(n, path, angle, framing, lighting))
    out = tmp_path / "out"
    out.mkdir()
    result = LoraBackend().train(
        TrainingRequest(
            version_id=1,
            trigger_token="tw1v1",
            base_model=str(tiny["base"]),
            photos=tuple(photos),
            params={"steps": 3, "rank": 2, "resolution": 64, "seed": 7},
            output_dir=out,
        ),
        lambda step, total: True,
    )
    assert result.annotations["device"] == "cuda"
    assert result.weights_path == out / WEIGHTS_NAME and result.weights_path.exists()
    pose = result.annotations["poses"]["front"]  # kept, for the renders to wear the look on
    reference = photos[pose["photo"]].path
    rendered = run(backend, request(tiny, lora=result.weights_path, reference=reference, pose=pose))
    assert rendered.meta["conditioning"] == "inpaint" and rendered.meta["adapter"]
