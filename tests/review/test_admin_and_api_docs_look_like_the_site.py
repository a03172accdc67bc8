"""The admin and the API reference carry the site's name, colours and a way back; the review queue's
filters offer only verdicts that reach it and the models that decided them, with no empty entry."""

import pytest

from tests.fixtures import make_done, make_model

pytestmark = pytest.mark.django_db
QUEUE = "/admin/detector/flaggedanalysis/"


def test_the_admin_wears_the_site_name_and_leads_back_to_it(staff_client):
    page = staff_client.get("/admin/").content.decode()
    assert "Django administration" not in page and "Django site admin" not in page
    assert "<title>Reviews, models and accounts | DeepTrace staff</title>" in page
    assert 'class="deeptrace-brand">Deep<span>Trace</span>' in page
    assert '<a class="back-to-site" href="/">← Back to the site</a>' in page
    assert "/static/css/admin.css" in page and "/static/favicon.svg" in page


def test_the_admin_log_in_page_is_the_sites_too(client):
    page = client.get("/admin/login/").content.decode()
    assert "DeepTrace staff" in page and "Django administration" not in page


def test_the_api_reference_wears_the_site_name_and_leads_back(client):
    page = client.get("/api/docs/").content.decode()
    assert "<title>DeepTrace API · DeepTrace</title>" in page
    assert '<a class="deeptrace-back" href="/">← Back to the site</a>' in page
    assert "/static/css/api_docs.css" in page and "/static/favicon.svg" in page


def test_the_queue_filters_offer_only_flagged_verdicts_and_real_model_names(staff_client, user):
    decided = make_model(name="v-queue")
    make_done(user, verdict="fake", p_fake=0.97, model_version=decided)
    make_done(user, verdict="uncertain", p_fake=0.52, model_version=None)  # its model was removed
    make_done(user, verdict="real", p_fake=0.1, model_version=make_model(name="v-only-real"))
    page = staff_client.get(QUEUE).content.decode()
    assert "?verdict__exact=fake" in page and "?verdict__exact=uncertain" in page
    assert "verdict__exact=real" not in page and "verdict__exact=no_face" not in page and "No face found" not in page
    assert f"?model_version__id__exact={decided.pk}" in page and "v-only-real" not in page
    assert "model_version__isnull" not in page
    assert len(staff_client.get(QUEUE, {"verdict__exact": "fake"}).context["cl"].result_list) == 1


def test_a_long_name_is_one_line_in_the_queue_with_the_whole_name_as_its_title(staff_client, user):
    name = "holiday-recording-from-the-family-reunion-in-the-garden-2026-final-version-2.mp4"
    analysis = make_done(user, verdict="fake")
    analysis.video.original_name = name
    analysis.video.save()
    page = staff_client.get(QUEUE).content.decode()
    assert f'<span class="video-name" title="{name}">{name}</span>' in page
    assert "text-overflow: ellipsis" in page
