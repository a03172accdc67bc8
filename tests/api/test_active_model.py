"""GET /api/v1/models/active/: which model answers. Public, so clients can show it before login."""

import pytest

from tests.fixtures import error_code, make_model

pytestmark = pytest.mark.django_db
URL = "/api/v1/models/active/"


def test_it_describes_the_active_model_with_its_headline_metrics(api_client):
    make_model(name="old")
    make_model(name="v2", active=True, threshold=0.42,
               metrics={"auc": 0.91, "test": {"eer": 0.12, "curve": [1, 2]}, "note": "text"})
    body = api_client.get(URL).json()
    assert body["name"] == "v2" and body["backbone"] == "resnext50_32x4d" and body["threshold"] == 0.42
    assert body["metrics"] == {"auc": 0.91, "test.eer": 0.12}


def test_it_answers_404_json_when_no_model_is_active(alice):
    response = alice.get(URL)
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert "No model is active" in response.json()["error"]["message"]


def test_it_answers_post_with_405(alice):
    assert alice.post(URL).status_code == 405


CARD = {"evaluation": {"auc": 0.83, "auc_sd": 0.05, "protocol": "5-fold group cross-validation",
                       "data": "ffpp-sample: 157 videos (40 real), 20 identity groups", "videos": 157},
        "provenance": {"trained": True, "backbone_init": "imagenet:/x.pth"}}


def test_it_states_the_measured_quality_from_the_model_card(api_client):
    make_model(name="lite0", active=True, card=CARD)
    body = api_client.get(URL).json()
    assert body["trained"] is True
    assert body["quality"] == CARD["evaluation"]


def test_an_untrained_model_says_so_and_has_no_quality(api_client):
    make_model(name="random", active=True, card={"provenance": {"trained": False, "backbone_init": "random"}})
    body = api_client.get(URL).json()
    assert body["trained"] is False and body["quality"] is None
