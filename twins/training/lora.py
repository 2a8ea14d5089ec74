"""The `lora` backend: fine-tunes a LoRA of a Stable Diffusion base model on the capture photos,
with diffusers and peft, on whatever device torch finds (a GPU worker in production).

Like the `reference` backend, it also picks and annotates each pose's reference photo: the render
backends lay the garments on it (the `diffusers` backend inpaints them there).

Weights come only from local paths (settings.TWIN_BASE_MODEL, or the version's base_model):
nothing is fetched from a hub. The base pipeline stays loaded between jobs of the same worker.
Install it with the `lora` extra: `pip install -e .[lora]`.
"""

from pathlib import Path
from typing import Any

from PIL import Image

from twins.training.base import Cancelled, Param, Progress, TrainingRequest, TrainingResult
from twins.training.reference import reference_annotations

WEIGHTS_NAME = "pytorch_lora_weights.safetensors"


class LoraBackend:
    name = "lora"
    params = {  # the defaults are in train()
        "steps": Param(int, 1, 20_000),
        "rank": Param(int, 1, 128),
        "resolution": Param(int, 64, 2048),  # the side, in pixels
        "seed": Param(int, 0, 2**32 - 1),
        "learning_rate": Param(float, 1e-7, 1e-2),
    }

    def __init__(self) -> None:
        self._pipelines: dict[str, Any] = {}

    def _pipeline(self, base_model: str) -> Any:
        if base_model not in self._pipelines:
            from diffusers import StableDiffusionPipeline

            if not base_model or not Path(base_model).is_dir():
                raise FileNotFoundError(f"No base model at {base_model!r} (a local folder).")
            self._pipelines[base_model] = StableDiffusionPipeline.from_pretrained(
                base_model,
                local_files_only=True,
                safety_checker=None,
                requires_safety_checker=False,
            )
        return self._pipelines[base_model]

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        import torch
        import torch.nn.functional as F
        from diffusers import DDPMScheduler, StableDiffusionPipeline
        from diffusers.utils import convert_state_dict_to_diffusers
        from peft import LoraConfig
        from peft.utils import get_peft_model_state_dict

        params = request.params
        steps = int(params.get("steps", 400))
        rank = int(params.get("rank", 8))
        resolution = int(params.get("resolution", 512))
        torch.manual_seed(int(params.get("seed", 0)))
        device = "cuda" if torch.cuda.is_available() else "cpu"

        pipe = self._pipeline(request.base_model)
        unet, vae, text_encoder, tokenizer = pipe.unet, pipe.vae, pipe.text_encoder, pipe.tokenizer
        for model in (unet, vae, text_encoder):
            model.requires_grad_(False)
            model.to(device)
        unet.add_adapter(
            LoraConfig(
                r=rank,
                lora_alpha=rank,
                init_lora_weights="gaussian",
                target_modules=["to_k", "to_q", "to_v", "to_out.0"],
            )
        )
        try:
            trainable = [p for p in unet.parameters() if p.requires_grad]
            optimiser = torch.optim.AdamW(trainable, lr=float(params.get("learning_rate", 1e-4)))
            noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
            images = [self._tensor(p.path, resolution).to(device) for p in request.photos]
            if not images:
                raise ValueError("No capture photos to train on.")
            prompt = f"a photo of {request.trigger_token} person"
            ids = tokenizer(
                prompt,
                padding="max_length",
                max_length=tokenizer.model_max_length,
                truncation=True,
                return_tensors="pt",
            ).input_ids.to(device)
            with torch.no_grad():
                encoded = text_encoder(ids)[0]
            losses = []
            for step in range(steps):
                with torch.no_grad():
                    latents = vae.encode(images[step % len(images)]).latent_dist.sample()
                    latents = latents * vae.config.scaling_factor
                noise = torch.randn_like(latents)
                timestep = torch.randint(
                    0, noise_scheduler.config.num_train_timesteps, (1,), device=device
                )
                noisy = noise_scheduler.add_noise(latents, noise, timestep)
                loss = F.mse_loss(unet(noisy, timestep, encoded).sample.float(), noise.float())
                loss.backward()
                optimiser.step()
                optimiser.zero_grad()
                losses.append(float(loss.detach()))
                if not progress(step + 1, steps):
                    raise Cancelled()
            layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
            StableDiffusionPipeline.save_lora_weights(
                request.output_dir, unet_lora_layers=layers, safe_serialization=True
            )
        finally:
            unet.delete_adapters("default")  # leave the warm base clean for the next job
        return TrainingResult(
            annotations={
                **reference_annotations(request),  # the photos renders lay the garments on
                "steps": steps,
                "rank": rank,
                "resolution": resolution,
                "final_loss": losses[-1],
                "device": device,
            },
            weights_path=request.output_dir / WEIGHTS_NAME,
        )

    @staticmethod
    def _tensor(path: Path, resolution: int) -> Any:
        import numpy as np
        import torch

        with Image.open(path) as image:
            square = image.convert("RGB").resize((resolution, resolution))
        array = np.asarray(square, dtype=np.float32) / 127.5 - 1.0
        return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0)
