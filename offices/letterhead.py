"""The office's logo on its letterhead: an upload is checked (size, a real picture, its pixels) and stored as a
re-encoded PNG of bare pixels, so nothing of the uploaded file but its picture is kept; print pages carry it inline
(a data: URI), so no page serves stored files."""

import base64
import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
LOGO_MAX_PIXELS = 25_000_000  # refused from the header, before the pixels are decoded
LOGO_SIDE = 480  # a letterhead prints it at about 2.5 cm: 480 px is ample at 300 dpi


def logo_prepare(upload) -> bytes:
    """The uploaded logo as PNG bytes at most LOGO_SIDE on its longer side, transparency kept. Raises
    ValidationError with a clear message for a file too large, not a picture, damaged or too many pixels."""
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size).1f MB: at most %(max)d MB.")
            % {"size": upload.size / 1024 / 1024, "max": LOGO_MAX_BYTES // 1024 // 1024}
        )
    not_a_picture = _("The logo must be a picture (PNG, JPEG, WebP or GIF) and the file must not be damaged.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:  # the header only
                if probe.format not in LOGO_FORMATS:
                    raise ValidationError(not_a_picture)
                if probe.size[0] * probe.size[1] > LOGO_MAX_PIXELS:
                    raise ValidationError(
                        _("The logo has more than %(max)d megapixels.") % {"max": LOGO_MAX_PIXELS // 1_000_000}
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.thumbnail((LOGO_SIDE, LOGO_SIDE))
                pixels = image.convert("RGBA")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The logo has more than %(max)d megapixels.") % {"max": LOGO_MAX_PIXELS // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError(not_a_picture) from None
    clean = Image.new("RGBA", pixels.size)  # pixels only: no comment, profile or metadata of the upload
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def logo_data_uri(office) -> str:
    """The office's stored logo as a data: URI for a print page; "" without one (or when its file is gone)."""
    if not office.logo:
        return ""
    try:
        with office.logo.open("rb") as stored:
            content = stored.read()
    except OSError:
        return ""
    return "data:image/png;base64," + base64.b64encode(content).decode()
