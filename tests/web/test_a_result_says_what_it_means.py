"""Issue 24, part B, as served: the verdict in plain words, counts that agree, evidence most suspicious
first, a staff review that shows, and progress that never contradicts itself (the status JSON)."""

import re

import pytest
from django.core.files.base import ContentFile

from detector import jobs
from detector.models import Analysis, FrameResult, ModelVersion, Review, Video
from tests.fixtures import make_analysis, tiny_jpeg
from tests.web.helpers import make_review

pytestmark = pytest.mark.django_db


def analysed(owner, p_fake=0.5, verdict="uncertain", scores=None, faces_found=None, tracks=None, model=None):
    """A finished analysis decided with the rule 0.5 ± 0.1, one face scored at `scores` (one a frame)."""
    scores = scores or [p_fake]
    analysis = make_analysis(
        owner, status=Analysis.Status.DONE, verdict=verdict, confidence=max(p_fake, 1 - p_fake),
        fake_probability=p_fake, threshold=0.5, uncertain_band=0.1, progress=100, model_version=model,
        frames_requested=len(scores), frames_analysed=len(scores),
        faces_found=len(scores) if faces_found is None else faces_found,
        tracks=tracks or [{"track": 0, "fake_probability": p_fake, "frames": len(scores)}],
    )
    for i, p in enumerate(scores):
        frame = FrameResult(analysis=analysis, track=0, frame_index=i, timestamp_s=i * 0.1, box=[1, 1, 50, 50],
                            fake_probability=p)
        frame.crop.save(f"0-{i}.jpg", ContentFile(tiny_jpeg()), save=False)
        frame.save()
    return analysis


def page_of(client, user, analysis):
    client.force_login(user)
    return client.get(f"/analyses/{analysis.pk}/").content.decode()


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Finding 1: what the verdict means, how sure, which face, how good the model is.

def test_a_coin_flip_says_it_is_one_and_names_the_face_the_threshold_and_the_models_auc(client, user, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(card={"evaluation": {
        "auc": 0.91, "auc_sd": 0.02, "protocol": "5-fold cross-validation", "data": "FaceForensics++", "videos": 400}})
    active_model.refresh_from_db()
    page = text_of(page_of(client, user, analysed(user, p_fake=0.5, model=active_model)))
    assert "The evidence is inconclusive: the model cannot tell whether face 1 was manipulated." in page
    assert "How sure: close to a coin flip." in page
    assert "Face 1 scores 50% fake, 0 points above the threshold of 50%; scores within 10 points" in page
    assert "measured AUC 0.91 ± 0.02" in page
    assert "Confidence 50%" not in page  # the number that read like a second fake probability


def test_a_fake_verdict_says_which_face_shows_signs_of_manipulation(client, user):
    tracks = [{"track": 0, "fake_probability": 0.2, "frames": 1}, {"track": 1, "fake_probability": 0.95, "frames": 1}]
    page = text_of(page_of(client, user, analysed(user, p_fake=0.95, verdict="fake", tracks=tracks)))
    assert "The model finds signs of manipulation in face 2." in page
    assert "How sure: sure, as far as this model goes." in page and "45 points above the threshold of 50%" in page


def test_the_api_and_the_json_report_say_the_same_words(client, api_client, user):
    analysis = analysed(user, p_fake=0.5)
    api_client.force_authenticate(user)
    body = api_client.get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert body["explanation"]["sureness"] == "Close to a coin flip" and body["explanation"]["face"] == 1
    client.force_login(user)
    report = client.get(f"/analyses/{analysis.pk}/report.json").json()
    assert report["result"]["explanation"] == body["explanation"]


# Finding 2: people and face detections, with honest labels, the same on the page, the API and reports.

def test_counts_say_people_and_face_detections(client, api_client, user):
    analysis = analysed(user, p_fake=0.3, verdict="real", scores=[0.3] * 20, faces_found=21)
    page = text_of(page_of(client, user, analysis))
    assert "Frames read 20" in page and "People (faces followed) 1" in page and "Face detections 21" in page
    assert "Faces found" not in page
    assert "Face 1 — 30% fake, seen in 20 of 20 frames" in page
    api_client.force_authenticate(user)
    body = api_client.get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert (body["people"], body["face_detections"], body["faces_found"]) == (1, 21, 21)
    report = client.get(f"/analyses/{analysis.pk}/report.json").json()["result"]
    assert (report["people"], report["face_detections"]) == (1, 21)


# Finding 3: most suspicious first, the first few shown, the rest behind "Show all"; a thinned timeline.

def test_crops_come_most_suspicious_first_and_the_rest_behind_show_all(client, user):
    scores = [round(0.3 + 0.006 * i, 3) for i in range(100)]  # the last frame is the most suspicious
    page = page_of(client, user, analysed(user, p_fake=0.894, verdict="fake", scores=scores))
    shown, rest = page.split('<details class="evidence-more">')
    first = [float(p) for p in re.findall(r'data-p="([0-9.]+)"', shown)]
    assert first == sorted(scores, reverse=True)[:8]
    assert "<summary>Show all 100 crops of face 1</summary>" in rest
    assert len(re.findall(r'data-p="', rest)) == 92
    marks = re.findall(r'class="timeline-mark ([a-z]+)', page)
    assert 10 <= len(marks) <= 30 and marks[-1] == "fake"  # grouped, each coloured by its worst score


# Finding 4: a staff review colours the verdict, on the result page and in history.

def test_a_staff_decision_colours_the_result_and_shows_in_history(client, user, staff_user):
    analysis = analysed(user, p_fake=0.5)
    make_review(analysis, staff_user, Review.Decision.CONFIRMED_FAKE)
    page = page_of(client, user, analysis)
    assert 'class="verdict verdict-fake verdict-reviewed"' in page
    assert "judged it fake: their decision stands over the model" in page
    history = client.get("/analyses/").content.decode()
    assert '<span class="badge verdict-fake"' in history and "Fake · reviewed by staff" in history
    assert "Uncertain · 50%" not in history


# Finding 6: one update gives label, percentage and time left; a cold worker says it loads the model.

def test_the_status_json_never_pairs_an_old_label_with_a_new_percentage(client, user):
    client.force_login(user)
    queued = make_analysis(user, status=Analysis.Status.QUEUED, progress=11)
    data = client.get(f"/analyses/{queued.pk}/status.json").json()
    assert (data["label"], data["progress"]) == ("Queued", 0)
    done = make_analysis(user, status=Analysis.Status.DONE, progress=72)
    data = client.get(f"/analyses/{done.pk}/status.json").json()
    assert (data["label"], data["progress"]) == ("Done", 100)


def test_a_time_estimate_shows_once_the_workers_speed_is_known(client, user):
    client.force_login(user)
    running = make_analysis(user, status=Analysis.Status.RUNNING, stage="scoring", progress=80)
    assert client.get(f"/analyses/{running.pk}/status.json").json()["eta"] == ""
    Analysis.objects.filter(pk=running.pk).update(expected_seconds=50)
    data = client.get(f"/analyses/{running.pk}/status.json").json()
    assert (data["seconds_left"], data["eta"]) == (10, "About 10 s left")
    assert "About 10 s left" in page_of(client, user, running)


def test_a_cold_worker_reports_loading_the_model_then_knows_its_speed(user, active_model, clips):
    from detector import inference

    inference._loaded.clear()
    inference._speed.clear()
    stages = []
    first = make_analysis(user, frames_requested=4)
    Video.objects.filter(pk=first.video_id).update(file=str(clips["face"]))
    options = inference.options_for(first, active_model)
    inference.run_pipeline(str(clips["face"]), active_model, options, lambda stage, f: stages.append(stage))
    assert stages[0] == "loading" and "scoring" in stages
    assert inference.expected_seconds(active_model, 10) > 0
    stages.clear()
    inference.run_pipeline(str(clips["face"]), active_model, options, lambda stage, f: stages.append(stage))
    assert "loading" not in stages  # loaded once per process


def test_the_loading_stage_takes_its_place_on_the_bar(user):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING)
    write = jobs.progress_writer(analysis.pk)
    write("provenance", 1.0)
    write("loading", 0.0)
    analysis.refresh_from_db()
    assert (analysis.stage, analysis.progress) == ("loading", 2)
    write("probing", 0.5)
    analysis.refresh_from_db()
    assert analysis.stage == "probing"


# Part A's leftovers: a link video not downloaded yet has no player; a failed download offers Retry.

def test_a_link_video_not_yet_downloaded_has_no_player_and_a_failed_one_can_be_retried(client, user, active_model):
    analysis = make_analysis(user, status=Analysis.Status.RUNNING, stage="downloading", progress=3)
    Video.objects.filter(pk=analysis.video_id).update(file="", sha256="", source_url="https://example.com/a.mp4")
    page = page_of(client, user, analysis)
    assert "<video" not in page and "fetched from its link" in page and "Running: Downloading the video" in page
    Analysis.objects.filter(pk=analysis.pk).update(status=Analysis.Status.FAILED, error_code="download_failed",
                                                   error_message="The link did not answer.")
    page = page_of(client, user, analysis)
    assert "<video" not in page and f'action="/analyses/{analysis.pk}/retry/"' in page
    client.post(f"/analyses/{analysis.pk}/retry/")
    analysis.refresh_from_db()
    assert analysis.status == Analysis.Status.QUEUED
