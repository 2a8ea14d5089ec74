"""Backends for tests of the training machinery (configured by name in the tests)."""

import time

from twins.training.base import Cancelled, Progress, TrainingRequest, TrainingResult


class SlowBackend:
    """Forty half-second steps: long enough to be cancelled, or killed, mid-way."""

    name = "slow"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        for step in range(1, 41):
            time.sleep(0.5)
            if not progress(step, 40):
                raise Cancelled()
        weights = request.output_dir / "weights.bin"
        weights.write_bytes(b"slow" * 256)
        return TrainingResult(annotations={"steps": 40}, weights_path=weights)


class FailingBackend:
    name = "failing"

    def train(self, request: TrainingRequest, progress: Progress) -> TrainingResult:
        progress(1, 3)
        raise RuntimeError("out of GPU memory")
