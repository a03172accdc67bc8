"""A local HTTP server for the video-link tests: routes set per test, and what it saw (Host headers,
bytes sent), so a test can tell that a download stopped reading or went to the address it checked."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Route:
    def __init__(self, status=200, body=b"", content_type="video/mp4", headers=None, length=True, repeat=1):
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = headers or {}
        self.length = length  # False: no Content-Length, the body ends when the connection closes
        self.repeat = repeat  # the body sent this many times (a large file without the memory)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        server.hosts.append(self.headers.get("Host"))
        route = server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value.replace("{base}", server.base))
        if route.length:
            self.send_header("Content-Length", str(len(route.body) * route.repeat))
        self.end_headers()
        try:
            for _ in range(route.repeat):
                self.wfile.write(route.body)
                server.sent[self.path] = server.sent.get(self.path, 0) + len(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a size limit does

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(routes):
    """A server on 127.0.0.1 for `routes` ({path: Route}); yields it, with .base (its http://host:port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes, server.hosts, server.sent = routes, [], {}
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
