"""Static files in production: hashed names from the manifest (WhiteNoise serves them compressed)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest is read once when the process starts, so a file's address cannot change while it runs: each
    address is worked out once (every page links about ten; working them out was a sixth of rendering a page's
    frame)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        address = self._addresses.get(name)
        if address is None:
            address = self._addresses[name] = super().url(name)
        return address
