import pytest

from ml.decision import verdict_for
from ml.results import AnalyzeOptions
from ml.serving.pipeline import analyze


def test_it_analyses_a_face_clip_end_to_end(clips, small_detector, face_detector):
    stages = []
    result = analyze(clips["face"], small_detector, AnalyzeOptions(frames=6), lambda s, f: stages.append((s, f)),
                     face_detector)
    assert result.verdict in ("real", "fake", "uncertain")
    assert (result.frames_sampled, result.faces_found, len(result.tracks), len(result.frames)) == (6, 6, 1, 6)
    assert 0.5 <= result.confidence <= 1 and 0 <= result.fake_probability <= 1
    assert result.frames[0].crop_jpeg[:2] == b"\xff\xd8"
    assert set(result.timings) == {"probing", "sampling", "detecting", "scoring", "total"}
    assert [s for s, _ in stages if s != "detecting"][:3] == ["probing", "probing", "sampling"]
    assert {s for s, _ in stages} == {"probing", "sampling", "detecting", "scoring"} and stages[-1] == ("scoring", 1.0)


def test_a_clip_without_faces_gets_the_no_face_verdict(clips, small_detector, face_detector):
    result = analyze(clips["no_face"], small_detector, AnalyzeOptions(frames=4), face_detector=face_detector)
    assert (result.verdict, result.confidence, result.fake_probability, result.frames) == ("no_face", 0.0, None, [])


def test_the_most_suspicious_of_two_people_decides(clips, small_detector, face_detector):
    result = analyze(clips["two_faces"], small_detector, AnalyzeOptions(frames=4), face_detector=face_detector)
    assert len(result.tracks) == 2
    assert result.fake_probability == max(t.fake_probability for t in result.tracks)


def test_options_override_the_detectors_threshold(clips, small_detector, face_detector):
    result = analyze(clips["face"], small_detector, AnalyzeOptions(frames=3, threshold=0.0, uncertain_band=0.0),
                     face_detector=face_detector)
    assert result.verdict == "fake"


@pytest.mark.parametrize("p, verdict, confidence", [(0.9, "fake", 0.9), (0.2, "real", 0.8), (0.55, "uncertain", 0.55)])
def test_the_verdict_follows_threshold_and_uncertain_band(p, verdict, confidence):
    assert verdict_for(p, 0.5, 0.1) == (verdict, pytest.approx(confidence))


def test_a_1x1_pixel_video_gets_the_no_face_verdict(tmp_path, small_detector, face_detector):
    from tests.media import make_tiny_clip

    result = analyze(make_tiny_clip(tmp_path / "dot.avi"), small_detector, AnalyzeOptions(frames=10),
                     face_detector=face_detector)
    assert (result.verdict, result.frames_sampled, result.faces_found, result.frames) == ("no_face", 10, 0, [])


@pytest.mark.parametrize("threads, ahead", [(1, True), (None, False)])
def test_frames_are_decoded_on_their_own_thread_only_when_torch_leaves_a_core_for_it(
        threads, ahead, clips, small_detector, face_detector):
    import threading

    import torch

    from ml.serving.acceleration import available_cores

    if available_cores() < 2:
        pytest.skip("one core: never a core to spare")
    seen = set()
    before = torch.get_num_threads()
    torch.set_num_threads(threads or available_cores())
    try:
        analyze(clips["face"], small_detector, AnalyzeOptions(frames=6),
                lambda stage, f: seen.update(t.name for t in threading.enumerate()), face_detector)
    finally:
        torch.set_num_threads(before)
    assert ("prefetch" in seen) is ahead


def test_a_model_that_scores_nan_gives_no_verdict(clips, face_detector):
    """Broken weights (or an overflow in reduced precision) score NaN; NaN compares false with every
    threshold, so it came out as a confident "real" before. Now the analysis fails as an internal error."""
    import torch

    from ml.errors import InvalidScore
    from ml.model import checkpoint
    from ml.model.network import ModelConfig

    broken = checkpoint.random_detector(ModelConfig(lstm_hidden=64))
    with torch.no_grad():
        broken.model.fc.bias.fill_(float("nan"))
    with pytest.raises(InvalidScore, match="NaN"):
        analyze(clips["face"], broken, AnalyzeOptions(frames=4), face_detector=face_detector)


def test_one_videos_nan_leaves_the_others_results_in_a_shared_batch(clips, small_detector, face_detector):
    """The batch path scores several videos' tracks in one LSTM pass; a NaN for one of them used to raise
    for all, so `analyze_many` stopped and lost the rest. Now it stands in for that video alone."""
    from dataclasses import replace

    from ml.errors import InvalidScore
    from ml.serving.pipeline import finish, finish_each, prepare
    from ml.serving.scoring import classify_tracks

    options = AnalyzeOptions(frames=4)
    prepared = [prepare(clips[name], small_detector, options, face_detector=face_detector) for name in ("face", "two_faces")]

    def classify_with_a_nan_for_the_first(videos):
        scored = classify_tracks(videos, small_detector)
        return [[replace(s, fake_probability=float("nan")) for s in scored[0]], *scored[1:]]

    first, second = finish_each(prepared, small_detector, options, classify_with_a_nan_for_the_first)
    assert isinstance(first, InvalidScore) and "NaN" in str(first)
    (alone,) = finish([prepared[1]], small_detector, options)  # the same video scored on its own
    assert (second.verdict, len(second.tracks)) == (alone.verdict, 2)
    assert second.fake_probability == pytest.approx(alone.fake_probability, abs=1e-6)
