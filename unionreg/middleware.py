"""Response headers the site adds.

Content-Security-Policy: the app loads only its own scripts, styles, images and fonts.

Users sit on government intranets; a page that tried to reach a CDN would break there,
and a policy that forbids it makes such a mistake fail loudly in tests instead.
"""

from django.utils.cache import patch_cache_control

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


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
