"""Image forensics on small pictures drawn with Pillow: the same picture survives crops,
re-encoding and light edits; a different picture does not match; metadata and provenance
marks are read from the file."""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from merchantry.risk.images import (
    DirectoryImageStore,
    FindingKind,
    ImageIndex,
    MemoryImageStore,
    check_claim_images,
    index_listing,
)

CLAIMED = datetime(2026, 10, 5, 12, 0)


def picture(seed: int, size: int = 256) -> Image.Image:
    """A photo-like picture: a gradient with random shapes, different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        draw.line([(0, y), (size, y)], fill=(y // 2, rng.randint(60, 90), 255 - y // 2))
    for _ in range(12):
        x0, y0 = rng.randint(0, size - 40), rng.randint(0, size - 40)
        box = [x0, y0, x0 + rng.randint(20, 120), y0 + rng.randint(20, 120)]
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def jpeg(image: Image.Image, quality: int = 90, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **options)
    return buffer.getvalue()


def exif_jpeg(*, taken: str | None = None, software: str = "", camera: bool = True) -> bytes:
    exif = Image.Exif()
    if camera:
        exif[0x010F] = "Xiaomi"  # Make
        exif[0x0110] = "Redmi K70"  # Model
    if software:
        exif[0x0131] = software
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
    return jpeg(picture(7), exif=exif)


def check(images: dict[str, bytes], claim: str, refs: list[str], index: ImageIndex):
    return check_claim_images(MemoryImageStore(images), index, claim, refs, CLAIMED)


EDITS = {
    "re-encoded at quality 40": lambda im: Image.open(io.BytesIO(jpeg(im, 40))),
    "cropped 4% on each side": lambda im: im.crop((10, 10, 246, 246)),
    "resized to half": lambda im: im.resize((128, 128)),
    "brightened 10%": lambda im: ImageEnhance.Brightness(im).enhance(1.1),
    "slightly blurred": lambda im: im.filter(ImageFilter.GaussianBlur(1)),
    "stamped with a small mark": lambda im: _stamp(im),
}


def _stamp(image: Image.Image) -> Image.Image:
    copy = image.copy()
    ImageDraw.Draw(copy).text((8, 8), "2026-10-05", fill=(255, 255, 255))
    return copy


class TestReuse:
    @pytest.mark.parametrize("edit", sorted(EDITS))
    def test_an_edited_copy_of_an_earlier_claims_photo_is_found(self, edit):
        original = picture(1)
        images = {"ev/a.jpg": jpeg(original), "ev/b.jpg": jpeg(EDITS[edit](original))}
        index = ImageIndex()
        assert check(images, "AS1", ["ev/a.jpg"], index).reused_images == 0
        report = check(images, "AS2", ["ev/b.jpg"], index)
        assert report.reused_images == 1
        assert any(f.matched == "AS1" for f in report.findings)

    @pytest.mark.parametrize("seed", [2, 3, 4, 5, 6])
    def test_a_different_picture_does_not_match(self, seed):
        images = {"ev/a.jpg": jpeg(picture(1)), "ev/b.jpg": jpeg(picture(seed))}
        index = ImageIndex()
        check(images, "AS1", ["ev/a.jpg"], index)
        assert check(images, "AS2", ["ev/b.jpg"], index).reused_images == 0

    def test_photos_of_the_same_claim_do_not_count_as_reuse(self):
        images = {"ev/a.jpg": jpeg(picture(1)), "ev/a2.jpg": jpeg(picture(1), 50)}
        report = check(images, "AS1", ["ev/a.jpg", "ev/a2.jpg"], ImageIndex())
        assert report.reused_images == 0

    def test_the_merchants_own_listing_image_sent_as_evidence_is_found(self):
        listing = picture(9)
        images = {"img/k1.jpg": jpeg(listing), "ev/x.jpg": jpeg(listing.resize((200, 200)))}
        index = ImageIndex()
        assert index_listing(MemoryImageStore(images), index, "sku:K1", ["img/k1.jpg"]) == 1
        report = check(images, "AS1", ["ev/x.jpg"], index)
        assert (report.listing_images, report.reused_images) == (1, 0)


class TestMetadata:
    def kinds(self, data: bytes) -> set[FindingKind]:
        report = check({"ev/m.jpg": data}, "AS1", ["ev/m.jpg"], ImageIndex())
        return {f.kind for f in report.findings}

    def test_a_camera_photo_taken_before_the_claim_raises_nothing(self):
        assert self.kinds(exif_jpeg(taken="2026:10:04 18:30:00")) == set()

    def test_a_photo_taken_after_the_claim_was_filed_is_flagged(self):
        assert FindingKind.CAPTURED_AFTER_CLAIM in self.kinds(
            exif_jpeg(taken="2026:10:06 09:00:00")
        )

    @pytest.mark.parametrize("software", ["Adobe Photoshop 25.0", "MTXX MeituXiuxiu 10.2"])
    def test_editing_software_is_flagged(self, software):
        assert FindingKind.EDITING_SOFTWARE in self.kinds(exif_jpeg(software=software))

    def test_an_ai_tool_named_as_software_is_flagged_as_ai(self):
        assert FindingKind.AI_GENERATED in self.kinds(exif_jpeg(software="Midjourney v7"))

    def test_missing_camera_data_is_noted_but_is_not_a_flag(self):
        report = check({"ev/m.jpg": exif_jpeg(camera=False)}, "AS1", ["ev/m.jpg"], ImageIndex())
        assert {f.kind for f in report.findings} == {FindingKind.NO_CAMERA_DATA}
        assert report.image_flags == 0


class TestProvenance:
    def test_iptc_trained_algorithmic_media_in_xmp_is_flagged_as_ai(self):
        xmp = (
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
            b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
        )
        report = check({"ev/ai.jpg": jpeg(picture(3), xmp=xmp)}, "AS1", ["ev/ai.jpg"], ImageIndex())
        assert report.image_flags == 1
        assert any("trainedAlgorithmicMedia" in f.detail for f in report.findings)

    def test_a_c2pa_manifest_box_is_reported(self):
        data = jpeg(picture(3))
        payload = b"JP\x00\x00\x00\x00\x00\x01" + b"\x00\x00\x00\x20jumb" + b"c2pa" + b"\x00" * 16
        segment = b"\xff\xeb" + (len(payload) + 2).to_bytes(2, "big") + payload
        marked = data[:2] + segment + data[2:]
        report = check({"ev/c.jpg": marked}, "AS1", ["ev/c.jpg"], ImageIndex())
        assert FindingKind.C2PA_MANIFEST in {f.kind for f in report.findings}
        assert report.image_flags == 0  # a manifest alone says nothing about AI


class TestStores:
    def test_missing_and_unreadable_images_are_findings_not_crashes(self):
        report = check(
            {"ev/bad.jpg": b"not an image"}, "AS1", ["ev/bad.jpg", "ev/gone.jpg"], ImageIndex()
        )
        kinds = [f.kind for f in report.findings]
        assert kinds == [FindingKind.UNREADABLE, FindingKind.MISSING]

    def test_a_directory_store_reads_files_and_refuses_paths_outside_its_root(self, tmp_path: Path):
        (tmp_path / "ev").mkdir()
        (tmp_path / "ev" / "a.jpg").write_bytes(b"x")
        (tmp_path.parent / "secret.txt").write_text("no")
        store = DirectoryImageStore(tmp_path)
        assert store.read("ev/a.jpg") == b"x"
        assert store.read("../secret.txt") is None
