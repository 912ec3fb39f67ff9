"""Who may see and do what: the access policy, apart from HTTP.

A user acts for one union (their ``Grant``, defined here with the roles) with a role;
the grant covers that union's subtree. Every queryset that holds scoped data is
filtered through ``scope_filter`` (via each model's ``visible_to(user)``,
``ScopedQuerySet``), and every reference a user sets — a union, parent union, employer,
division, drive, site — is checked by ``reference_errors``, so a record can neither be
read outside the scope nor written into it. The HTTP guards (404
outside the scope, 403 for the role) are in ``organizations.access``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy as _
from simple_history.models import HistoricalRecords

# The models below are the organizations app's (``organizations.models`` imports them):
# they live here so that the policy depends on nothing above it and the models on it.


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    CLERK = "clerk", _("Clerk")
    VIEWER = "viewer", _("Viewer")


class Grant(models.Model):
    """Which union a user acts for, and with what role. The grant covers the union's
    whole subtree. Superusers (the city's system administrators) need none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="grant", verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        "organizations.Organization", models.PROTECT, related_name="grants",
        verbose_name=_("union"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    # Who gave whom access to which union, and when (the author comes from the request
    # through simple_history's HistoryRequestMiddleware).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


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


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to a union's subtree, reached through the union's ``path`` at the
    lookup ``scope_path`` (e.g. ``"union__path"``). ``visible_to`` is the one scoping
    method every page, admin, export and import starts from."""

    scope_path = "path"

    def visible_to(self, user):
        return self.filter(scope_filter(user, self.scope_path))

    def in_subtree(self, organization):
        return self.filter(**{f"{self.scope_path}__startswith": organization.path})


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
            errors[name] = gettext("%(names)s lies outside your area.") % {"names": names}
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
