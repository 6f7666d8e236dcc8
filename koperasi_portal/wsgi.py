import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koperasi_portal.settings")
# Served by gunicorn means production: off unless said otherwise, so the secrets check below applies.
os.environ.setdefault("DEBUG", "false")
# The web process: database statements and lock waits are bounded (settings.DB_STATEMENT_TIMEOUT_MS).
os.environ.setdefault("KOPERASI_WEB_PROCESS", "1")
application = get_wsgi_application()
