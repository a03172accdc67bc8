"""One scheduler: Celery beat sends the sweeper and the purge only while it holds the beat lock.

`make run` embeds beat in its worker (`celery worker -B`). After kill -9 of that worker's main process
its beat lived on as an orphan, and the restarted worker started a second one: every sweep came twice.
Now beat schedules only while it holds a lock with a time to live that it renews (in Redis, the
broker; a file lock on one host without Redis), so a second beat anywhere stays idle until the first
stops renewing; and an embedded beat stops when the worker that started it is gone
(`stop_with_parent`, connected in deepfake_site/celery.py).
"""

import fcntl
import logging
import os
import threading
import uuid

from celery.beat import PersistentScheduler
from django.conf import settings

log = logging.getLogger(__name__)
LOCK_KEY = "deeptrace:beat-lock"

# Take the lock when it is free, renew it when it is ours; in one step, so two beats never both hold it.
_HOLD = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


class RedisLock:
    def __init__(self, url, ttl_s):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.token, self.ttl_ms = uuid.uuid4().hex, int(ttl_s * 1000)

    def hold(self):
        return bool(self.client.eval(_HOLD, 1, LOCK_KEY, self.token, self.ttl_ms))

    def release(self):
        self.client.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end",
                         1, LOCK_KEY, self.token)


class FileLock:
    """Without Redis (the quick start's filesystem broker) the beats share a host: flock, which the
    kernel releases when its holder dies, however it dies."""

    def __init__(self, path):
        self.path, self.fd = path, None

    def hold(self):
        if self.fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self.fd = fd
        return True

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def beat_lock():
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://", "unix://")):
        return RedisLock(broker, settings.DEEPTRACE_BEAT_LOCK_TTL_S)
    return FileLock(str(settings.VAR_DIR / "celerybeat.lock"))


class SingleBeatScheduler(PersistentScheduler):
    """Celery's scheduler, idle unless it holds the beat lock."""

    holding = False

    def __init__(self, *args, **kwargs):
        self.lock = beat_lock()
        self.renew_s = settings.DEEPTRACE_BEAT_LOCK_TTL_S / 3
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if not self._hold():
            return self.renew_s  # another beat schedules; look again before its lock could expire
        return min(super().tick(*args, **kwargs), self.renew_s)

    def _hold(self):
        try:
            holding = self.lock.hold()
        except Exception as error:  # Redis down: nothing could be sent anyway
            log.warning("Beat lock unavailable (%s); not scheduling", error)
            holding = False
        if holding != self.holding:
            log.info("Beat %s the lock: %s", "holds" if holding else "lost", "scheduling" if holding else "idle")
            self.holding = holding
        return holding

    def close(self):
        super().close()
        try:
            self.lock.release()
        except Exception:
            log.warning("Beat lock not released; it expires by itself", exc_info=True)


def stop_with_parent(service, interval_s=1.0):
    """Stop an embedded beat (a child process of the worker) once its worker is gone: kill -9 of the
    worker's main process used to leave it running as an orphan."""
    parent = os.getppid()

    def watch():
        while not service._is_shutdown.wait(interval_s):
            if os.getppid() != parent:
                log.warning("The worker that started this beat is gone; beat stops")
                service.stop()
                return

    threading.Thread(target=watch, name="beat-parent-watch", daemon=True).start()
