"""A tiny Stable Diffusion pipeline with random weights, built here from small configs and
saved to a folder: a base model for the lora backend that needs no download (HF_HUB_OFFLINE)."""

import json
from pathlib import Path
from typing import Any


def _byte_characters() -> list[str]:
    """The 256 printable characters byte-level BPE uses for the bytes (GPT-2's mapping)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def _tokenizer_files(folder: Path) -> None:
    """A CLIP BPE vocabulary from the 256 byte characters (with and without </w>), a few
    merges and the start/end tokens."""
    chars = _byte_characters()
    merges = [("a", "b"), ("t", "w"), ("ab", "c")]
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for token in chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]:
        vocab.setdefault(token, len(vocab))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges))
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "model_max_length": 77,
                "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>",
                "pad_token": "<|endoftext|>",
                "unk_token": "<|endoftext|>",
                "tokenizer_class": "CLIPTokenizer",
            }
        )
    )


def build_tiny_sd(folder: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=8,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16,
        norm_num_groups=4,
        attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=4,
    )
    _tokenizer_files(folder / "tok")
    tokenizer = CLIPTokenizer.from_pretrained(folder / "tok")
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
        )
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        # steps_offset=1, as real SD 1.x configs have it (0 is deprecated and warns).
        scheduler=DDIMScheduler(num_train_timesteps=100, clip_sample=False, steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    base = folder / "base"
    pipe.save_pretrained(base)
    return base


def build_tiny_lora(base: Path, folder: Path, seed: int) -> Path:
    """A LoRA for the tiny base made with peft, its B matrices perturbed so it changes the
    output (a freshly initialised LoRA is a no-op); saved the way the lora trainer saves one."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(base / "unet", local_files_only=True)
    unet.add_adapter(
        LoraConfig(r=4, lora_alpha=4, target_modules=["to_k", "to_q", "to_v", "to_out.0"])
    )
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in unet.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    folder.mkdir(parents=True, exist_ok=True)
    StableDiffusionPipeline.save_lora_weights(
        folder,
        unet_lora_layers=convert_state_dict_to_diffusers(get_peft_model_state_dict(unet)),
        safe_serialization=True,
    )
    return folder / "pytorch_lora_weights.safetensors"


def tiny_render_kit(folder: Path, cutout: bytes) -> dict[str, Any]:
    """What the render backend tests use: the tiny base, two LoRAs, a drawn reference photo from
    the front with its annotations, and the cut-out of a top."""
    from twins.demo import draw_capture_photo, look_for
    from twins.training.base import TrainingPhoto
    from twins.training.reference import annotate

    base = build_tiny_sd(folder)
    reference = folder / "front.jpg"
    reference.write_bytes(draw_capture_photo(look_for(1), "front", "full_body", "studio", 0))
    (folder / "top.png").write_bytes(cutout)
    return {
        "base": base,
        "lora_a": build_tiny_lora(base, folder / "lora-a", seed=1),
        "lora_b": build_tiny_lora(base, folder / "lora-b", seed=2),
        "reference": reference,
        "pose": annotate(TrainingPhoto(1, reference, "front", "full_body", "studio")),
        "cutout": folder / "top.png",
    }
