"""A request whose Content-Length is over the upload limit is answered 413 before its body is read;
one within it (a file at the limit and its multipart envelope) reaches the view."""

import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from deepfake_site.request_size import max_request_bytes
from detector.models import Analysis, Video
from tests.fixtures import error_code, token_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_huge_declared_body_gets_413_without_sending_it(live_server, settings):
    settings.DEEPTRACE_MAX_UPLOAD_MB = 1
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Declares 3 GB and sends none of it: an answer proves nothing waited for the body.
        sock.sendall(b"POST /api/v1/analyses/ HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 3000000000\r\n\r\n")
        answer = b""
        while b"file_too_large" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413") and "file_too_large" in answer


def multipart_of_length(path, length):
    """An upload of the file at `path`, padded with a form field to exactly `length` bytes."""
    def body(padding):
        video = SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/mp4")
        return encode_multipart(BOUNDARY, {"video": video, "note": "x" * padding})
    return body(length - len(body(0)))


def test_a_body_at_the_limit_reaches_the_view_and_one_byte_more_does_not(user, clips, settings):
    # The file itself is exactly at the upload limit, which the view accepts; the rest of the
    # request is the envelope (and padding) the size limit leaves room for.
    settings.DEEPTRACE_MAX_UPLOAD_MB = clips["face"].stat().st_size / (1024 * 1024)
    api = token_client(user)

    def upload(length):
        body = multipart_of_length(clips["face"], length)
        assert len(body) == length
        return api.generic("POST", "/api/v1/analyses/", body, content_type=MULTIPART_CONTENT)

    over = upload(max_request_bytes() + 1)
    assert over.status_code == 413 and error_code(over) == "file_too_large"
    assert not Video.objects.exists()  # refused before the view stored anything

    within = upload(max_request_bytes())
    assert within.status_code == 202, within.content  # the view's own answer: stored and parked
    assert Analysis.objects.get(pk=within.json()["id"]).video.owner == user
