"""Who may see and do what: the one place where access is decided.

A user acts for one union (their ``Grant``) with a role; the grant covers that union's
subtree. Every queryset that holds scoped data is filtered through ``scope_filter`` (via
each model's ``visible_to(user)``), and every view fetches single objects through
``get_visible_or_404`` so that anything outside the scope is a 404 and a write without
the right role is a 403.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from organizations.models import Grant, Role

# What each role may do, beyond viewing its subtree.
_ROLE_ACTIONS = {
    Role.ADMIN: {"view", "change", "export", "import", "manage_users", "view_personal"},
    Role.CLERK: {"view", "change", "export", "import", "view_personal"},
    Role.VIEWER: {"view", "export"},
}

_NOTHING = Q(pk__in=[])


def grant_of(user):
    """The user's grant with its union, or None (anonymous users, users without a grant,
    disabled users). Fetched once per request object: every page asks several times."""
    if not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_unionreg_grant"):
        user._unionreg_grant = (
            Grant.objects.select_related("organization__division").filter(user=user).first()
        )
    return user._unionreg_grant


def scope_root(user):
    """The union whose subtree the user sees, or None for a superuser (everything)."""
    grant = grant_of(user)
    return grant.organization if grant else None


def default_organization(user):
    """The union whose figures a user sees first: their own; for a superuser the city
    federation (the root of the tree)."""
    from organizations.models import Organization

    root = scope_root(user)
    if root is not None:
        return root
    if is_unrestricted(user):
        return Organization.objects.filter(parent__isnull=True).select_related("division").first()
    return None


def is_unrestricted(user):
    return user.is_authenticated and user.is_active and user.is_superuser


def can(user, action):
    """May the user do ``action`` ("view", "change", "export", "import", "manage_users",
    "view_personal") somewhere in their scope?"""
    if is_unrestricted(user):
        return True
    grant = grant_of(user)
    return bool(grant) and action in _ROLE_ACTIONS[grant.role]


def scope_filter(user, path_field):
    """A Q that keeps rows whose union (reached through ``path_field``, the lookup of
    that union's ``path``) lies in the user's subtree."""
    if is_unrestricted(user):
        return Q()
    grant = grant_of(user)
    if grant is None:
        return _NOTHING
    return Q(**{f"{path_field}__startswith": grant.organization.path})


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


def organization_in_scope(user, organization):
    if is_unrestricted(user):
        return True
    root = scope_root(user)
    return root is not None and organization.path.startswith(root.path)


def access_required(action="view", model=None, lookup="pk"):
    """Guard a page view: anonymous visitors go to the login page; when the URL names
    an object (``model`` and the URL keyword ``lookup``), it is fetched through
    ``visible_to`` — outside the scope is 404 — and passed to the view in place of the
    keyword; a role without ``action`` gets 403.

    The access-matrix test reads ``view.access`` to know what every URL should answer,
    so a page without this decorator fails that test."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if model is not None:
                obj = get_visible_or_404(
                    model.objects, request.user, action, **{lookup: kwargs.pop(lookup)}
                )
                return view(request, obj, *args, **kwargs)
            require(request.user, action)
            return view(request, *args, **kwargs)

        wrapper.access = {"action": action, "model": model, "lookup": lookup}
        return wrapper

    return decorator
