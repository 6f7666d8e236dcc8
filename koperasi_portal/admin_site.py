"""The Django admin of the portal: raw data for the people with Django admin access (`is_staff`).

A signed-in person without that access gets the portal's 403 page with a way home, on every admin page and on
its sign-in address: Django's own admin would send them to its sign-in page, which sends a signed-in person back
to the page they asked for, and round again.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import render
from django.utils.translation import gettext as _


def refusal(request):
    """The 403 page for a signed-in person who may not open the Django admin."""
    return render(request, "403.html", {"reason": _(
        "The data administration is for the portal's operators only. Your work is on the portal's own pages.")},
        status=403)


class PortalAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                return refusal(request)
            return guarded(request, *args, **kwargs)

        return inner


class PortalAdminConfig(AdminConfig):
    default_site = "koperasi_portal.admin_site.PortalAdminSite"
