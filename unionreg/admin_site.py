"""The admin site: every admin registered on it — ours, Django's user and group admins,
third-party ones — filters its change list only by declared lookups
(``DeclaredLookupsMixin``), so no admin can be added that forgets to."""

from django.contrib import admin

from organizations.admin_scoping import DeclaredLookupsMixin


class UnionAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredLookupsMixin):
            admin_class = type(admin_class.__name__, (DeclaredLookupsMixin, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
