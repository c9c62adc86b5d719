"""After-sales image forensics: reused photos, listing photos, metadata and provenance marks.

What it checks, per evidence photo of a claim:

* **Reuse** — perceptual hashes (pHash and dHash, 64 bits each, ``imagehash``)
  survive re-encoding, resizing, small crops and light edits; a photo within
  :data:`PHASH_MAX` / :data:`DHASH_MAX` bits of a photo from an *earlier
  claim* is reused, and one close to the merchant's *listing* image was taken
  from the shop's own page.
* **Metadata** (EXIF) — a capture time after the claim was filed; editing
  software in the ``Software`` tag (Photoshop, Meitu 美图, …); no camera
  make/model at all (informative only: chat apps strip EXIF).
* **Provenance** — a C2PA manifest (JUMBF ``jumb``/``c2pa`` boxes), and the IPTC
  digital source type ``trainedAlgorithmicMedia`` (or its composite variant) in
  XMP or in the manifest: a generator that labels its output says so here.

What it cannot detect (say so to anyone relying on it): an AI-generated or
edited image whose file carries no mark (most of them: marks are voluntary and
stripped by screenshots and re-saves); a genuinely new photo of someone else's
damaged item; a photo reused from outside the platform (the index only holds
photos it has seen); heavy crops, rotations or mirrorings beyond the hash
tolerance; falsified EXIF. Taobao's model (platform-rules.md §2.2) classifies
pixels; nothing here does.

A deployment plugs its object store in through :class:`ImageStore` (any object
with ``read(ref) -> bytes | None``, e.g. an S3/OSS bucket reader); the index is
in memory and can be rebuilt from stored fingerprints.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final, Protocol

import imagehash
import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

PHASH_MAX: Final = 10
DHASH_MAX: Final = 12
"""Hamming distances (of 64 bits) under which two photos are the same picture."""

EDITING_SOFTWARE: Final = (
    "photoshop",
    "lightroom",
    "gimp",
    "snapseed",
    "picsart",
    "canva",
    "meitu",
    "美图",
    "醒图",
    "facetune",
    "pixelmator",
)
AI_SOFTWARE: Final = ("midjourney", "dall-e", "dall·e", "stable diffusion", "firefly", "通义万相")
AI_SOURCE_TYPES: Final = (
    b"digitalsourcetype/trainedAlgorithmicMedia",
    b"digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
)
C2PA_MARKERS: Final = (b"jumb", b"c2pa")
EXIF_DATETIME_FORMAT: Final = "%Y:%m:%d %H:%M:%S"


class FindingKind(StrEnum):
    """Something found about one evidence photo."""

    REUSED = "reused"
    """Same picture as a photo of an earlier claim (perceptual hash)."""
    LISTING = "listing"
    """Same picture as the merchant's listing image."""
    CAPTURED_AFTER_CLAIM = "captured_after_claim"
    """EXIF capture time is after the claim was filed."""
    EDITING_SOFTWARE = "editing_software"
    """EXIF Software names a photo editor."""
    AI_GENERATED = "ai_generated"
    """The file declares AI generation (IPTC digital source type, or an AI tool as Software)."""
    C2PA_MANIFEST = "c2pa_manifest"
    """The file carries a C2PA provenance manifest (informative: read it for details)."""
    NO_CAMERA_DATA = "no_camera_data"
    """No camera make or model (informative: messaging apps strip EXIF)."""
    MISSING = "missing"
    """The store has no such image."""
    UNREADABLE = "unreadable"
    """The bytes are not an image Pillow can read."""


FLAG_KINDS: Final = frozenset(
    {FindingKind.CAPTURED_AFTER_CLAIM, FindingKind.EDITING_SOFTWARE, FindingKind.AI_GENERATED}
)
"""Findings that count toward the ``image_flags`` risk feature."""


class ImageStore(Protocol):
    """Where evidence and listing images live; a deployment plugs its own in."""

    def read(self, ref: str) -> bytes | None:
        """The image's bytes, or ``None`` when there is no such image."""
        ...


@dataclass(frozen=True, slots=True)
class DirectoryImageStore:
    """Images as files under a root folder (``ref`` is a relative path such as ``ev/x.jpg``)."""

    root: Path

    def read(self, ref: str) -> bytes | None:
        path = (self.root / ref).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path.read_bytes()


@dataclass(frozen=True, slots=True)
class MemoryImageStore:
    """Images held in memory (tests, small tools)."""

    images: Mapping[str, bytes]

    def read(self, ref: str) -> bytes | None:
        return self.images.get(ref)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Two 64-bit perceptual hashes of one picture."""

    phash: int
    dhash: int

    def matches(self, other: Fingerprint) -> bool:
        return (self.phash ^ other.phash).bit_count() <= PHASH_MAX and (
            self.dhash ^ other.dhash
        ).bit_count() <= DHASH_MAX


def _bits(value: imagehash.ImageHash) -> int:
    return int("".join("1" if b else "0" for b in np.asarray(value.hash).ravel()), 2)


def fingerprint(image: Image.Image) -> Fingerprint:
    return Fingerprint(_bits(imagehash.phash(image)), _bits(imagehash.dhash(image)))


@dataclass(frozen=True, slots=True)
class ImageFinding:
    """One finding about one photo, in words an operator can check."""

    ref: str
    kind: FindingKind
    detail: str
    matched: str = ""
    """For reuse/listing: the claim or listing it matched."""


@dataclass
class ImageIndex:
    """Fingerprints of photos seen so far (earlier claims, listings), searched by brute force.

    Brute force over numpy arrays is exact and fast enough for millions of
    fingerprints per second of scan; a multi-index hash table would be the next
    step at a larger scale.
    """

    owners: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    listing: list[bool] = field(default_factory=list)
    _phash: list[int] = field(default_factory=list)
    _dhash: list[int] = field(default_factory=list)

    def add(self, ref: str, fp: Fingerprint, owner: str, *, listing: bool = False) -> None:
        self.refs.append(ref)
        self.owners.append(owner)
        self.listing.append(listing)
        self._phash.append(fp.phash)
        self._dhash.append(fp.dhash)

    def matches(self, fp: Fingerprint, *, exclude_owner: str = "") -> list[int]:
        """Positions of indexed photos that are the same picture as ``fp``."""
        if not self._phash:
            return []
        ph = np.array(self._phash, dtype=np.uint64) ^ np.uint64(fp.phash)
        dh = np.array(self._dhash, dtype=np.uint64) ^ np.uint64(fp.dhash)
        close = (np.bitwise_count(ph) <= PHASH_MAX) & (np.bitwise_count(dh) <= DHASH_MAX)
        return [int(i) for i in np.flatnonzero(close) if self.owners[i] != exclude_owner]


def inspect_metadata(ref: str, image: Image.Image, claimed_at: datetime) -> list[ImageFinding]:
    """EXIF checks: capture after the claim, editing or AI software, no camera data."""
    found: list[ImageFinding] = []
    exif = image.getexif()
    software = str(exif.get(ExifTags.Base.Software, "") or "")
    lowered = software.lower()
    if any(name in lowered for name in AI_SOFTWARE):
        found.append(ImageFinding(ref, FindingKind.AI_GENERATED, f"Software: {software}"))
    elif any(name in lowered for name in EDITING_SOFTWARE):
        found.append(ImageFinding(ref, FindingKind.EDITING_SOFTWARE, f"Software: {software}"))
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = detail.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if stamp:
        try:
            taken = datetime.strptime(str(stamp).strip("\x00 "), EXIF_DATETIME_FORMAT)
        except ValueError:
            taken = None
        if taken is not None and taken > claimed_at:
            found.append(
                ImageFinding(
                    ref,
                    FindingKind.CAPTURED_AFTER_CLAIM,
                    f"taken {taken:%Y-%m-%d %H:%M}, claim filed {claimed_at:%Y-%m-%d %H:%M}",
                )
            )
    if not exif.get(ExifTags.Base.Make) and not exif.get(ExifTags.Base.Model):
        found.append(ImageFinding(ref, FindingKind.NO_CAMERA_DATA, "no camera make or model"))
    return found


def inspect_provenance(ref: str, data: bytes) -> list[ImageFinding]:
    """C2PA manifest and IPTC 'trainedAlgorithmicMedia' marks in the file's bytes."""
    found: list[ImageFinding] = []
    if all(marker in data for marker in C2PA_MARKERS):
        found.append(ImageFinding(ref, FindingKind.C2PA_MANIFEST, "C2PA manifest (JUMBF) present"))
    for source_type in AI_SOURCE_TYPES:
        if source_type in data:
            name = source_type.rsplit(b"/", 1)[1].decode()
            found.append(
                ImageFinding(ref, FindingKind.AI_GENERATED, f"IPTC digital source type {name}")
            )
            break
    return found


@dataclass(frozen=True, slots=True)
class ImageReport:
    """Findings for one claim's photos, and the counts the risk features use."""

    findings: tuple[ImageFinding, ...]

    def count(self, kinds: Iterable[FindingKind]) -> int:
        wanted = set(kinds)
        return len({f.ref for f in self.findings if f.kind in wanted})

    @property
    def reused_images(self) -> int:
        return self.count([FindingKind.REUSED])

    @property
    def listing_images(self) -> int:
        return self.count([FindingKind.LISTING])

    @property
    def image_flags(self) -> int:
        return self.count(FLAG_KINDS)


def check_claim_images(
    store: ImageStore,
    index: ImageIndex,
    claim_id: str,
    refs: Iterable[str],
    claimed_at: datetime,
    *,
    remember: bool = True,
) -> ImageReport:
    """Check a claim's photos against the index and their own metadata, then index them."""
    findings: list[ImageFinding] = []
    seen: list[tuple[str, Fingerprint]] = []
    for ref in refs:
        data = store.read(ref)
        if data is None:
            findings.append(ImageFinding(ref, FindingKind.MISSING, "not in the image store"))
            continue
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError) as err:
            findings.append(ImageFinding(ref, FindingKind.UNREADABLE, str(err)[:120]))
            continue
        fp = fingerprint(image)
        for i in index.matches(fp, exclude_owner=claim_id):
            kind = FindingKind.LISTING if index.listing[i] else FindingKind.REUSED
            what = "listing image" if index.listing[i] else "photo of claim"
            findings.append(
                ImageFinding(
                    ref, kind, f"same picture as {what} {index.owners[i]}", index.owners[i]
                )
            )
        findings.extend(inspect_metadata(ref, image, claimed_at))
        findings.extend(inspect_provenance(ref, data))
        seen.append((ref, fp))
    if remember:
        for ref, fp in seen:
            index.add(ref, fp, claim_id)
    return ImageReport(tuple(findings))


def index_listing(store: ImageStore, index: ImageIndex, owner: str, refs: Iterable[str]) -> int:
    """Add a listing's images (owner e.g. ``sku:K1``) so claims copying them are caught."""
    added = 0
    for ref in refs:
        data = store.read(ref)
        if data is None:
            continue
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError):
            continue
        index.add(ref, fingerprint(image), owner, listing=True)
        added += 1
    return added
