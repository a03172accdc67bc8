"""A drill: N slow clients through a real nginx (deploy/nginx.conf); how many it holds while the
site still answers.

    DATABASE_URL=postgres://.../bench_db .venv/bin/python bench/slow_clients.py [--clients 2000]
        [--addresses 200] [--hold 30] [--config deploy/nginx.conf]

Starts gunicorn (the production WSGI app, 3 sync workers as in docker-compose.yml) on a free loopback
port against DATABASE_URL (migrated here; use a database of its own), and a private nginx in front of
it (tests/private_nginx.py; `apt-get install nginx`). Opens `--clients` uploads that send their
headers, then one byte of body every 5 s (under nginx's 10 s body timeout), from `--addresses` source
addresses (127.0.0.2 and up), and holds them for `--hold` seconds while probing /healthz and the home
page through nginx once a second from 127.0.0.1. Prints how many slow clients nginx held, how many it
refused at once (429: over the per-address limit), and how many probes were answered.
`--config` runs another nginx config (the one before this drill: `git show <rev>:deploy/nginx.conf`).
"""

from __future__ import annotations

import argparse
import os
import resource
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load import free_port, run_manage, server_env  # noqa: E402
from tests.private_nginx import DEPLOY_CONF, PrivateNginx, available  # noqa: E402

HEADER = ("POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          "Content-Length: 1000000\r\n\r\n").encode()
TRICKLE_S = 5


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own.")
    if not available():
        sys.exit("nginx is not installed (apt-get install nginx).")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one descriptor per slow client
    with tempfile.TemporaryDirectory(prefix="deeptrace-slow-") as tmp:
        env = server_env(Path(tmp))
        run_manage(env, "collectstatic", "--noinput", "-v", "0")
        run_manage(env, "migrate", "--noinput", "-v", "0")
        port = free_port()
        server = start_gunicorn(env, port)
        nginx = PrivateNginx(f"127.0.0.1:{port}", args.config)
        try:
            result = drill(nginx.start().url, args)
        finally:
            nginx.stop()
            server.terminate()
            server.wait(timeout=30)
    report(args, *result)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--addresses", type=int, default=200)
    parser.add_argument("--hold", type=float, default=30)
    parser.add_argument("--config", type=Path, default=DEPLOY_CONF)
    args = parser.parse_args()
    if not (1 <= args.clients <= 15000 and 1 <= args.addresses <= 250 and 1 <= args.hold <= 600):
        parser.error("bounded run: 1-15000 clients, 1-250 addresses, 1-600 s")
    return args


def start_gunicorn(env, port):
    """gunicorn as docker-compose.yml runs it: 3 sync workers, 120 s timeout."""
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "deepfake_site.wsgi", "-b", f"127.0.0.1:{port}",
                               "--workers", "3", "--timeout", "120", "--log-level", "warning"], cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if probe(f"http://127.0.0.1:{port}/healthz"):
            return server
        time.sleep(0.5)
    server.kill()
    sys.exit("gunicorn did not answer /healthz within 120 s.")


def drill(base, args):
    clients = [open_slow_client(base, f"127.0.0.{2 + i % args.addresses}") for i in range(args.clients)]
    clients = [c for c in clients if c is not None]
    probes = {"/healthz": [0, 0], "/": [0, 0]}
    refused_at_once = len(answered(clients, wait=1.0))
    deadline, next_trickle = time.monotonic() + args.hold, time.monotonic() + TRICKLE_S
    while time.monotonic() < deadline:
        for path, counts in probes.items():
            counts[0] += probe(base + path)
            counts[1] += 1
        if time.monotonic() >= next_trickle:
            trickle(clients)
            next_trickle += TRICKLE_S
        time.sleep(max(0.0, 1 - (time.monotonic() % 1)))
    closed = answered(clients, wait=0.5)
    held = len(clients) - len(closed)
    for sock in clients:
        sock.close()
    return held, refused_at_once, probes


def open_slow_client(base, source):
    port = int(base.rsplit(":", 1)[1])
    sock = socket.socket()
    try:
        sock.bind((source, 0))
        sock.settimeout(5)
        sock.connect(("127.0.0.1", port))
        sock.sendall(HEADER + b"u")
        sock.setblocking(False)
        return sock
    except OSError:
        sock.close()
        return None  # refused at connect: not held


def answered(clients, wait):
    """Clients nginx has answered (a 429) or closed: their socket has something to read."""
    poller, by_fd = select.poll(), {sock.fileno(): sock for sock in clients}
    for fd in by_fd:
        poller.register(fd, select.POLLIN)
    return {by_fd[fd] for fd, _ in poller.poll(wait * 1000)}


def trickle(clients):
    for sock in clients:
        try:
            sock.send(b"u")
        except OSError:
            pass


def probe(url):
    try:
        return requests.get(url, timeout=5, headers={"Host": "127.0.0.1"}).status_code == 200
    except requests.RequestException:
        return False


def report(args, held, refused_at_once, probes):
    print(f"nginx config: {args.config}")
    print(f"{args.clients} slow uploads from {args.addresses} addresses, held for {args.hold:.0f} s: "
          f"{held} held open, {refused_at_once} refused or closed at once (429: over 20 per address)")
    for path, (ok, total) in probes.items():
        print(f"  {path} through nginx meanwhile: {ok}/{total} answered 200")


if __name__ == "__main__":
    main()
