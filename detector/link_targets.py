"""Which video links DeepTrace will fetch: the webhooks' rule (detector.webhook_targets): http(s) only,
and only hosts whose every address is public, unless DEEPTRACE_LINK_ALLOW_PRIVATE (tests on loopback).

Checked when a link is submitted (the page's form, the API's serializer) and again by the worker before
each hop of the download (detector.link_fetch), which connects to the very address checked here, so a
DNS answer that changes between the check and the connection cannot switch it to a private one.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .webhook_targets import is_public, resolve


class LinkRefused(ValueError):
    """The link is not one we will fetch; the message says why, in a sentence."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection is pinned to

    @property
    def host_header(self):
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def check_link(url):
    """Raise LinkRefused unless `url` may be fetched; the Target to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LinkRefused("The link must be an http:// or https:// address with a host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise LinkRefused("The link's port is not a number between 0 and 65535.") from None
    try:
        addresses = resolve(parts.hostname, port)
    except OSError:
        raise LinkRefused(f"The host {parts.hostname} of the link could not be found.") from None
    if not settings.DEEPTRACE_LINK_ALLOW_PRIVATE:
        for address in addresses:
            if not is_public(address):
                raise LinkRefused(
                    f"The host {parts.hostname} of the link resolves to {address}, a loopback, private, link-local "
                    "or reserved address; videos are only fetched from public addresses.")
    return Target(parts.scheme, parts.hostname, port, str(addresses[0]))
