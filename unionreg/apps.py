from django.contrib.admin.apps import AdminConfig


class UnionAdminConfig(AdminConfig):
    """Django's admin with the project's site (``unionreg.admin_site``)."""

    default_site = "unionreg.admin_site.UnionAdminSite"
