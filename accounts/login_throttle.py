"""Failed log-ins slow down the address that guesses, not the account everywhere.

Three sliding windows of DEEPTRACE_LOGIN_WINDOW_S (deepfake_site.ratelimit), django-axes' combination
lockout plus two ceilings:
- per account and address (DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS, 5): the guesser's address
  is refused for that account; the owner, from any other address, still logs in;
- per address (DEEPTRACE_LOGIN_FAILURES_PER_ADDRESS, 20): one address guessing across many accounts;
- per account from everywhere (DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT, 100): a guesser spread over many
  addresses. One address adds at most 5 to it, so it takes 20 addresses to lock the owner out.

Every attempt is counted in all three before its password is checked, atomically and only when all
three let it through, so a burst of guesses at once cannot slip past a read-then-write. Past a limit
even the right password is refused, or a guesser could learn it from which answer differs. A right
password clears its account-and-address window and takes its attempt back out of the other two, so
only failures add up.
"""

import hashlib

from django.conf import settings

from deepfake_site.ratelimit import Rule, allow, clear, client_address, forget


def _rules(request, username):
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    address = client_address(request)
    window = settings.DEEPTRACE_LOGIN_WINDOW_S
    return (Rule(f"login-fail:pair:{account}:{address}", settings.DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS, window),
            Rule(f"login-fail:address:{address}", settings.DEEPTRACE_LOGIN_FAILURES_PER_ADDRESS, window),
            Rule(f"login-fail:account:{account}", settings.DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT, window))


def attempt(request, username):
    """Count this attempt; whether it may go on to the password check. Fails open if the cache is down."""
    decision = allow(*_rules(request, username))
    request.login_attempt = decision.member  # what `succeeded` takes back
    return decision.allowed


def succeeded(request, username):
    """A right password: this account starts afresh from this address, and the address and the
    account get this attempt back."""
    pair, address, account = _rules(request, username)
    clear(pair.key)
    member = getattr(request, "login_attempt", "")
    forget(address, member)
    forget(account, member)


def locked_message():
    minutes = max(1, round(settings.DEEPTRACE_LOGIN_WINDOW_S / 60))
    return (f"Too many failed log-ins for this account or from your address. "
            f"Try again in {minutes} minutes.")
