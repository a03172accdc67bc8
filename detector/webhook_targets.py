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
    for address in _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)):
        if not _is_public(address):
            raise WebhookRefused(
                f"The webhook host {parts.hostname} resolves to {address}, a loopback, private, link-local or "
                "reserved address; webhooks are only sent to public addresses."
            )


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise WebhookRefused(f"The webhook host {host} could not be resolved.") from None
    return sorted({ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}, key=str)


def _is_public(address):
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return address.is_global and not address.is_multicast
