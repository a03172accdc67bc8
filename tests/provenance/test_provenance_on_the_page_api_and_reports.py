"""Each signed test file, uploaded through the API and analysed by the worker, shows the right provenance
on the result page, in the API's analysis detail and in both reports."""

import io

import pytest
from pypdf import PdfReader

from tests.fixtures import make_model, token_client
from tests.provenance.helpers import patch_model, upload_and_analyse

pytestmark = pytest.mark.django_db

PAGE_WORDS = {"valid": "Valid", "tampered": "Tampered: changed after signing",
              "untrusted": "Signed by an untrusted signer", "none": "No credentials"}
PDF_WORDS = {"valid": "Content Credentials Valid", "tampered": "Tampered (changed after signing)",
             "untrusted": "Signed by an untrusted signer", "none": "No credentials"}


@pytest.fixture
def analysed(user, signed_clips, trusted, monkeypatch):
    make_model(active=True)
    patch_model(monkeypatch)
    client = token_client(user)
    return client, {kind: upload_and_analyse(client, signed_clips[name]) for kind, name in
                    (("valid", "valid"), ("tampered", "tampered"), ("untrusted", "untrusted"), ("none", "unsigned"))}


@pytest.mark.parametrize("kind", ["valid", "tampered", "untrusted", "none"])
def test_page_api_and_reports_agree_on_each_file(client, user, analysed, kind):
    api, analyses = analysed
    analysis = analyses[kind]
    assert analysis.status == "done" and analysis.provenance["credentials"]["status"] == kind
    body = api.get(f"/api/v1/analyses/{analysis.pk}/").json()
    assert body["provenance"]["credentials"]["status"] == kind
    assert body["provenance"]["metadata"]["video"][0]["codec"] == "mpeg4"

    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert f'data-status="{kind}"' in page and PAGE_WORDS[kind] in page and "The file's own metadata" in page
    report = client.get(f"/analyses/{analysis.pk}/report.json").json()
    assert report["provenance"] == body["provenance"]
    pdf = client.get(f"/analyses/{analysis.pk}/report.pdf").content
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Provenance" in text and PDF_WORDS[kind] in text


def test_the_page_names_the_signer_the_tool_and_the_ai_declaration(client, user, analysed):
    analysis = analysed[1]["valid"]
    client.force_login(user)
    page = client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "Test Newsroom Camera" in page and "DeepTrace Test Camera 1.0" in page
    assert "AI-generated (made by a trained model)" in page and "declare this file AI-generated" in page


def test_no_credentials_is_said_to_prove_nothing_everywhere(client, user, analysed):
    api, analyses = analysed
    analysis = analyses["none"]
    client.force_login(user)
    assert "proves nothing" in client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert "proves nothing" in api.get(f"/api/v1/analyses/{analysis.pk}/").json()["provenance"]["credentials"]["summary"]


def test_an_analysis_made_before_provenance_shows_none_and_null(client, user):
    from tests.fixtures import make_done

    analysis = make_done(user)
    client.force_login(user)
    assert 'id="provenance"' not in client.get(f"/analyses/{analysis.pk}/").content.decode()
    assert token_client(user).get(f"/api/v1/analyses/{analysis.pk}/").json()["provenance"] is None
    assert client.get(f"/analyses/{analysis.pk}/report.json").json()["provenance"] is None
