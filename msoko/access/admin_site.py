"""The Django admin is the technical administrator's tool: superusers only.

A municipal specialist or a regional analyst administers her territory in msoko's own pages
(«Администрирование», ``msoko.administration``), which check her scope on every write. The
Django admin checks model permissions, not territory, and could give a staff member a way to
edit users, their roles and flags; so being staff is not enough to enter it.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin import apps as admin_apps
from django.http import HttpRequest


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose default site admits superusers only (in INSTALLED_APPS
    instead of ``django.contrib.admin``)."""

    default_site = "msoko.access.admin_site.SuperuserAdminSite"
