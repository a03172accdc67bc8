"""Fixtures for the ml tests: one small random detector and one MTCNN, made once per session."""

import pytest

from ml.model.network import ModelConfig


@pytest.fixture(scope="session")
def small_detector():
    """The real ResNeXt-50 backbone with a small LSTM, so scoring stays fast."""
    from ml.model import checkpoint

    return checkpoint.random_detector(ModelConfig(lstm_hidden=64))


@pytest.fixture(scope="session")
def face_detector():
    from ml.serving.pipeline import cached_face_detector

    return cached_face_detector("cpu")
