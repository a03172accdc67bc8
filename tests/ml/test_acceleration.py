"""The GPU settings (ml/serving/acceleration.py, FaceDetector's GPU downscale), checked for correctness on the CPU."""

import copy
import os

import numpy as np
import pytest
import torch

from ml.media.faces import FaceDetector
from ml.media.video import sample_frames
from ml.results import AnalyzeOptions
from ml.serving.acceleration import (
    Acceleration,
    accelerate,
    cpu_threads_beside_decoding,
)
from ml.serving.pipeline import analyze


def test_the_cpu_keeps_float32():
    assert Acceleration.for_device("cpu") == Acceleration()  # as before: float32, torch's own threads
    assert cpu_threads_beside_decoding() == max(1, len(os.sched_getaffinity(0)) - 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_gpu_gets_reduced_precision_and_channels_last():
    gpu = Acceleration.for_device("cuda")
    assert gpu.autocast in ("bfloat16", "float16") and gpu.channels_last


def test_bf16_autocast_and_channels_last_keep_the_scores(clips, small_detector, face_detector):
    options = AnalyzeOptions(frames=6)
    plain = analyze(clips["face"], small_detector, options, face_detector=face_detector)
    fast = accelerate(copy.deepcopy(small_detector), Acceleration(autocast="bfloat16", channels_last=True))
    assert fast.autocast_dtype is torch.bfloat16
    result = analyze(clips["face"], fast, options, face_detector=face_detector)
    assert result.verdict == plain.verdict
    assert [f.fake_probability for f in result.frames] == pytest.approx([f.fake_probability for f in plain.frames],
                                                                        abs=0.02)


def test_downscaling_on_the_device_finds_the_same_faces(clips, face_detector):
    frames = [rgb for _, _, rgb in sample_frames(clips["face"], 6)]
    big = [np.ascontiguousarray(np.repeat(np.repeat(f, 3, 0), 3, 1)) for f in frames]  # 960x720: downscaled
    on_device = FaceDetector("cpu", downscale_on_device=True)
    reference, moved = face_detector.detect(big), on_device.detect(big)
    assert [len(d) for d in moved] == [len(d) for d in reference] and all(len(d) == 1 for d in reference)
    for a, b in zip(reference, moved):
        assert np.abs(np.subtract(a[0].box, b[0].box)).max() < 3  # pixels at 960x720
