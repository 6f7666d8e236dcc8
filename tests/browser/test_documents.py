"""The documents an office signs, printed to PDF in Chromium at A4: the decree annex of a territory plan and the
month-end recap, with a regency's letterhead, decree number and the head's name and NIP; no navigation printed."""

import io
import re
import zlib

import pytest
from PIL import Image

from offices.letterhead import logo_prepare
from offices.services import office_settings_update
from territories import publishing

from ..offices import SUKABUMI_DOCUMENTS
from ..territories.test_plans import START, proposed_draft
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A4_POINTS = (595.28, 841.89)  # 210 × 297 mm at 72 points an inch; Chromium rounds to its pixel grid (595.92 × 842.88)


def is_a4(size) -> bool:
    return all(abs(side - a4) <= 1.5 for side, a4 in zip(size, A4_POINTS, strict=True))


# --- a tiny reader of Chromium's PDFs: pages, their size, the text they show -------------------------------------


def _streams(pdf: bytes) -> dict[int, bytes]:
    """Each object's stream, inflated, by object number."""
    found = {}
    for match in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S):
        body = match.group(2)
        stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        if stream:
            data = stream.group(1)
            if b"/FlateDecode" in body.split(b"stream", 1)[0]:
                try:
                    data = zlib.decompress(data)
                except zlib.error:
                    continue
            found[int(match.group(1))] = data
    return found


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The width and height (points) of every page."""
    boxes = []
    for match in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S):
        body = match.group(2).split(b"stream", 1)[0]
        if re.search(rb"/Type\s*/Page\b(?!s)", body):
            box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", body)
            x0, y0, x1, y1 = (float(value) for value in box.groups())
            boxes.append((x1 - x0, y1 - y0))
    return boxes


def pdf_text(pdf: bytes) -> str:
    """The text of every page, each font's glyphs turned back into characters through its ToUnicode map."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}
    streams = _streams(pdf)
    fonts = {}  # font object number → {glyph code: text}
    for number, body in objects.items():
        head = body.split(b"stream", 1)[0]
        unicode_map = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", head)
        if unicode_map and int(unicode_map.group(1)) in streams:
            cmap, table = streams[int(unicode_map.group(1))], {}
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
                for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
                for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    first = int.from_bytes(bytes.fromhex(start.decode()), "big")
                    for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                        table[code] = chr(first + offset)
            fonts[number] = (table, 4 if b"/Type0" in head else 2)
    names = {}  # resource name (/F3) → font object number, from every resource dictionary
    for body in objects.values():
        for name, number in re.findall(rb"/(F\w*|f\w*)\s+(\d+)\s+0\s+R", body.split(b"stream", 1)[0]):
            if int(number) in fonts:
                names[name.decode()] = int(number)
    text = []
    for data in streams.values():
        if b"Tf" not in data:
            continue
        table, width = {}, 2
        for token in re.finditer(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|(T\*|Td|TD|Tm|ET)", data):
            if token.group(1):
                table, width = fonts.get(names.get(token.group(1).decode()), ({}, 2))
            elif token.group(2) is not None:
                digits = token.group(2).decode()
                text.append(
                    "".join(table.get(int(digits[i : i + width], 16), "") for i in range(0, len(digits), width))
                )
            else:
                text.append(" ")
    return re.sub(r"\s+", " ", "".join(text))


def squeezed(text: str) -> str:
    """Without white space: Chromium breaks a line into runs at kerning pairs ("L AMPIR AN"), which the reader above
    cannot tell from spaces."""
    return re.sub(r"\s+", "", text)


# --- the test -----------------------------------------------------------------------------------------------------


@pytest.fixture
def signed_office(sukabumi):
    """Kabupaten Sukabumi's office with its documents set (and a logo), a published plan with its decree."""
    from ..factories import MembershipFactory, MentorFactory, UserFactory

    logo = io.BytesIO()
    Image.new("RGB", (300, 360), (180, 20, 20)).save(logo, "PNG")
    logo.seek(0)
    logo.size = len(logo.getvalue())
    office_settings_update(actor=None, regency=sukabumi, logo_png=logo_prepare(logo), **SUKABUMI_DOCUMENTS)
    pmos = [MentorFactory(regency=sukabumi, role="pmo", full_name=f"PMO {i}") for i in (1, 2)]
    bas = [MentorFactory(regency=sukabumi, role="ba", full_name=f"BA {i:02d}") for i in range(1, 40)]
    draft = proposed_draft(sukabumi, (pmos, bas), name="Rencana pertama")
    plan = publishing.plan_publish(actor=None, plan=draft, version=draft.version, effective_from=START)  # no number
    plan.refresh_from_db()
    publishing.plan_decree_set(
        actor=None,
        plan=plan,
        version=plan.version,
        dated=START,
        number="",
        subject="Pembagian Wilayah Kerja PMO dan Business Assistant",
        issue=True,
    )
    staff = UserFactory(email="staf.cetak@contoh.test", full_name="Staf Cetak")
    MembershipFactory(user=staff, regency=sukabumi, role="staff")
    return plan, staff


def _printed(page, path: str, name: str) -> tuple[bytes, str]:
    page.goto(page.base_url + path)
    page.emulate_media(media="print")
    assert page.locator("nav.no-print").first.is_hidden()  # no navigation on paper
    assert page.locator(".document-missing").count() == 0
    screenshot(page, name)
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    return pdf, page.inner_text("body")


def test_the_annex_and_the_recap_print_at_a4_with_the_offices_letterhead_and_signature(page, signed_office):
    plan, staff = signed_office
    sign_in(page, staff.email, "correct-horse-battery")

    pdf, shown = _printed(page, f"/plans/{plan.pk}/annex/", "documents-annex")
    pages = pdf_pages(pdf)
    assert len(pages) >= 2 and all(is_a4(size) for size in pages), pages
    text = squeezed(pdf_text(pdf))
    for expected in (
        "LAMPIRAN",
        "KEPUTUSAN KEPALA DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI",
        "500.3/1/DKUKM/2026",
        "1 Januari 2026",
        "TENTANG",
        "Dra. Hj. Siti Rahmawati, M.Si.",
        "NIP. 19700101 200003 2 001",
    ):
        assert squeezed(expected) in text, expected
        assert expected in shown or expected.upper() in shown, expected

    pdf, shown = _printed(page, "/reports/recap/", "documents-recap")
    pages = pdf_pages(pdf)
    assert pages and all(is_a4(size) for size in pages), pages
    text = squeezed(pdf_text(pdf))
    for expected in (
        "DINAS KOPERASI, USAHA KECIL, DAN MENENGAH KABUPATEN SUKABUMI",
        "Mengetahui,",
        "Dra. Hj. Siti Rahmawati, M.Si.",
        "NIP. 19700101 200003 2 001",
        "Pelabuhanratu,",
        "Koperasi yang memiliki lahan",
        "Unit gerai selesai dibangun",
        "Pembiayaan dicairkan (Rp)",
        "Koperasi dengan angsuran menunggak",
    ):
        assert squeezed(expected) in text, expected
    assert squeezed("Kepala Dinas Koperasi, Kabupaten Sukabumi") not in text
