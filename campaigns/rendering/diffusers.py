"""The `diffusers` backend, for GPU workers: a Stable Diffusion base pipeline with the twin
version's LoRA, conditioned on the garments by inpainting.

The preview compositor first lays the look's garment cut-outs on the twin's reference photo in
the scene; the garment region (where that composite differs from the bare figure) is then
repainted by the base model with the twin's LoRA, so the garments are worn rather than pasted,
and the rest of the picture keeps the twin's reference. A written (prompt) scene has its
backdrop repainted too, around the person. Without a reference photo for the pose the whole
frame is generated from the prompt.

The pipeline is loaded once per worker and kept warm; LoRAs are loaded once each and swapped per
job by adapter name (the least recently used is dropped past ``MAX_ADAPTERS``). Weights come
from local paths only, never a hub. Progress and cancel go through the step callback; a
cancelled run's image is discarded. Install with the `gpu` extra (`pip install -e .[gpu]`).
"""

import hashlib
import io
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from campaigns.rendering.base import (
    Progress,
    RenderCancelled,
    RenderRequest,
    RenderResult,
    VersionInfo,
)
from campaigns.rendering.preview import PreviewBackend, backdrop

MAX_ADAPTERS = 8
# Base pipelines kept warm per worker: one, or two while versions trained on an older base are
# still rendered; past that the least recently used is dropped (a GPU holds only so many).
MAX_PIPELINES = 2


def _generation_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The format's aspect at ``long_side``, each side a multiple of 8."""
    scale = long_side / max(width, height)
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


class DiffusersBackend:
    name = "diffusers"
    scene_kinds = frozenset({"colour", "image", "prompt"})

    def __init__(self) -> None:
        self._pipelines: OrderedDict[str, Any] = OrderedDict()
        self._adapters: dict[str, OrderedDict[str, str]] = {}
        self._preview = PreviewBackend()

    def missing(self, version: VersionInfo, angle: str) -> str:
        if not version.weights_uri:
            return "The twin version has no LoRA weights: train a version with the lora backend."
        if angle not in (version.annotations.get("poses") or {}):  # the look is inpainted on it
            return f"The twin version has no reference photo from the {angle.replace('_', ' ')}."
        return ""

    # --- warm state -------------------------------------------------------------------------------
    def pipeline(self, base_model: str) -> Any:
        if base_model not in self._pipelines:
            import torch
            from diffusers import StableDiffusionInpaintPipeline

            if not base_model or not Path(base_model).is_dir():
                raise FileNotFoundError(f"No base model at {base_model!r} (a local folder).")
            cuda = torch.cuda.is_available()
            pipe = StableDiffusionInpaintPipeline.from_pretrained(
                base_model,
                local_files_only=True,
                safety_checker=None,
                requires_safety_checker=False,
                dtype=torch.float16 if cuda else torch.float32,
            )
            pipe.set_progress_bar_config(disable=True)
            self._pipelines[base_model] = pipe.to("cuda" if cuda else "cpu")
            self._adapters[base_model] = OrderedDict()
            while len(self._pipelines) > MAX_PIPELINES:
                dropped = self._pipelines.popitem(last=False)[0]  # holding no reference to it
                del self._adapters[dropped]
                if cuda:
                    torch.cuda.empty_cache()
        self._pipelines.move_to_end(base_model)
        return self._pipelines[base_model]

    def use_lora(self, base_model: str, lora: Path | None) -> str:
        """Make ``lora`` the one active adapter of the warm pipeline; returns its name."""
        pipe, loaded = self.pipeline(base_model), self._adapters[base_model]
        if lora is None:
            if loaded:
                pipe.disable_lora()
            return ""
        key = hashlib.sha256(str(lora).encode()).hexdigest()[:16]
        if key not in loaded:
            name = f"twin_{key}"
            pipe.load_lora_weights(str(lora.parent), weight_name=lora.name, adapter_name=name)
            loaded[key] = name
            while len(loaded) > MAX_ADAPTERS:
                pipe.delete_adapters(loaded.popitem(last=False)[1])
        loaded.move_to_end(key)
        pipe.enable_lora()
        pipe.set_adapters([loaded[key]])
        return loaded[key]

    # --- conditioning -----------------------------------------------------------------------------
    def _conditioning(self, request: RenderRequest) -> tuple[Image.Image, Image.Image]:
        """The init image and the mask of what to repaint (white)."""
        size = (request.width, request.height)
        if request.reference is None or not request.pose:
            return backdrop(request), Image.new("L", size, 255)

        def composite(garments: tuple[Any, ...]) -> Image.Image:
            bare = RenderRequest(**{**request.__dict__, "garments": garments})
            png = self._preview.render(bare, lambda step, total: True).png
            return Image.open(io.BytesIO(png)).convert("RGB")

        def differs(a: Image.Image, b: Image.Image) -> np.ndarray:
            both = np.asarray(a, dtype=np.int16), np.asarray(b, dtype=np.int16)
            return np.abs(both[0] - both[1]).max(axis=2) > 12

        dressed, figure = composite(request.garments), composite(())
        repaint = differs(dressed, figure)  # the garments
        if request.scene.kind == "prompt":  # a written scene: its backdrop is painted too
            repaint |= ~differs(figure, backdrop(request))
        if not repaint.any():
            return dressed, Image.new("L", size, 0)
        mask = Image.fromarray((repaint * 255).astype(np.uint8))
        return dressed, mask.filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.GaussianBlur(4))

    def _prompt(self, request: RenderRequest) -> str:
        parts = [f"a photo of {request.trigger_token or 'a'} person"]
        if request.description:
            parts.append(f"wearing {request.description}")
        if request.scene.kind == "prompt":
            parts.append(request.scene.value)
        parts.append(str(request.params.get("style", "fashion editorial, full body, sharp focus")))
        return ", ".join(parts)

    @staticmethod
    def _long_prompt_embeds(pipe: Any, prompt: str, negative: str) -> dict[str, Any]:
        """Embeddings that read all of a prompt longer than CLIP's window, else nothing (the
        pipeline encodes a short one itself). CLIP reads ``model_max_length`` tokens, its start
        and end among them, and the pipeline would cut the rest; so the prompt is read in windows
        of that many, whose embeddings are joined (cross-attention takes any length). The
        negative prompt gets as many windows, empty ones at its end."""
        import torch

        tokenizer, encoder = pipe.tokenizer, pipe.text_encoder
        size = tokenizer.model_max_length - 2

        def windows(text: str) -> list[list[int]]:
            ids = tokenizer(text, truncation=False, add_special_tokens=False, verbose=False)
            return [ids.input_ids[i : i + size] for i in range(0, len(ids.input_ids), size)]

        said, unwanted = windows(prompt), windows(negative)
        count = max(len(said), len(unwanted))
        if count <= 1:
            return {}

        def encode(chunks: list[list[int]]) -> Any:
            pad = (
                tokenizer.pad_token_id
                if tokenizer.pad_token_id is not None
                else tokenizer.eos_token_id
            )
            rows = [
                [tokenizer.bos_token_id, *chunk, tokenizer.eos_token_id]
                + [pad] * (size - len(chunk))
                for chunk in chunks + [[]] * (count - len(chunks))
            ]
            with torch.no_grad():
                hidden = encoder(torch.tensor(rows, device=encoder.device))[0]
            return hidden.reshape(1, -1, hidden.shape[-1]).to(encoder.dtype)

        return {"prompt_embeds": encode(said), "negative_prompt_embeds": encode(unwanted)}

    # --- rendering --------------------------------------------------------------------------------
    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        import torch

        base_model = str(request.params.get("base_model") or request.base_model)
        pipe = self.pipeline(base_model)
        adapter = self.use_lora(base_model, request.lora)
        params = request.params
        steps = int(params.get("steps", 30))
        strength = float(params.get("strength", 0.85))
        gen_w, gen_h = _generation_size(
            request.width, request.height, int(params.get("long_side", 768))
        )
        init, mask = self._conditioning(request)
        prompt = self._prompt(request)
        stopped = False

        def on_step(pipeline: Any, step: int, timestep: Any, kwargs: dict[str, Any]) -> Any:
            nonlocal stopped
            if not progress(step + 1, pipeline.num_timesteps):
                stopped = True
                pipeline._interrupt = True  # skips the remaining steps (the image is discarded)
            return kwargs

        negative = str(params.get("negative_prompt", "deformed, blurry, watermark"))
        embeds = self._long_prompt_embeds(pipe, prompt, negative)
        output = pipe(
            **(embeds or {"prompt": prompt, "negative_prompt": negative}),
            image=init.resize((gen_w, gen_h), Image.Resampling.LANCZOS),
            mask_image=mask.resize((gen_w, gen_h), Image.Resampling.BILINEAR),
            width=gen_w,
            height=gen_h,
            strength=strength,
            num_inference_steps=steps,
            guidance_scale=float(params.get("guidance_scale", 6.5)),
            generator=torch.Generator("cpu").manual_seed(request.seed),
            callback_on_step_end=on_step,
        )
        if stopped:
            raise RenderCancelled()
        image = output.images[0].resize((request.width, request.height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG", compress_level=1)
        cuda = pipe.device.type == "cuda"
        return RenderResult(
            png=out.getvalue(),
            width=request.width,
            height=request.height,
            meta={
                "backend": self.name,
                "seed": request.seed,
                "steps": steps,
                "strength": strength,
                "generated_at": [gen_w, gen_h],
                "adapter": adapter,
                # inpainted on the twin's reference photo for the pose, or generated whole
                "conditioning": "inpaint" if request.reference and request.pose else "generate",
                "device": pipe.device.type,
                "gpu": torch.cuda.get_device_name(pipe.device) if cuda else "",
                "prompt": prompt,
            },
        )
