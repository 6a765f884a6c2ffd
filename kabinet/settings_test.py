"""Test settings: the production module with fast hashing, immediate tasks and in-memory outboxes."""

import os

os.environ.setdefault("KABINET_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("KABINET_DEBUG", "0")
os.environ.setdefault("KABINET_SSL_REDIRECT", "0")

from kabinet.settings import *  # noqa: E402,F401,F403  (a settings overlay is the one place for this)
from kabinet.settings import DATABASES, HUEY, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "kabinet.comms.sms.LocmemSmsBackend"
HUEY = {**HUEY, "immediate": True}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0
KABINET_BILLS_ON_CLOSE = False  # printing PDFs at every closed period would slow the suite; bill tests enable it
