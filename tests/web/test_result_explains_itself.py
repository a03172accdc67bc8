"""The result page carries the video, says how far to trust the model, and when frames were short."""

import pytest

from detector.models import Analysis, ModelVersion
from tests.web.helpers import make_done_analysis

pytestmark = pytest.mark.django_db


def page_of(client, user, analysis):
    client.force_login(user)
    return client.get(f"/analyses/{analysis.pk}/").content.decode()


def test_the_owner_gets_an_inline_player_and_a_timeline_of_the_scored_moments(client, user, active_model):
    analysis = make_done_analysis(user, active_model)
    page = page_of(client, user, analysis)
    assert f'<video id="player"' in page and f'src="/media/videos/{analysis.video_id}"' in page
    assert page.count('class="timeline-mark') == 3 and 'data-seek="0.5"' in page


def test_an_untrained_model_is_flagged_in_plain_words(client, user, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(card={"provenance": {"trained": False}})
    page = page_of(client, user, make_done_analysis(user, active_model))
    assert "This model was never trained: its verdicts are meaningless." in page


def test_a_model_without_a_measurement_says_so(client, user, active_model):
    assert "This model's accuracy has not been measured." in page_of(client, user, make_done_analysis(user, active_model))


def test_fewer_frames_than_requested_are_said(client, user, active_model):
    analysis = make_done_analysis(user, active_model)
    Analysis.objects.filter(pk=analysis.pk).update(frames_requested=20)
    assert "Analysed 3 of 20 requested frames" in page_of(client, user, analysis)
    Analysis.objects.filter(pk=analysis.pk).update(frames_requested=3)
    assert "requested frames" not in page_of(client, user, analysis)
