"""A bounded load run on loopback: concurrent API uploads of small generated clips, then status polls.

    DATABASE_URL=postgres://.../bench_db .venv/bin/python bench/load.py [--uploads 40] [--polls 400]
        [--concurrency 8] [--workers 2] [--threads 4]

Starts its own server (gunicorn, the production WSGI app, on a free 127.0.0.1 port) against DATABASE_URL
(migrated here; use a database of its own), with media and the broker in a temporary directory (the
filesystem broker: uploads are queued, no worker runs them) and the API rate limits lifted. Creates a
user and token, runs the two phases, prints p50 / p99 / max latency, throughput and errors per phase,
then deletes the user (and its rows) and stops the server. Each upload is a distinct 1-second clip, so
none is answered as a duplicate.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (SQLite would measure its locks).")
    with tempfile.TemporaryDirectory(prefix="deeptrace-load-") as tmp:
        env = server_env(Path(tmp))
        run_manage(env, "collectstatic", "--noinput", "-v", "0")  # first: the URLconf names hashed files
        run_manage(env, "migrate", "--noinput", "-v", "0")
        clips = make_clips(Path(tmp) / "clips", args.uploads)
        token = run_manage(env, "shell", "-c", CREATE_USER).stdout.strip().splitlines()[-1]
        port = free_port()
        server = start_server(env, port, args.workers, args.threads)
        try:
            base = f"http://127.0.0.1:{port}"
            session_headers = {"Authorization": f"Token {token}"}
            ids, uploads = upload_phase(base, session_headers, clips, args.concurrency)
            polls = poll_phase(base, session_headers, ids, args.polls, args.concurrency)
        finally:
            server.terminate()
            server.wait(timeout=30)
            run_manage(env, "shell", "-c", DELETE_USER)
    print(f"server: gunicorn, {args.workers} workers x {args.threads} threads; client: {args.concurrency} at once")
    report("upload (POST /api/v1/analyses/)", uploads)
    report("poll (GET /api/v1/analyses/{id}/status/)", polls)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--polls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not (1 <= args.uploads <= 500 and 1 <= args.polls <= 5000 and 1 <= args.concurrency <= 64):
        parser.error("bounded run: 1-500 uploads, 1-5000 polls, 1-64 at once")
    return args


CREATE_USER = """
from django.contrib.auth import get_user_model
from accounts.models import ApiToken
user = get_user_model().objects.create_user("bench-load", password=None)
print(ApiToken.issue(user, "load")[1])
"""
DELETE_USER = """
from django.contrib.auth import get_user_model
from detector import services
user = get_user_model().objects.get(username="bench-load")
from detector.models import Analysis
for analysis in Analysis.objects.filter(video__owner=user):
    services.delete_analysis(analysis)
user.delete()
"""


def server_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # the filesystem broker, in tmp
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="load-bench-" + "x" * 40, DJANGO_ALLOWED_HOSTS="127.0.0.1",
               DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_HSTS_SECONDS="0", DJANGO_SECURE_COOKIES="0",
               DEEPTRACE_VAR_DIR=str(tmp / "var"), DEEPTRACE_API_USER_RATE="1000000/minute",
               DJANGO_SETTINGS_MODULE="deepfake_site.settings")
    return env


def run_manage(env, *args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done


def make_clips(root: Path, n: int) -> list[bytes]:
    from tests.media import make_face_clip

    # Distinct sizes give distinct files: the same file twice would be answered as a duplicate.
    return [make_face_clip(root / f"{i}.mp4", seconds=1.0, fps=10, size=(160 + 2 * i, 120)).read_bytes()
            for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port, workers, threads):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "deepfake_site.wsgi", "-b", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--log-level", "warning"], cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.3)
    server.kill()
    sys.exit("The server did not start within 60 s.")


def timed(call):
    started = time.perf_counter()
    try:
        response = call()
        return time.perf_counter() - started, response.status_code, response
    except requests.RequestException as error:
        return time.perf_counter() - started, type(error).__name__, None


def upload_phase(base, headers, clips, concurrency):
    def upload(i):
        return timed(lambda: requests.post(f"{base}/api/v1/analyses/", headers=headers, timeout=60,
                                           files={"video": (f"{i}.mp4", clips[i], "video/mp4")}, data={"frames": "10"}))

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(upload, range(len(clips))))
    ids = [r.json()["id"] for _, code, r in results if code == 202]
    return ids, (results, time.perf_counter() - started, 202)


def poll_phase(base, headers, ids, n, concurrency):
    if not ids:
        return [], 0.0, 200

    def poll(i):
        return timed(lambda: requests.get(f"{base}/api/v1/analyses/{ids[i % len(ids)]}/status/", headers=headers,
                                          timeout=30))

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(poll, range(n)))
    return results, time.perf_counter() - started, 200


def report(name, phase):
    results, seconds, expected = phase
    latencies = sorted(t * 1000 for t, _, _ in results)
    errors = {}
    for _, code, _ in results:
        if code != expected:
            errors[code] = errors.get(code, 0) + 1
    if not latencies:
        print(f"{name}: no requests")
        return
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
    print(f"{name}: {len(results)} requests in {seconds:.1f} s ({len(results) / seconds:.1f}/s); "
          f"latency p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms; "
          f"errors {sum(errors.values())}{' ' + str(errors) if errors else ''}")


if __name__ == "__main__":
    main()
