import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koperasi_portal.settings")
# Served by gunicorn means production: off unless said otherwise, so the secrets check below applies.
os.environ.setdefault("DEBUG", "false")
application = get_wsgi_application()
