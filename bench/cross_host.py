"""Drill: no shared disk. The web app and two workers run on three "hosts" (network namespaces, each
with its own empty working folder, MEDIA_ROOT and temporary folder) and reach PostgreSQL, Redis and the
S3 server only over the network; uploads go through the page and the API to a verdict with crops; then
jobs split across both workers, one is killed with kill -9 mid-analysis, and every analysis still
finishes, once.

    sudo .venv/bin/python bench/cross_host.py [--uploads 8]      (root: it makes namespaces and veths)
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (a server where it may create a database)

Each namespace has one veth to the root namespace (10.R.i.2 <-> 10.R.i.1) and a default route through
it. The root namespace plays the services host: a private redis-server, SeaweedFS (tests/s3_server.py)
and a TCP forwarder (socat) to the machine's PostgreSQL listen on 10.R.1.1; the machine's own
PostgreSQL and Redis are not reconfigured. Everything it made (namespaces, database, bucket, folders)
is removed at the end. Output: docs/operating.md, "Workers on other hosts".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.private_redis import free_port  # noqa: E402
from tests.s3_server import SeaweedS3  # noqa: E402

HOSTS = ("web", "w1", "w2")
PASSWORD = "drill pass 4242"


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


class Host:
    """A network namespace with one veth to the root namespace and a folder of its own."""

    def __init__(self, name, index, subnet, root):
        tag = uuid.uuid4().hex[:5]
        self.name, self.ns, self.veth = name, f"dt-{name}-{tag}", f"dt{index}{tag}"
        self.outside, self.addr = f"10.{subnet}.{index}.1", f"10.{subnet}.{index}.2"
        self.dir = root / name
        for sub in ("work", "media", "tmp", "var"):
            (self.dir / sub).mkdir(parents=True)

    def create(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.ns)
        sh("ip", "addr", "add", f"{self.outside}/24", "dev", self.veth)
        sh("ip", "link", "set", self.veth, "up")
        for cmd in (["ip", "addr", "add", f"{self.addr}/24", "dev", "eth0"], ["ip", "link", "set", "eth0", "up"],
                    ["ip", "link", "set", "lo", "up"], ["ip", "route", "add", "default", "via", self.outside]):
            sh("ip", "netns", "exec", self.ns, *cmd)
        return self

    def delete(self):
        sh("ip", "netns", "del", self.ns, check=False)  # takes its end of the veth, and so the pair
        sh("ip", "link", "del", self.veth, check=False)

    def start(self, env, *argv, log):
        """Run argv in this namespace from its empty working folder, with only `env` (and its folders)."""
        env = {**env, "DEEPTRACE_MEDIA_ROOT": str(self.dir / "media"), "DEEPTRACE_VAR_DIR": str(self.dir / "var"),
               "TMPDIR": str(self.dir / "tmp"), "HOME": str(self.dir / "work")}
        return subprocess.Popen(["ip", "netns", "exec", self.ns, "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                                 sys.executable, "-m", *argv], cwd=self.dir / "work",
                                stdout=open(self.dir / log, "w"), stderr=subprocess.STDOUT, start_new_session=True)

    def files_left(self):
        return [str(p) for sub in ("media", "tmp", "work") for p in (self.dir / sub).rglob("*") if p.is_file()]


def free_subnet():
    used = sh("ip", "-4", "addr").stdout
    for _ in range(50):
        subnet = random.randint(100, 250)
        if f"inet 10.{subnet}." not in used:
            return subnet
    sys.exit("No free 10.x subnet for the drill.")


class Services:
    """PostgreSQL (forwarded), a private Redis and SeaweedFS, all on `addr` in the root namespace."""

    def __init__(self, addr, base_url, root):
        self.addr, self.procs = addr, []
        self.db = f"drill_{uuid.uuid4().hex[:8]}"
        self.base = urlsplit(base_url)
        self.s3 = SeaweedS3(host=addr, root=root / "s3")

    def start(self):
        pg_port, redis_port = free_port(), free_port()
        self.procs.append(subprocess.Popen(
            ["socat", f"TCP-LISTEN:{pg_port},bind={self.addr},fork,reuseaddr",
             f"TCP:{self.base.hostname}:{self.base.port or 5432}"]))
        self.procs.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", self.addr, "--save", "", "--appendonly", "no",
             "--protected-mode", "no"], stdout=subprocess.DEVNULL))
        self.s3.start()
        self.bucket = self.s3.create_bucket(f"media-{uuid.uuid4().hex[:8]}")
        sh("psql", self.base._replace(path="/postgres").geturl(), "-c", f"CREATE DATABASE {self.db}")
        user = self.base.username or "postgres"
        self.database_url = f"postgres://{user}@{self.addr}:{pg_port}/{self.db}"
        self.redis_url = f"redis://{self.addr}:{redis_port}/0"
        wait_until_listening_on(self.addr, redis_port)
        return self

    def stop(self):
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)
        self.s3.stop()
        sh("psql", self.base._replace(path="/postgres").geturl(), "-c", f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)",
           check=False)


def wait_until_listening_on(addr, port, timeout=10):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((addr, port), timeout=0.3).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {addr}:{port}")


def app_env(services, web):
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "deepfake_site.settings",
            "DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": web.addr, "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url, **services.s3.env(services.bucket),
            "DEEPTRACE_JOB_LEASE_S": "6", "DEEPTRACE_SWEEP_INTERVAL_S": "2", "DEEPTRACE_UPLOAD_RATE": "1000/hour",
            "DEEPTRACE_API_USER_RATE": "10000/minute", "DEEPTRACE_HEATMAPS_TOP_K": "2"}


def prepare(services, root):
    """Migrate the drill's database, install an untrained model (the hosts' read-only model folder) and
    make a user; its API token."""
    env = {**os.environ, "DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
           "DJANGO_DEBUG": "1", "DEEPTRACE_VAR_DIR": str(root / "setup"), "DEEPTRACE_MODEL_DIR": str(root / "models"),
           **services.s3.env(services.bucket)}
    for args in (["migrate", "--noinput"], ["install_model", "--random"]):
        subprocess.run([sys.executable, str(REPO / "manage.py"), *args], env=env, check=True, capture_output=True)
    code = ("from django.contrib.auth import get_user_model; from accounts.models import ApiToken; "
            f"u = get_user_model().objects.create_user('drill', 'drill@example.com', {PASSWORD!r}); "
            "print(ApiToken.issue(u, 'drill')[1])")
    out = subprocess.run([sys.executable, str(REPO / "manage.py"), "shell", "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def make_clips(root, n):
    from tests.media import make_face_clip

    # Distinct sizes give distinct files: the same file twice would be answered as a duplicate.
    return [make_face_clip(root / f"{i}.mp4", seconds=2.0, fps=10, size=(160 + 2 * i, 120)).read_bytes()
            for i in range(n)]


class Site:
    def __init__(self, web, token):
        self.base = f"http://{web.addr}:8000"
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {token}"
        self.page = requests.Session()

    def wait_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/readyz", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the web app did not get ready")

    def log_in(self):
        self.page.get(f"{self.base}/accounts/login/")
        answer = self.page.post(f"{self.base}/accounts/login/", data={
            "username": "drill", "password": PASSWORD, "csrfmiddlewaretoken": self.page.cookies["csrftoken"]},
            allow_redirects=False)
        assert answer.status_code == 302, answer.text[-500:]

    def upload_page(self, clip, name):
        self.page.get(f"{self.base}/")
        answer = self.page.post(f"{self.base}/", files={"video": (name, clip, "video/mp4")}, data={
            "frames": 20, "csrfmiddlewaretoken": self.page.cookies["csrftoken"]}, allow_redirects=False)
        assert answer.status_code == 302, answer.text[-500:]
        return int(re.search(r"/analyses/(\d+)/", answer.headers["Location"]).group(1))

    def upload_api(self, clip, name):
        answer = self.api.post(f"{self.base}/api/v1/analyses/", files={"video": (name, clip, "video/mp4")},
                               data={"frames": 20})
        assert answer.status_code == 202, answer.text
        return answer.json()["id"]

    def detail(self, analysis_id):
        return self.api.get(f"{self.base}/api/v1/analyses/{analysis_id}/").json()

    def verdict_with_crops(self, analysis_id):
        """The finished analysis, its crops fetched through the web host (page and API); checks both."""
        body = self.detail(analysis_id)
        assert body["status"] == "done", body
        crop = self.api.get(body["frames"][0]["crop_url"])
        assert crop.status_code == 200 and crop.content[:2] == b"\xff\xd8"
        page_crop = self.page.get(f"{self.base}/media/crops/{body['frames'][0]['id']}.jpg")
        assert page_crop.status_code == 200 and page_crop.content == crop.content
        assert self.page.get(f"{self.base}/analyses/{analysis_id}/").status_code == 200
        return body


def wait_finished(site, ids, timeout):
    deadline, done = time.monotonic() + timeout, {}
    while time.monotonic() < deadline and len(done) < len(ids):
        for analysis_id in ids:
            if analysis_id not in done and site.detail(analysis_id)["status"] in ("done", "failed"):
                done[analysis_id] = time.monotonic()
        time.sleep(0.5)
    missing = set(ids) - set(done)
    if missing:
        raise RuntimeError(f"analyses {sorted(missing)} did not finish in {timeout} s")
    return done


def worker_events(hosts):
    """{analysis id: [(host, 'claimed'|'done'), ...] in time order}, read from each worker host's own log."""
    events = []
    for host in hosts:
        for line in (host.dir / "worker.log").read_text(errors="replace").splitlines():
            match = re.search(r"\[([\d-]+ [\d:,]+).*Analysis (\d+) (claimed|done)", line)
            if match:
                events.append((match.group(1), int(match.group(2)), host.name, match.group(3)))
    by_analysis = {}
    for _at, analysis_id, host, what in sorted(events):
        by_analysis.setdefault(analysis_id, []).append((host, what))
    return by_analysis


def start_worker(host, env):
    return host.start(env, "celery", "-A", "deepfake_site", "worker", "-Q", "analysis,default", "--pool", "solo",
                      "-n", f"{host.name}@drill", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                      log="worker.log")


def wait_for_log(host, pattern, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, (host.dir / "worker.log").read_text(errors="replace"))
        if match:
            return match
        time.sleep(0.1)
    raise RuntimeError(f"{host.name} never logged {pattern!r}")


def run(args, root, hosts, services, procs):
    web, w1, w2 = hosts
    env = app_env(services, web)
    token = prepare(services, root)
    clips = make_clips(root, 4 + args.uploads)
    procs += [web.start(env, "gunicorn", "deepfake_site.wsgi", "-b", f"{web.addr}:8000", "--workers", "2",
                        "--timeout", "120", log="web.log"),
              web.start(env, "celery", "-A", "deepfake_site", "beat", "--loglevel", "INFO", log="beat.log")]
    site = Site(web, token)
    site.wait_up()
    site.log_in()
    print(f"hosts: web {web.addr} ({web.ns}), worker 1 {w1.addr} ({w1.ns}), worker 2 {w2.addr} ({w2.ns}); "
          f"services on {services.addr}: PostgreSQL (forwarded), Redis, S3 {services.s3.endpoint}")

    procs.append(start_worker(w1, env))
    wait_for_log(w1, r"ready\.")
    started = time.monotonic()
    first = [site.upload_page(clips[0], "page-0.mp4"), site.upload_page(clips[1], "page-1.mp4"),
             site.upload_api(clips[2], "api-0.mp4"), site.upload_api(clips[3], "api-1.mp4")]
    finished = wait_finished(site, first, timeout=600)
    print("\nPhase 1: web and one worker on separate hosts, 2 uploads through the page and 2 through the API")
    for analysis_id, how in zip(first, ("page", "page", "API", "API")):
        body = site.verdict_with_crops(analysis_id)
        print(f"  analysis {analysis_id} ({how}): {body['verdict']}, {len(body['frames'])} crops, "
              f"verdict {finished[analysis_id] - started:.1f} s after the uploads began")

    procs.append(start_worker(w2, env))
    wait_for_log(w2, r"ready\.")
    started = time.monotonic()
    second = [site.upload_api(clip, f"split-{i}.mp4") for i, clip in enumerate(clips[4:])]
    # Worker 2's second analysis: by then it has finished one, so the jobs are split before the kill.
    victim = wait_for_log(w2, r"Analysis \d+ done[\s\S]*?Analysis (\d+) claimed")
    victim_id = int(victim.group(1))
    deadline = time.monotonic() + 120
    while site.detail(victim_id)["progress"] < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(procs[-1].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    print(f"\nPhase 2: {len(second)} API uploads, two workers; kill -9 of worker 2 "
          f"{killed_at - started:.1f} s in, mid-analysis of {victim_id} "
          f"(at {site.detail(victim_id)['progress']} %)")
    finished = wait_finished(site, second, timeout=900)
    events = worker_events([w1, w2])
    for analysis_id in second:
        body = site.verdict_with_crops(analysis_id)
        done = [host for host, what in events.get(analysis_id, []) if what == "done"]
        claims = [host for host, what in events.get(analysis_id, []) if what == "claimed"]
        assert len(done) == 1, (analysis_id, events.get(analysis_id))
        print(f"  analysis {analysis_id}: {body['verdict']}, {len(body['frames'])} crops, claimed by "
              f"{' then '.join(claims)}, finished once (by {done[0]}), "
              f"{finished[analysis_id] - started:.1f} s after the uploads")
    victim_done = finished[victim_id] - killed_at
    print(f"  the killed worker's analysis {victim_id} finished {victim_done:.1f} s after the kill "
          f"(lease {env['DEEPTRACE_JOB_LEASE_S']} s, sweep every {env['DEEPTRACE_SWEEP_INTERVAL_S']} s)")
    hosts_used = {host for analysis_id in second for host, what in events.get(analysis_id, []) if what == "claimed"}
    assert hosts_used == {"w1", "w2"}, hosts_used
    for host in (w1, w2):
        ran = [a for a in second if (host.name, "done") in events.get(a, [])]
        print(f"  {host.name} finished {len(ran)}: {ran}")
    # kill -9 runs no clean-up: the killed worker's copy of its upload stays in its temporary folder
    # (a container's scratch goes with the container); everything else is gone.
    left = [f for host in hosts for f in host.files_left()]
    stranded = [f for f in left if f.startswith(str(w2.dir / "tmp"))]
    print(f"\nFiles left on the hosts' own disks (media, temporary, working folders): {len(left)}, "
          f"of them in the killed worker's temporary folder: {len(stranded)}")
    print(f"Objects in the bucket: {len(services.s3.keys(services.bucket))}")
    assert left == stranded and len(stranded) <= 1, left


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8, help="uploads split between the two workers")
    args = parser.parse_args(argv)
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    root = Path(tempfile.mkdtemp(prefix="deeptrace-drill-"))
    subnet = free_subnet()
    hosts = [Host(name, i + 1, subnet, root) for i, name in enumerate(HOSTS)]
    procs, services = [], None
    try:
        for host in hosts:
            host.create()
        services = Services(hosts[0].outside, base_url, root).start()
        run(args, root, hosts, services, procs)
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if services is not None:
            services.stop()
        for host in hosts:
            host.delete()
        subprocess.run(["rm", "-rf", str(root)])


if __name__ == "__main__":
    main()
