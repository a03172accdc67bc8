"""deploy/nginx.conf on a real nginx: one address's slow uploads beyond 20 are refused at once (429),
and the site still answers through it meanwhile. (The full drill, thousands of slow clients from many
addresses: bench/slow_clients.py.)"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.private_nginx import PrivateNginx, available

pytestmark = pytest.mark.skipif(not available(), reason="nginx is not installed (apt-get install nginx)")
SLOW_UPLOAD = b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\nx"


class Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx():
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = PrivateNginx(f"127.0.0.1:{upstream.server_port}").start()
    yield proxy
    proxy.stop()
    upstream.shutdown()


def slow_upload(port, source):
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(3)
    sock.connect(("127.0.0.1", port))
    sock.sendall(SLOW_UPLOAD)
    return sock


def refused(sock):
    try:
        return sock.recv(64).startswith(b"HTTP/1.1 429")
    except socket.timeout:
        return False  # still held: nginx waits for the rest of the body


def test_one_address_gets_20_slow_uploads_and_the_rest_are_refused(nginx):
    socks = [slow_upload(nginx.port, "127.0.0.2") for _ in range(25)]
    try:
        for sock in socks:
            sock.settimeout(0.3)
        assert sum(refused(sock) for sock in socks) == 5
        # Another address (and the health check) still gets through.
        assert requests.get(f"{nginx.url}/healthz", timeout=5).text == "ok"
        other = slow_upload(nginx.port, "127.0.0.3")
        other.settimeout(0.3)
        assert not refused(other)
        other.close()
    finally:
        for sock in socks:
            sock.close()
