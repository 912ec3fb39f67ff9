"""The project's own middleware: response headers the site adds, and input hygiene.

Content-Security-Policy: the app loads only its own scripts, styles, images and fonts.

Users sit on government intranets; a page that tried to reach a CDN would break there,
and a policy that forbids it makes such a mistake fail loudly in tests instead.

Input hygiene: control characters and over-long values in request parameters answer
400 before anything queries with them.
"""

import re
import time

from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from organizations.params import bad_request

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SessionRefreshMiddleware:
    """A session ends SESSION_COOKIE_AGE (``SESSION_IDLE_SECONDS``) after its last
    request, yet is written back at most once a minute. Django's own way,
    SESSION_SAVE_EVERY_REQUEST, is an UPDATE and a commit on every page (about a tenth of
    a cheap page's time under load, bench/RESULTS.md, issue 20); this ends an idle
    session up to a minute early instead. Sits inside SessionMiddleware, which saves."""

    REFRESH_SECONDS = 60
    STAMP = "_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions that exist (reading one that has expired forgets its key):
        # anonymous visitors get none made for them.
        if session is not None and session.session_key:
            now = int(time.time())
            stamp = session.get(self.STAMP, 0)
            if session.session_key and now - stamp >= self.REFRESH_SECONDS:
                session[self.STAMP] = now  # modified: saved with a new expiry
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


# NUL and the other C0 control characters (tab, line feed and carriage return aside,
# which text areas send) have no place in anything a clerk types; PostgreSQL refuses a
# NUL outright, which would otherwise surface as a 500 from whichever query met it.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_GET_VALUE = 1000  # characters; declared parameters set their own, smaller bounds
MAX_GET_KEY = 100


def input_problem(query, bound_length):
    """What is wrong with a request's parameters (a message naming the parameter), or
    None."""
    for key, values in query.lists():
        if CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values):
            return _("The parameter %(name)s contains control characters.") % {
                "name": CONTROL_CHARACTERS.sub("?", key)[:40]}
        if bound_length and (len(key) > MAX_GET_KEY or any(len(v) > MAX_GET_VALUE for v in values)):
            return _("The parameter %(name)s is too long.") % {"name": key[:40]}
    return None


class InputHygieneMiddleware:
    """Refuse, with a 400 naming the parameter, any request whose parameters carry
    control characters, or whose query string values are absurdly long, before a view
    or the admin passes them to a query. Form fields are bounded by their forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = input_problem(request.GET, bound_length=True)
        if problem is None and request.method == "POST":
            problem = input_problem(request.POST, bound_length=False)
        if problem is not None:
            return bad_request(request, problem)
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a logged-in user.

    Pages, admin pages and downloads for logged-in users show members' names, ID and
    mobile numbers; a shared office PC's browser cache or an intranet caching proxy must
    not keep them after the session ends. Deciding per page which ones show personal
    data would miss one sooner or later, so the rule is "every authenticated response":
    the pages are built per request anyway and gain nothing from caching. Static files
    are served by WhiteNoise before this middleware runs, so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Merged with what a view already set (the admin's never_cache directives).
            patch_cache_control(response, private=True, no_store=True)
        return response
