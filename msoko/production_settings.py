"""Settings for a server behind HTTPS: ``DJANGO_SETTINGS_MODULE=msoko.production_settings``.

The secret key must come from the environment here (``MSOKO_SECRET_KEY``).
"""

import os

from msoko.settings import *  # noqa: F403

SECRET_KEY = os.environ["MSOKO_SECRET_KEY"]
DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("MSOKO_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("MSOKO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
WHITENOISE_USE_FINDERS = False
