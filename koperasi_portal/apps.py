from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class PortalConfig(AppConfig):
    name = "koperasi_portal"
    verbose_name = "Portal"

    def ready(self):
        checks.register(shared_cache_check, checks.Tags.security, deploy=True)


def shared_cache_check(app_configs=None, **kwargs):
    """Sign-in limits and cached figures must be shared by every worker and node in production."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        return [checks.Warning(
            "The cache is kept in each process: sign-in limits are counted per worker.",
            hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0) so that every worker and node shares them.",
            id="koperasi.W001")]
    return []
