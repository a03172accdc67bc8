"""Every refusal stays in its caller's contract: the API answers its JSON error shape even for what
Django refuses while the body is read (too many fields, too many files), a form posted without
JavaScript over the size limit gets the upload page again with the sentence, the schema lists the 401
that `models/active/` answers to a bad token, and file types are decided by content, not by name."""

import html
import io

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from deepfake_site.request_size import max_request_bytes
from detector.models import Video

pytestmark = pytest.mark.django_db


def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (128, 128, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def video(clips, name="face.mp4"):
    return SimpleUploadedFile(name, clips["face"].read_bytes(), content_type="application/octet-stream")


def assert_json_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]


def test_a_thousand_extra_fields_get_the_json_error(alice, clips):
    fields = {f"extra{i}": "x" for i in range(1000)}
    response = alice.post("/api/v1/analyses/", {"video": video(clips), **fields}, format="multipart")
    assert_json_error(response, 400, "too_many_fields")
    assert not Video.objects.exists()


def test_three_files_get_the_json_error(alice, clips):
    files = {"video": video(clips), "second": video(clips, "b.mp4"), "third": video(clips, "c.mp4")}
    response = alice.post("/api/v1/analyses/", files, format="multipart")
    assert_json_error(response, 400, "too_many_files")
    assert not Video.objects.exists()


def test_a_second_file_is_refused_not_dropped_unanalysed(alice, clips):
    # With the limit at 2, the second file was accepted and silently ignored: the user thought both
    # had been analysed.
    files = {"video": video(clips), "second": video(clips, "b.mp4")}
    response = alice.post("/api/v1/analyses/", files, format="multipart")
    assert_json_error(response, 400, "too_many_files")
    assert "one video at a time" in response.json()["error"]["message"]
    assert not Video.objects.exists()


def test_form_fields_over_the_memory_limit_get_the_json_error(alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = alice.post("/api/v1/analyses/", {"webhook_url": "x" * 5000}, format="multipart")
    assert_json_error(response, 413, "request_too_large")


def oversized_body(clips):
    """A multipart upload one byte over what the size limit lets through."""
    def body(padding):
        return encode_multipart(BOUNDARY, {"video": video(clips), "frames": "20", "note": "x" * padding})
    return body(max_request_bytes() + 1 - len(body(0)))


def test_a_form_over_the_size_limit_without_javascript_gets_the_upload_page(user, clips, settings):
    settings.DEEPTRACE_MAX_UPLOAD_MB = 0.01
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.generic("POST", "/", oversized_body(clips), content_type=MULTIPART_CONTENT)
    page = html.unescape(response.content.decode())
    assert response.status_code == 413 and response["Content-Type"].startswith("text/html")
    assert "The file is larger than the 0.01 MB limit." in page and 'id="upload-form"' in page
    assert not Video.objects.exists()


@pytest.mark.parametrize("headers", [{"HTTP_ACCEPT": "application/json"}, {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}])
def test_the_upload_script_and_the_api_still_get_json_over_the_limit(user, clips, settings, headers, alice):
    settings.DEEPTRACE_MAX_UPLOAD_MB = 0.01
    browser = Client()
    browser.force_login(user)
    assert_json_error(browser.generic("POST", "/", oversized_body(clips), content_type=MULTIPART_CONTENT, **headers),
                      413, "file_too_large")
    assert_json_error(alice.generic("POST", "/api/v1/analyses/", oversized_body(clips), content_type=MULTIPART_CONTENT),
                      413, "file_too_large")


def test_models_active_answers_401_to_a_bad_token_and_the_schema_says_so(api_client, client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert_json_error(api_client.get("/api/v1/models/active/"), 401, "authentication_failed")
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "401" in schema["paths"]["/api/v1/models/active/"]["get"]["responses"]
    assert "content, not its name" in schema["paths"]["/api/v1/analyses/"]["post"]["description"]


@pytest.mark.parametrize("name", ["clip.png", "clip", "clip.txt", "CLIP.MP4"])
def test_a_valid_video_is_accepted_whatever_its_name(alice, clips, name):
    response = alice.post("/api/v1/analyses/", {"video": video(clips, name)}, format="multipart")
    assert response.status_code == 202, response.content
    assert Video.objects.get().original_name == name


def test_a_valid_video_named_png_is_accepted_by_the_page_too(client, user, clips):
    client.force_login(user)
    response = client.post("/", {"video": video(clips, "clip.png"), "frames": 10})
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["still.mp4", "still"])
def test_a_picture_is_refused_whatever_its_name(alice, name):
    picture = SimpleUploadedFile(name, png_bytes(), content_type="video/mp4")
    assert_json_error(alice.post("/api/v1/analyses/", {"video": picture}, format="multipart"),
                      415, "unsupported_media_type")


def test_a_video_named_like_a_program_is_still_refused(alice, clips):
    response = alice.post("/api/v1/analyses/", {"video": video(clips, "clip.exe")}, format="multipart")
    assert_json_error(response, 415, "unsupported_media_type")
    assert response.json()["error"]["message"].startswith("Files ending in .exe are not accepted.")
