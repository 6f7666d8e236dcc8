"""Photos and documents on a visit: checked (type, size, a real image or PDF), photos re-encoded as JPEG with a
thumbnail so that nothing but pixels is stored, their EXIF time and GPS position read first and kept as fields.
"""

import io
import math
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
SCALABLE_FORMATS = {"JPEG", "MPO"}  # decoded at a reduced scale (`Image.draft`): a 50-megapixel photo costs ~12
LARGEST_SIDE, THUMBNAIL_SIDE = 2000, 360
# A phone's 50-megapixel photo fits; a larger picture is refused from the size in its header, before any decode.
MAX_PIXELS = 60_000_000
# What one request may decode in all (a visit's photos together): six phone photos fit, since JPEG is decoded at
# a reduced scale; six 60-megapixel PNGs do not (each would be decoded whole).
MAX_PIXELS_PER_REQUEST = 130_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow checks it on opening the header (its warning becomes an error below)
# EXIF orientation → the turn that shows the picture upright (the table of the EXIF specification).
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


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


class PixelBudget:
    """The pixels one request may still decode, counted from each picture's header before its pixels are read.
    (A picture larger than MAX_PIXELS is refused by Pillow's own guard when it opens the header.)"""

    def __init__(self, pixels: int = MAX_PIXELS_PER_REQUEST):
        self.left = pixels

    def spend(self, name: str, width: int, height: int) -> None:
        """Count the pixels about to be decoded; refuse when they exceed what the request has left."""
        pixels = width * height
        if pixels > self.left:
            _refuse(name, _("the photos of one visit may hold at most %(max)d megapixels together. Send the "
                            "others with a correction of the visit.") % {"max": MAX_PIXELS_PER_REQUEST // 1_000_000})
        self.left -= pixels


def prepare(upload, budget: PixelBudget | None = None) -> Prepared:
    """Check one uploaded file and turn it into what is stored. Raises ValidationError with a clear message (the
    file's name and why) for a file too large, not an image or PDF, damaged, or with more pixels than the limit or
    the request's `budget` allows (refused before it is decoded)."""
    budget = budget or PixelBudget()
    name = (upload.name or "berkas")[-200:]
    limit = settings.VISIT_FILE_MAX_MB * 1024 * 1024
    if upload.size > limit:
        _refuse(name, _("%(size).1f MB is too large: at most %(max)d MB.")
                % {"size": upload.size / 1024 / 1024, "max": settings.VISIT_FILE_MAX_MB})
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return Prepared(kind="document", name=name, content=upload.read())
    not_a_photo = _("not a photo (JPEG, PNG, WebP) or a PDF document, or the file is damaged.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture, taken, latitude, longitude = _decode(upload, name, budget)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's guard, met at open
        _refuse(name, _("the picture has more than %(max)d megapixels.") % {"max": MAX_PIXELS // 1_000_000})
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        _refuse(name, not_a_photo)
    full = io.BytesIO()
    picture.save(full, "JPEG", quality=85, optimize=True)
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    small = io.BytesIO()
    picture.save(small, "JPEG", quality=80)
    return Prepared(kind="photo", name=name, content=full.getvalue(), thumbnail=small.getvalue(), taken_at=taken,
                    latitude=latitude, longitude=longitude)


def _decode(upload, name, budget: PixelBudget):
    """The picture upright, at most LARGEST_SIDE on its longer side, as bare RGB pixels (no comment, profile or
    metadata of the upload is carried into what is stored), with its EXIF time and place."""
    with Image.open(upload) as probe:  # reads the header only
        kind = probe.format
        if kind not in IMAGE_FORMATS:
            raise UnidentifiedImageError(kind)
        probe.verify()
    upload.seek(0)
    with Image.open(upload) as image:
        if image.format in SCALABLE_FORMATS:
            image.draft("RGB", (LARGEST_SIDE, LARGEST_SIDE))  # decode at 1/2, 1/4 or 1/8 scale where it can
        budget.spend(name, *image.size)  # the size that will be decoded
        taken, latitude, longitude = _exif(image)
        try:
            orientation = image.getexif().get(0x0112)
        except Exception:  # noqa: BLE001 - a damaged EXIF block is ignored
            orientation = None
        if image.mode in ("1", "P"):  # palette pixels are converted first: resizing them would not blend
            image = image.convert("RGBA")
        image.thumbnail((LARGEST_SIDE, LARGEST_SIDE))  # in place: the full-size pixels go once reduced
        decoded = image.convert("RGB")
    if orientation in UPRIGHT:
        decoded = decoded.transpose(UPRIGHT[orientation])
    picture = Image.new("RGB", decoded.size)  # pixels only: `info` (comments, ICC, EXIF) stays behind
    picture.paste(decoded)
    return picture, taken, latitude, longitude
