"""A visit's photos: a picture with too many pixels is refused from its header, before anything decodes it; one
request decodes a bounded number of pixels; only pixels are stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile, PngImagePlugin

from cooperatives import evidence
from cooperatives.models import Cooperative, Visit, VisitFile


def png(width, height, *, mode="L", comment=None, name="foto.png"):
    info = None
    if comment is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("comment", comment)
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG", pnginfo=info)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(width, height, *, comment=None, name="foto.jpg"):
    buffer = io.BytesIO()
    extra = {"comment": comment} if comment is not None else {}
    Image.new("RGB", (width, height), (90, 140, 60)).save(buffer, "JPEG", **extra)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def decodes(monkeypatch):
    """Counts the pictures whose pixels are read."""
    calls = []
    original = ImageFile.ImageFile.load

    def load(self):
        if self.tile:  # pixels still to be read (loading twice reads them once)
            calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_a_119_megapixel_png_is_refused_from_its_header_and_never_decoded(decodes):
    bomb = png(10_900, 10_900)
    assert bomb.size < 400_000  # a few hundred kilobytes on the wire
    with pytest.raises(ValidationError) as refused:
        evidence.prepare(bomb)
    assert "60 megapiksel" in refused.value.messages[0]
    assert decodes == []


def test_a_61_megapixel_png_below_pillows_own_refusal_is_refused_too(decodes):
    with pytest.raises(ValidationError, match="60 megapiksel"):
        evidence.prepare(png(7_810, 7_810))
    assert decodes == []


def test_one_request_decodes_at_most_its_pixel_budget(decodes):
    budget = evidence.PixelBudget()
    for _ in range(2):
        evidence.prepare(png(7_000, 7_000), budget)  # 49 megapixels each, decoded whole
    with pytest.raises(ValidationError, match="130 megapiksel"):
        evidence.prepare(png(7_000, 7_000), budget)
    assert len(decodes) == 2


def test_six_phone_photos_fit_one_visit_because_jpeg_is_decoded_at_a_reduced_scale(decodes):
    budget = evidence.PixelBudget()
    for _ in range(6):
        stored = evidence.prepare(jpeg(8_000, 6_000), budget)  # a 48-megapixel phone photo
        assert max(Image.open(io.BytesIO(stored.content)).size) == evidence.LARGEST_SIDE
    assert all(width * height <= 12_000_000 for width, height in decodes)


@pytest.mark.parametrize("upload", [
    jpeg(400, 300, comment=b"<script>alert(1)</script>"),
    png(400, 300, mode="RGB", comment="<script>alert(1)</script>"),
], ids=["jpeg-comment", "png-text"])
def test_only_pixels_are_stored_no_comment_of_the_upload(upload):
    stored = evidence.prepare(upload)
    for content in (stored.content, stored.thumbnail):
        assert b"<script>" not in content
        assert "comment" not in Image.open(io.BytesIO(content)).info


def test_a_visit_with_an_oversized_picture_is_refused_and_nothing_is_stored(client_for, split):
    cooperative = Cooperative.objects.get(village_id=split.villages[0])
    response = client_for(split.ba).post(reverse("cooperatives:visit_create", kwargs={"pk": cooperative.pk}), {
        "date": timezone.localdate().isoformat(), "mode": "on_site", "focus_areas": ["outlets"], "summary": "Foto",
        "follow-TOTAL_FORMS": 0, "follow-INITIAL_FORMS": 0, "files": [jpeg(40, 30), png(10_900, 10_900)]})
    assert response.status_code == 200 and "60 megapiksel" in response.text
    assert not Visit.objects.exists() and not VisitFile.objects.exists()
