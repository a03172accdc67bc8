"""Twenty-odd kinds of awkward upload, generated here (tests/web/corpus.py), through the upload page.

Each broken file or non-video is refused with its own status and sentence and leaves no row and no
file behind. Each valid but odd video is accepted, stored under a generated name, and analysed by the
real pipeline (run here, not on a worker) to a clear outcome: a verdict, never internal_error.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detector import jobs
from detector.models import Analysis, Video
from tests.web.corpus import make_corpus

pytestmark = pytest.mark.django_db

NOT_A_VIDEO = "This file is not a video we can read"
INCOMPLETE = "The video file is incomplete"
REFUSED = {
    "zero_byte": (400, "The file is empty."),
    "text_renamed": (415, NOT_A_VIDEO),
    "gif_renamed": (415, NOT_A_VIDEO),
    "png_renamed": (415, NOT_A_VIDEO),
    "wrong_extension": (415, "Files ending in .exe are not accepted."),
    "truncated_without_index": (400, INCOMPLETE),
    "polyglot_header": (400, INCOMPLETE),
    "audio_only": (415, "The file holds no video track"),
}
FACE_VERDICTS = ("real", "fake", "uncertain")
ANALYSED = {  # kind: (verdicts it may get, whether fewer frames than the 10 requested are read)
    "one_pixel": (("no_face",), False),
    "single_frame": (FACE_VERDICTS, True),
    "fifth_of_a_second": (FACE_VERDICTS, True),
    "avi_mjpeg": (FACE_VERDICTS, False),
    "path_traversal_name": (FACE_VERDICTS, False),
    "unicode_name": (FACE_VERDICTS, False),
    "mkv": (FACE_VERDICTS, False),
    "rotated": (FACE_VERDICTS, False),
    "variable_frame_rate": (FACE_VERDICTS, True),
    "4k": (FACE_VERDICTS, True),
    "webm_without_duration": (FACE_VERDICTS, False),
    "hevc_10_bit": (FACE_VERDICTS, False),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, user, corpus, kind, frames=10):
    if kind not in corpus:
        pytest.skip(f"this machine's ffmpeg cannot make {kind}")
    path, name = corpus[kind]
    client.force_login(user)
    return client.post("/", {"video": SimpleUploadedFile(name, path.read_bytes()), "frames": frames})


def stored_files(root):
    return [p for p in Path(root).rglob("*") if p.is_file()]


def test_the_corpus_has_at_least_twenty_kinds(corpus):
    assert len(REFUSED) + len(ANALYSED) >= 20
    assert set(corpus) <= set(REFUSED) | set(ANALYSED) | {"truncated_with_index"}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_a_broken_or_disguised_file_is_refused_and_leaves_nothing(client, user, corpus, media_root, kind):
    status, sentence = REFUSED[kind]
    response = upload(client, user, corpus, kind)
    assert response.status_code == status and sentence in response.content.decode()
    assert not Video.objects.exists() and not Analysis.objects.exists() and stored_files(media_root) == []


@pytest.mark.parametrize("frames", [9, 101, "lots"])
def test_frames_out_of_range_are_refused_and_leave_nothing(client, user, corpus, media_root, frames):
    response = upload(client, user, corpus, "avi_mjpeg", frames=frames)
    assert response.status_code == 400 and ("between 10 and 100" in response.content.decode()
                                            or "whole number" in response.content.decode())
    assert not Video.objects.exists() and stored_files(media_root) == []


@pytest.mark.parametrize("kind", sorted(ANALYSED))
def test_an_odd_but_valid_video_is_analysed_to_a_clear_outcome(client, user, corpus, media_root, active_model, kind):
    verdicts, short = ANALYSED[kind]
    response = upload(client, user, corpus, kind)
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == f"/analyses/{analysis.pk}/"
    assert jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    assert (analysis.status, analysis.error_code) == ("done", ""), analysis.error_message
    assert analysis.verdict in verdicts and (analysis.frames_short > 0) == short
    video = analysis.video
    # Shown only, never a path on disk: directories dropped, and the right-to-left override that would
    # display "...4pm.exe.mp4" as "...4pm.mp4.exe" is gone.
    assert video.original_name == Path(corpus[kind][1]).name.replace("\u202e", "")
    assert [p.relative_to(media_root).parts[0] for p in stored_files(media_root) if "crops" not in p.parts] == ["videos"]
    page = client.get(response.url).content.decode()
    verdict = f'<p class="verdict-value model-{analysis.verdict}">{analysis.get_verdict_display()}</p>'
    assert verdict in page  # the verdict it got


def test_a_truncated_video_with_its_index_up_front_is_accepted_and_ends_with_a_sentence(client, user, corpus,
                                                                                      media_root, active_model):
    response = upload(client, user, corpus, "truncated_with_index")
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and jobs.run(analysis.pk) is jobs.Outcome.FINISHED
    analysis.refresh_from_db()
    assert analysis.error_code != "internal_error"
    assert (analysis.status == "done" and analysis.verdict) or (analysis.error_code, analysis.status) == (
        "truncated_video", "failed")
