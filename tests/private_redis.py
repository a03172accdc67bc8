"""A private redis-server on a free loopback port, for outage drills: the shared Redis is never stopped."""

import socket
import subprocess
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_listening(self.port, self.proc, "redis-server")
        return self

    def stop(self):
        self.proc = terminate(self.proc)


def wait_until_listening(port, proc, name, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited at start (status {proc.returncode})") from None
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not start on port {port}")


def terminate(proc):
    """Stop a server started here; None, for the attribute that held it."""
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)
    return None
