"""The access policy in templates, so that a page offers only what the role may open."""

from django import template
from django.contrib import admin
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def user_admin_url(context, user):
    """The admin page of ``user``'s account when the person looking may open it, else
    "": the user admin's own permission and queryset decide (the users of their subtree
    for an administrator, nobody for clerks and viewers), so a history page never links
    an author's name to a page that answers 403 or 404. One query per author and page."""
    request = context.get("request")
    if request is None or user is None:
        return ""
    known = request.__dict__.setdefault("_user_admin_urls", {})
    if user.pk not in known:
        user_admin = admin.site._registry.get(user._meta.model)
        visible = (
            user_admin is not None
            and user_admin.has_view_or_change_permission(request)
            and user_admin.get_queryset(request).filter(pk=user.pk).exists()
        )
        known[user.pk] = reverse("admin:auth_user_change", args=[user.pk]) if visible else ""
    return known[user.pk]
