"""Photos and documents on a visit: checked (type, size, a real image or PDF), photos re-encoded as JPEG with a
thumbnail so that nothing but pixels is stored, their EXIF time and GPS position read first and kept as fields.
"""

import io
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
LARGEST_SIDE, THUMBNAIL_SIDE = 2000, 360
Image.MAX_IMAGE_PIXELS = 60_000_000  # a phone's 50-megapixel photo; larger is refused, not decoded


@dataclass
class Prepared:
    kind: str  # "photo" or "document"
    name: str
    content: bytes
    thumbnail: bytes | None = None
    taken_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _refuse(name, message):
    raise ValidationError(_("“%(name)s”: %(problem)s") % {"name": name, "problem": message})


def _degrees(value, reference) -> Decimal | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    number = d + m / 60 + s / 3600
    if not math.isfinite(number):  # a fraction over zero in a damaged EXIF block
        return None
    return Decimal(f"{-number if reference in ('S', 'W') else number:.6f}")


def _exif(image) -> tuple[datetime | None, Decimal | None, Decimal | None]:
    """When and where the photo was taken, from its EXIF data (when the phone wrote them)."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - a damaged EXIF block is ignored, not an error
        return None, None, None
    taken = None
    text = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    if isinstance(text, str):
        try:
            taken = timezone.make_aware(datetime.strptime(text.strip(), "%Y:%m:%d %H:%M:%S"))
        except ValueError:
            taken = None
    gps = exif.get_ifd(0x8825)
    latitude = _degrees(gps.get(2), gps.get(1)) if gps else None
    longitude = _degrees(gps.get(4), gps.get(3)) if gps else None
    if latitude is not None and not -90 <= latitude <= 90 or longitude is not None and not -180 <= longitude <= 180:
        latitude = longitude = None
    return taken, latitude, longitude


def prepare(upload) -> Prepared:
    """Check one uploaded file and turn it into what is stored. Raises ValidationError with a clear message (the
    file's name and why) for a file too large, not an image or PDF, or damaged."""
    name = (upload.name or "berkas")[-200:]
    limit = settings.VISIT_FILE_MAX_MB * 1024 * 1024
    if upload.size > limit:
        _refuse(name, _("%(size).1f MB is too large: at most %(max)d MB.")
                % {"size": upload.size / 1024 / 1024, "max": settings.VISIT_FILE_MAX_MB})
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return Prepared(kind="document", name=name, content=upload.read())
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            if kind not in IMAGE_FORMATS:
                raise UnidentifiedImageError(kind)
            taken, latitude, longitude = _exif(image)
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        _refuse(name, _("not a photo (JPEG, PNG, WebP) or a PDF document, or the file is damaged."))
    picture.thumbnail((LARGEST_SIDE, LARGEST_SIDE))
    full = io.BytesIO()
    picture.save(full, "JPEG", quality=85, optimize=True)
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    small = io.BytesIO()
    picture.save(small, "JPEG", quality=80)
    return Prepared(kind="photo", name=name, content=full.getvalue(), thumbnail=small.getvalue(), taken_at=taken,
                    latitude=latitude, longitude=longitude)
