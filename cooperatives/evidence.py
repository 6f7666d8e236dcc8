"""Photos and documents on a visit: checked (type, size, a real image or PDF), photos re-encoded as JPEG with a
thumbnail so that nothing but pixels is stored, their EXIF time and GPS position read first and kept as fields.
"""

import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from offices.models import OfficeSettings

from .reports import day_in_regency

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
    details = exif.get_ifd(0x8769)
    if details.get(0x9003):  # DateTimeOriginal with OffsetTimeOriginal
        text, offset = details.get(0x9003), details.get(0x9011)
    else:  # else DateTime with OffsetTime
        text, offset = exif.get(0x0132), details.get(0x9010)
    if isinstance(text, str):
        try:
            taken = datetime.strptime(text.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    if taken is not None:
        # The phone's clock, in its zone when it wrote one ("+07:00"), else in the portal's (the regency's) time.
        try:
            zone = datetime.strptime(offset.strip().rstrip("\x00"), "%z").tzinfo if isinstance(offset, str) else None
        except ValueError:
            zone = None
        taken = taken.replace(tzinfo=zone) if zone is not None else timezone.make_aware(taken)
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


# --- what the reviewer sees ------------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0088


def distance_km(latitude_a, longitude_a, latitude_b, longitude_b) -> float:
    """The great-circle distance between two points in kilometres (haversine: plenty for a village)."""
    phi_a, phi_b = math.radians(float(latitude_a)), math.radians(float(latitude_b))
    d_phi = phi_b - phi_a
    d_lambda = math.radians(float(longitude_b) - float(longitude_a))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class Flag:
    """Something about a visit's evidence its reviewer should look at: `code` ("other_day", "far", "late") and the
    words that say it (shown with an icon, never by colour alone)."""

    code: str
    text: str


@dataclass
class PhotoEvidence:
    file: object  # a VisitFile of kind photo
    taken_on: date | None = None  # the day its EXIF time falls on in the regency
    distance_km: float | None = None  # from the photo's own position to the village's point
    flags: list[Flag] = field(default_factory=list)

    @property
    def far(self) -> bool:  # the flag says the distance: it is not said twice
        return any(flag.code == "far" for flag in self.flags)

    @property
    def distance_text(self) -> str:
        return "" if self.distance_km is None else _km(self.distance_km)


@dataclass
class VisitEvidence:
    photos: list[PhotoEvidence] = field(default_factory=list)
    documents: list = field(default_factory=list)
    phone_distance_km: float | None = None  # from the phone's position at recording to the village's point
    village_located: bool = True
    flags: list[Flag] = field(default_factory=list)  # of the visit itself: recorded late, the phone far away

    @property
    def phone_far(self) -> bool:
        return any(flag.code == "far" for flag in self.flags)

    @property
    def phone_distance_text(self) -> str:
        return "" if self.phone_distance_km is None else _km(self.phone_distance_km)

    @property
    def has_evidence(self) -> bool:
        return bool(self.photos or self.documents)

    @property
    def flag_count(self) -> int:
        return len(self.flags) + sum(len(photo.flags) for photo in self.photos)


def _km(value: float) -> str:
    """Kilometres as the reader writes them: one decimal below 10 km ("1,2" in Indonesian), whole ones above."""
    return number_format(round(value, 1) if value < 10 else round(value), decimal_pos=1 if value < 10 else 0)


def visit_evidence(visit, *, regency, limits, day_of) -> VisitEvidence:
    """The evidence of one visit with its flags. `visit` carries its files (prefetched) and its cooperative's
    village; `limits` are the regency's OfficeSettings (evidence_distance_km, evidence_late_days); `day_of` turns
    a moment into the day it falls on in the regency."""
    village = visit.cooperative.village
    located = village.latitude is not None and village.longitude is not None
    on_site = visit.mode == "on_site"  # a phone call or an online meeting happens anywhere
    result = VisitEvidence(village_located=located)

    def far(distance):
        return on_site and distance is not None and distance > limits.evidence_distance_km

    if located and visit.latitude is not None and visit.longitude is not None:
        result.phone_distance_km = distance_km(visit.latitude, visit.longitude, village.latitude, village.longitude)
        if far(result.phone_distance_km):
            result.flags.append(Flag("far", _("the phone was %(km)s km from the village's point when the visit was "
                                              "recorded") % {"km": _km(result.phone_distance_km)}))
    recorded_on = day_of(visit.created_at) if visit.created_at else None
    if recorded_on and (recorded_on - visit.date).days > limits.evidence_late_days:
        result.flags.append(Flag("late", _("recorded %(days)d days after the visit")
                                 % {"days": (recorded_on - visit.date).days}))
    for item in visit.files.all():
        if item.kind != "photo":
            result.documents.append(item)
            continue
        photo = PhotoEvidence(file=item, taken_on=day_of(item.taken_at) if item.taken_at else None)
        if photo.taken_on and photo.taken_on != visit.date:
            photo.flags.append(Flag("other_day", _("taken on another day (%(day)s)")
                                    % {"day": date_format(photo.taken_on, "j M Y")}))
        if located and item.latitude is not None and item.longitude is not None:
            photo.distance_km = distance_km(item.latitude, item.longitude, village.latitude, village.longitude)
            if far(photo.distance_km):
                photo.flags.append(Flag("far", _("taken %(km)s km from the village's point")
                                        % {"km": _km(photo.distance_km)}))
        added_on = day_of(item.uploaded_at) if item.uploaded_at else None
        if (added_on and recorded_on and added_on > recorded_on
                and (added_on - visit.date).days > limits.evidence_late_days):
            photo.flags.append(Flag("late", _("added %(days)d days after the visit")
                                    % {"days": (added_on - visit.date).days}))
        result.photos.append(photo)
    return result


def visits_evidence(visits, *, regency) -> dict:
    """Each visit's evidence (set as `visit.evidence`) and the month's totals: visits with and without evidence,
    flags. The visits carry their files and their cooperative's village (no query per visit)."""
    limits = OfficeSettings.of(regency)
    totals = {"with": 0, "without": 0, "flagged": 0, "distance_km": limits.evidence_distance_km,
              "late_days": limits.evidence_late_days}
    for visit in visits:
        visit.evidence = visit_evidence(visit, regency=regency, limits=limits,
                                        day_of=lambda moment: day_in_regency(regency, moment))
        totals["with" if visit.evidence.has_evidence else "without"] += 1
        totals["flagged"] += bool(visit.evidence.flag_count)
    return totals
