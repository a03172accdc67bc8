"""A private nginx on a free loopback port, running deploy/nginx.conf in front of a given upstream.

The deploy config's names (the compose service `web`, port 80) become a loopback upstream and port;
its pid, logs and temporary files live in a private directory. Skips nothing itself: callers check
`available()` first (Debian's nginx package: apt-get install nginx).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.private_redis import free_port, terminate, wait_until_listening

DEPLOY_CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
_PRIVATE_PATHS = ("access_log off; client_body_temp_path body; proxy_temp_path proxy; "
                  "fastcgi_temp_path fastcgi; uwsgi_temp_path uwsgi; scgi_temp_path scgi;")


def available():
    return shutil.which("nginx") or Path("/usr/sbin/nginx").exists()


class PrivateNginx:
    def __init__(self, upstream, conf=DEPLOY_CONF):
        self.upstream, self.conf = upstream, Path(conf)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir, self.proc = None, None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="deeptrace-nginx-")
        text = (self.conf.read_text().replace("server web:8000;", f"server {self.upstream};")
                .replace("listen 80;", f"listen 127.0.0.1:{self.port};")
                .replace("http {", "http {\n    " + _PRIVATE_PATHS, 1))
        head = "pid nginx.pid;\nerror_log error.log;\n" + ("user root;\n" if os.geteuid() == 0 else "")
        conf = Path(self.dir) / "nginx.conf"
        conf.write_text(head + text)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", self.dir, "-c", str(conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_listening(self.port, self.proc, f"nginx (its log: {self.dir}/error.log)")
        return self

    def stop(self):
        self.proc = terminate(self.proc)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
