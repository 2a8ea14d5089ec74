"""Render backends (preview on the CPU; diffusers on GPU workers later), by dotted path."""
