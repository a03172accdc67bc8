"""Which webhook URLs DeepTrace will call: http(s) only, and only hosts that resolve to public
addresses (unless DEEPTRACE_WEBHOOK_ALLOW_PRIVATE). Checked at submission (the API's serializers) and
again before each delivery (detector.webhooks), since DNS can change. Its own module so the serializers
need not import the delivery code, which imports them for the webhook body.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class WebhookRefused(ValueError):
    """The URL is not one we will call; the message says why, for the client."""


def check_url(url):
    """Raise WebhookRefused unless `url` is http(s) and every address its host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("The webhook URL must be an http:// or https:// address with a host name.")
    if settings.DEEPTRACE_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        addresses = resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        raise WebhookRefused(f"The webhook host {parts.hostname} could not be resolved.") from None
    for address in addresses:
        if not is_public(address):
            raise WebhookRefused(
                f"The webhook host {parts.hostname} resolves to {address}, a loopback, private, link-local or "
                "reserved address; webhooks are only sent to public addresses."
            )


def resolve(host, port):
    """Every address `host` resolves to, sorted; OSError when it does not resolve. Also used for the
    video links the worker downloads (detector.link_targets), which keep the same rule."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except UnicodeError:
        raise OSError(f"{host} is not a valid host name") from None
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def is_public(address):
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return address.is_global and not address.is_multicast
