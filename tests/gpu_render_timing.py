"""How long one render takes with the diffusers backend on a CUDA GPU at the studio's defaults (30
steps, generated at a long side of 768, half precision, a LoRA), for a 4:5 shot of 1024×1280: the
figure behind RENDER_ESTIMATE_SECONDS["diffusers"].

The weights are random, in Stable Diffusion 1.5's shapes (an inpainting UNet): the compute does
not depend on their values, and no real weights can be fetched here. The reference photo and its
annotations are made beforehand (OpenCV), so the GPU host needs neither the database nor OpenCV:

    python -m tests.gpu_render_timing kit DIR      # here: front.jpg, pose.json, top.png
    python -m tests.gpu_render_timing time DIR     # on the GPU host
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"


def make_kit(folder: Path) -> None:
    from PIL import Image, ImageDraw

    from twins.demo import draw_capture_photo, look_for
    from twins.training.base import TrainingPhoto
    from twins.training.reference import annotate

    folder.mkdir(parents=True, exist_ok=True)
    reference = folder / "front.jpg"
    reference.write_bytes(draw_capture_photo(look_for(1), "front", "full_body", "studio", 0))
    pose = annotate(TrainingPhoto(1, reference, "front", "full_body", "studio"))
    (folder / "pose.json").write_text(json.dumps(pose))
    top = Image.new("RGBA", (600, 700), (0, 0, 0, 0))
    ImageDraw.Draw(top).rectangle((100, 20, 500, 680), fill=(30, 160, 60, 255))
    top.save(folder / "top.png")


def build_sd15_shaped(folder: Path) -> Path:
    """Random weights in Stable Diffusion 1.5 inpainting's shapes, saved as a local base."""
    import torch
    from diffusers import (
        AutoencoderKL,
        PNDMScheduler,
        StableDiffusionInpaintPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from tests.tiny_sd import _tokenizer_files

    torch.manual_seed(0)
    _tokenizer_files(folder / "tok")
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tok")
    pipe = StableDiffusionInpaintPipeline(
        unet=UNet2DConditionModel(
            sample_size=64, in_channels=9, cross_attention_dim=768, attention_head_dim=8
        ),
        vae=AutoencoderKL(
            block_out_channels=(128, 256, 512, 512),
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            layers_per_block=2,
            latent_channels=4,
        ),
        text_encoder=CLIPTextModel(
            CLIPTextConfig(
                bos_token_id=0,
                eos_token_id=1,
                pad_token_id=1,
                vocab_size=len(tokenizer),
                hidden_size=768,
                intermediate_size=3072,
                num_attention_heads=12,
                num_hidden_layers=12,
            )
        ),
        tokenizer=tokenizer,
        scheduler=PNDMScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            skip_prk_steps=True,
            steps_offset=1,
        ),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    base = folder / "base"
    pipe.save_pretrained(base)
    return base


def time_renders(kit: Path, renders: int = 5) -> None:
    import torch

    from campaigns.rendering.base import GarmentLayer, RenderRequest, Scene
    from campaigns.rendering.diffusers import DiffusersBackend
    from tests.tiny_sd import build_tiny_lora

    work = Path(tempfile.mkdtemp(prefix="sd15-shaped-"))
    started = time.perf_counter()
    base = build_sd15_shaped(work)
    lora = build_tiny_lora(base, work / "lora", seed=1)
    print(f"random SD 1.5-shaped base and a LoRA built in {time.perf_counter() - started:.0f} s")
    backend = DiffusersBackend()
    started = time.perf_counter()
    backend.pipeline(str(base))
    print(
        f"pipeline loaded (half precision, {torch.cuda.get_device_name()}) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    def request(seed: int) -> RenderRequest:
        return RenderRequest(
            seed=seed,
            width=1024,
            height=1280,
            reference=kit / "front.jpg",
            pose=json.loads((kit / "pose.json").read_text()),
            garments=(GarmentLayer("top", 30, kit / "top.png"),),
            scene=Scene("colour", "#e8e4dc"),
            lora=lora,
            trigger_token="tw1v1",
            base_model=str(base),
            description="a green top",
        )

    backend.render(request(0), lambda step, total: True)  # warm: LoRA loaded, kernels chosen
    times, meta = [], {}
    for seed in range(1, renders + 1):
        torch.cuda.synchronize()
        started = time.perf_counter()
        result = backend.render(request(seed), lambda step, total: True)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
        meta = dict(result.meta)
    print(
        f"render 1024×1280 at {meta['steps']} steps, generated at {meta['generated_at']}: "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {renders}; "
        f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB"
    )


if __name__ == "__main__":
    verb, folder = sys.argv[1], Path(sys.argv[2])
    make_kit(folder) if verb == "kit" else time_renders(folder)
