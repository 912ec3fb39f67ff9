"""The HTTP guards of the access policy (``organizations.policy``): pages fetch single
objects through ``get_visible_or_404`` so that anything outside the scope is a 404 and
a write without the right role is a 403; ``access_required`` guards every page and
declares the query parameters it reads (``organizations.params``).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organizations.models import Organization
from organizations.params import NO_PARAMS, BadParameter, Params, bad_request, declare
# The policy's names, for the pages and admins that import them from here.
from organizations.policy import (  # noqa: F401
    area_filter, can, grant_of, is_scoped_model, is_unrestricted, organization_in_scope,
    reference_errors, scope_filter, scope_root,
)


def default_organization(user):
    """The union whose figures a user sees first: their own; for a superuser the city
    federation (the root of the tree)."""
    root = scope_root(user)
    if root is not None:
        return root
    if is_unrestricted(user):
        return Organization.objects.filter(parent__isnull=True).select_related("division").first()
    return None


def get_visible_or_404(queryset, user, action="view", **lookup):
    """Fetch one object through the model's ``visible_to``: 404 when it is outside the
    user's scope (its existence is not revealed), 403 when it is in scope but the role
    does not allow ``action``."""
    try:
        obj = queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    require(user, action)
    return obj


def require(user, action):
    if not can(user, action):
        raise PermissionDenied


def access_required(action="view", model=None, lookup="pk", params=NO_PARAMS):
    """Guard a page view: anonymous visitors go to the login page; when the URL names
    an object (``model`` and the URL keyword ``lookup``), it is fetched through
    ``visible_to`` — outside the scope is 404 — and passed to the view in place of the
    keyword; a role without ``action`` gets 403. ``params`` declares the GET parameters
    the page reads (``organizations.params``), or is a function of the URL's keywords
    that answers them (an export's filters depend on its kind): anything else is a
    400, and the view finds the values read in ``request.params``.

    The access-matrix and attack tests read ``view.access`` to know what every URL
    should answer and which parameters to try, so a page without this decorator fails
    them."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if model is not None:
                obj = get_visible_or_404(
                    model.objects, request.user, action, **{lookup: kwargs.pop(lookup)}
                )
                args = (obj, *args)
            else:
                require(request.user, action)
            try:
                declare(request, params if isinstance(params, Params) else params(**kwargs))
            except BadParameter as error:
                return bad_request(request, error.message)
            return view(request, *args, **kwargs)

        wrapper.access = {"action": action, "model": model, "lookup": lookup, "params": params}
        return wrapper

    return decorator


def public_page(params=NO_PARAMS):
    """Mark a page that answers without a login (a drive's QR self-enrolment page), on
    purpose: it reads only the declared ``params``, like every page, and
    ``view.access`` says it is public (``action`` None) so that the access-matrix and
    attack tests expect an answer, not a login redirect, for everyone — anonymous
    visitors included. Such a page shows and accepts only what the public may: it is
    no way into the register."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                declare(request, params)
            except BadParameter as error:
                return bad_request(request, error.message)
            return view(request, *args, **kwargs)

        wrapper.access = {"action": None, "model": None, "lookup": None, "params": params,
                          "public": True}
        return wrapper

    return decorator
