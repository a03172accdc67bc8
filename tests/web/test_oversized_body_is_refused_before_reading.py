"""A request whose Content-Length is over the upload limit is answered 413 before its body is read."""

import socket

import pytest

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


def test_a_body_within_the_limit_goes_through(client, settings):
    response = client.post("/api/v1/analyses/", {})
    assert response.status_code in (401, 403)
