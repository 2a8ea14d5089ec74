"""The GPU a worker announces: its own, where a host runs a worker per GPU. No GPU here, so a
stand-in nvidia-smi answers as the real one does for the query the worker makes."""

import pytest

from campaigns.workers import gpu_info

# nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits prints a line per
# device; with -i <index> that device's alone, and for an index it does not have it prints "No
# devices were found" and exits with 6.
NVIDIA_SMI = """#!/bin/sh
H100="NVIDIA H100 80GB HBM3, 81559"
L40S="NVIDIA L40S, 46068"
if [ "$1" != "-i" ]; then echo "$H100"; echo "$L40S"; exit 0; fi
case "$2" in
  0) echo "$H100" ;;
  1) echo "$L40S" ;;
  *) echo "No devices were found"; exit 6 ;;
esac
"""


@pytest.fixture
def two_gpus(tmp_path, monkeypatch):
    smi = tmp_path / "nvidia-smi"
    smi.write_text(NVIDIA_SMI)
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


@pytest.mark.defaults
@pytest.mark.parametrize(
    ("visible", "gpu"),
    [
        (None, ("NVIDIA H100 80GB HBM3", 81559)),  # the host's first
        ("1", ("NVIDIA L40S", 46068)),
        ("1,0", ("NVIDIA L40S", 46068)),  # the first it may use
        ("", ("", None)),  # none visible to this worker
        ("-1", ("", None)),
        ("7", ("", None)),  # no such device
    ],
)
def test_a_worker_announces_the_gpu_it_may_use(two_gpus, monkeypatch, visible, gpu):
    if visible is not None:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    assert gpu_info() == gpu


@pytest.mark.defaults
def test_a_host_without_nvidia_smi_has_no_gpu(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_info() == ("", None)
