"""The address a request came from, as far as it can be trusted.

Behind a reverse proxy every connection comes from the proxy, so the connection address
(``REMOTE_ADDR``) alone would put every user behind one address: django-axes, which
locks a username per address after repeated failures, would then let anyone's wrong
passwords lock that username for everyone. The proxy names the client in
``X-Forwarded-For``; but any client can send that header too, so it is read only when
the connection comes from a proxy listed in ``TRUSTED_PROXIES`` (by default none).
"""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address):
    return address is not None and any(
        address in network for network in settings.TRUSTED_PROXIES
    )


def client_ip(request):
    """The client's IP address: ``REMOTE_ADDR``, or when that is a trusted proxy, the
    nearest address in ``X-Forwarded-For`` that is not itself a trusted proxy.

    The header is read from the right: each trusted proxy appends the address it saw,
    so entries to the right of the first untrusted one were written by our proxies and
    entries to its left were written by the client (and may be forged)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _trusted(_address(remote)):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    nearest = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage where a proxy should have written an address: stop here
        nearest = str(address)
        if not _trusted(address):
            break
    return nearest
