"""Failed log-ins are counted per account and per address; past the limit, log-in is refused.

Every attempt is counted before its password is checked, in the cache, atomically (Redis INCR,
`deepfake_site.ratelimit.hit`), so a burst of guesses at once cannot slip past a read-then-write. Each
counter starts at its first attempt and expires DEEPTRACE_LOGIN_WINDOW_S later. Past either limit
even the right password is refused, or a guesser could learn it from which answer differs. A
successful log-in clears the account's counter and gives the address back its attempt, so only
failures add up.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from deepfake_site.ratelimit import client_address, hit

log = logging.getLogger(__name__)


def _keys(request, username):
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return (f"login-fail:account:{account}", settings.DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT), \
           (f"login-fail:address:{client_address(request)}", settings.DEEPTRACE_LOGIN_FAILURES_PER_ADDRESS)


def attempt(request, username):
    """Count this attempt against the account and the address; whether it may go on to the password
    check. Counting first (atomic increment, then compare) holds the limit under concurrency: a burst
    cannot all pass a check made before any of them is counted. Fails open if the cache is down."""
    try:
        counts = [(hit(key, settings.DEEPTRACE_LOGIN_WINDOW_S), limit) for key, limit in _keys(request, username)]
    except Exception as error:
        log.warning("Log-in throttle not enforced: the cache is unreachable (%s)", error)
        return True
    return all(count <= limit for count, limit in counts)


def succeeded(request, username):
    """A right password: the account starts afresh, and the address gets its attempt back."""
    (account, _), (address, _) = _keys(request, username)
    try:
        cache.delete(account)
        cache.decr(address)
    except ValueError:
        pass  # the address's window ended meanwhile
    except Exception as error:
        log.warning("Log-in counters not cleared: the cache is unreachable (%s)", error)


def locked_message():
    minutes = max(1, round(settings.DEEPTRACE_LOGIN_WINDOW_S / 60))
    return (f"Too many failed log-ins for this account or from your address. "
            f"Try again in {minutes} minutes.")
