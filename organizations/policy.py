"""Who may see and do what: the access policy, apart from HTTP.

A user acts for one union (their ``Grant``) with a role; the grant covers that union's
subtree. Every queryset that holds scoped data is filtered through ``scope_filter`` (via
each model's ``visible_to(user)``), and every reference a user sets — a union, parent
union, employer, division, drive, site — is checked by ``reference_errors``, so a
record can neither be read outside the scope nor written into it. The HTTP guards (404
outside the scope, 403 for the role) are in ``organizations.access``.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

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


def area_filter(user, code_field):
    """A Q that keeps divisions (reached through ``code_field``, the lookup of a
    division's code) in the user's area: the division of the union they act for and
    everything in it. A county clerk may place records in the county and its towns; a
    town clerk, or a base union's, only in that town."""
    if is_unrestricted(user):
        return Q()
    grant = grant_of(user)
    if grant is None:
        return _NOTHING
    return Q(**{f"{code_field}__startswith": grant.organization.division.prefix})


def organization_in_scope(user, organization):
    if is_unrestricted(user):
        return True
    root = scope_root(user)
    return root is not None and organization.path.startswith(root.path)


# --- References a user sets -----------------------------------------------------------------


def is_scoped_model(model):
    """A model whose rows belong to a union's subtree or to an area: it has ``visible_to``."""
    return hasattr(model._default_manager, "visible_to")


def outside_scope(user, model, pks):
    """The primary keys among ``pks`` of ``model`` rows the user may not use: one query
    for any number of them, so an import checks a whole chunk at once."""
    pks = {pk for pk in pks if pk is not None}
    if not pks or is_unrestricted(user):
        return set()
    inside = model._default_manager.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True)
    return pks - set(inside)


def reference_errors(user, values):
    """The one check of every reference a user sets, for forms, the admin and imports:
    ``values`` maps a field name to what the user chose (a model instance, or several
    for a many-to-many field); the answer maps each name whose choice lies outside the
    user's scope to a message. Unscoped models (users, reference lists) pass."""
    errors = {}
    for name, value in values.items():
        chosen = list(value) if hasattr(value, "__iter__") else [value]
        chosen = [obj for obj in chosen if obj is not None and getattr(obj, "pk", None)]
        if not chosen or not is_scoped_model(type(chosen[0])):
            continue
        outside = outside_scope(user, type(chosen[0]), [obj.pk for obj in chosen])
        if outside:
            names = "、".join(str(obj) for obj in chosen if obj.pk in outside)
            errors[name] = _("%(names)s lies outside your area.") % {"names": names}
    return errors


class ReferenceCheckMixin:
    """Form mixin: validation also refuses any reference the form sets (or changes)
    outside ``scope_user``'s scope, field by field, before anything is saved. Page forms
    set ``scope_user`` themselves; the admin adds it to every form it builds
    (``organizations.admin_scoping.with_reference_check``)."""

    scope_user = None

    def clean(self):
        cleaned = super().clean()
        if self.scope_user is not None:
            chosen = {name: cleaned[name] for name in self.changed_data if name in cleaned}
            for name, message in reference_errors(self.scope_user, chosen).items():
                self.add_error(name, message)
        return cleaned
