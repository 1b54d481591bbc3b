"""What an evidence file really is, and copies of it safe to share.

The type of an upload is read from its first bytes (its "magic" signature), never from its
name or from the type the browser declared: a ``.pdf`` that is really an executable, or a
``.jpg`` that is really an HTML page, is refused and the refusal says what the content is.

The allow-list is the files monitors actually receive: documents (PDF, Word, OpenDocument
text, Excel workbooks, plain text), photos (JPEG, PNG, GIF, WebP, HEIC, AVIF), audio (MP3,
Ogg, WAV, FLAC, AMR, M4A) and video (MP4, QuickTime, 3GP, WebM, Matroska). HTML is accepted
only as a web capture, where it is the very thing being preserved; it is always served as a
download.
Executables, scripts, archives, SVG/XML, RTF and old binary Office files are refused: they
can carry code, and a document in them can be re-saved in an allowed format.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: Bytes read to recognise a type (and to tell text from binary).
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """A kind of content recognised by its signature."""

    code: str
    label: str  # as in "The content is <label>"
    mime: str
    allowed: bool = True
    web_capture: bool = False  # may be the capture of a web page


# -- the allow-list ----------------------------------------------------------------------------

PDF = FileType("pdf", "a PDF document", "application/pdf", web_capture=True)
PNG = FileType("png", "a PNG image", "image/png", web_capture=True)
JPEG = FileType("jpeg", "a JPEG image", "image/jpeg", web_capture=True)
GIF = FileType("gif", "a GIF image", "image/gif", web_capture=True)
WEBP = FileType("webp", "a WebP image", "image/webp", web_capture=True)
HEIC = FileType("heic", "a HEIC image", "image/heic")
AVIF = FileType("avif", "an AVIF image", "image/avif")
MP3 = FileType("mp3", "an MP3 recording", "audio/mpeg")
OGG = FileType("ogg", "an Ogg recording", "audio/ogg")
WAV = FileType("wav", "a WAV recording", "audio/wav")
FLAC = FileType("flac", "a FLAC recording", "audio/flac")
AMR = FileType("amr", "an AMR voice recording", "audio/amr")
M4A = FileType("m4a", "an M4A recording", "audio/mp4")
MP4 = FileType("mp4", "an MP4 video", "video/mp4")
MOV = FileType("mov", "a QuickTime video", "video/quicktime")
THREE_GP = FileType("3gp", "a 3GP video", "video/3gpp")
WEBM = FileType("webm", "a WebM video", "video/webm")
MKV = FileType("mkv", "a Matroska video", "video/x-matroska")
DOCX = FileType(
    "docx",
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
ODT = FileType("odt", "an OpenDocument text", "application/vnd.oasis.opendocument.text")
# Spreadsheets brought in by an import are kept as the evidence of their rows (issue 21).
XLSX = FileType(
    "xlsx", "an Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
TEXT = FileType("text", "plain text", "text/plain")
UTF16_TEXT = FileType("text", "plain text", "text/plain; charset=utf-16")
# Allowed for web captures only (see ``check_upload``).
HTML = FileType("html", "an HTML page", "text/html", allowed=False, web_capture=True)

# -- recognised, and refused -------------------------------------------------------------------


def _refused(code: str, label: str, mime: str = "application/octet-stream") -> FileType:
    return FileType(code, label, mime, allowed=False)


WINDOWS_EXECUTABLE = _refused("exe", "a Windows executable", "application/x-msdownload")
ELF_EXECUTABLE = _refused("elf", "a Linux executable (ELF)")
MACHO_EXECUTABLE = _refused("macho", "a macOS executable or a Java class")
SCRIPT = _refused("script", "a script", "text/x-script")
ZIP = _refused("zip", "a ZIP archive", "application/zip")
DOCM = _refused("docm", "a Word document with macros")
XLSM = _refused("xlsm", "an Excel workbook with macros")
OFFICE_ZIP = _refused("office", "an Office file other than a Word document")
RAR = _refused("rar", "a RAR archive")
SEVEN_ZIP = _refused("7z", "a 7-Zip archive")
GZIP = _refused("gzip", "a gzip archive")
BZIP2 = _refused("bzip2", "a bzip2 archive")
XZ = _refused("xz", "an xz archive")
OLE = _refused("ole", "an old-format Office file or installer (OLE2)")
RTF = _refused("rtf", "an RTF document", "application/rtf")
SVG = _refused("svg", "an SVG image (it can carry scripts)", "image/svg+xml")
XML = _refused("xml", "an XML document", "application/xml")
AVI = _refused("avi", "an AVI video", "video/x-msvideo")
EMPTY = _refused("empty", "empty")
UNKNOWN = _refused("unknown", "of an unrecognised type")

#: Every type accepted as ordinary evidence, in the order the refusal lists them.
ALLOWED_TYPES = (
    PDF, DOCX, ODT, XLSX, TEXT, JPEG, PNG, GIF, WEBP, HEIC, AVIF,
    MP3, M4A, OGG, WAV, FLAC, AMR, MP4, MOV, THREE_GP, WEBM, MKV,
)  # fmt: skip
#: What a web capture may be: the page itself, a PDF print of it, or a screenshot.
WEB_CAPTURE_TYPES = (HTML, PDF, PNG, JPEG, GIF, WEBP)

_FTYP_BRANDS = {
    b"qt  ": MOV,
    b"M4A ": M4A,
    b"M4B ": M4A,
    b"heic": HEIC,
    b"heix": HEIC,
    b"mif1": HEIC,
    b"msf1": HEIC,
    b"avif": AVIF,
    b"avis": AVIF,
    b"3gp4": THREE_GP,
    b"3gp5": THREE_GP,
    b"3gp6": THREE_GP,
    b"3g2a": THREE_GP,
}

_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_MACHO_FAT = b"\xca\xfe\xba\xbe"  # also a Java class file: refused either way
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
# Control characters that never occur in text (NUL, and the C0 set but tab, newlines, form
# feed and escape); their presence means binary content.
_BINARY_BYTES = frozenset(range(32)) - {9, 10, 11, 12, 13, 27}


def sniff(fileobj) -> FileType:
    """The type of ``fileobj``'s content, from its first bytes; the position is kept at 0."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    kind = _sniff_head(head)
    if kind is ZIP:
        kind = _sniff_zip(fileobj)
        fileobj.seek(0)
    return kind


def _sniff_head(head: bytes) -> FileType:
    if not head:
        return EMPTY
    signatures: tuple[tuple[bytes, FileType], ...] = (
        (b"%PDF-", PDF),
        (b"\x89PNG\r\n\x1a\n", PNG),
        (b"\xff\xd8\xff", JPEG),
        (b"GIF87a", GIF),
        (b"GIF89a", GIF),
        (b"OggS", OGG),
        (b"fLaC", FLAC),
        (b"#!AMR", AMR),  # before scripts: "#!" starts both
        (b"ID3", MP3),
        (b"\x1a\x45\xdf\xa3", MKV),
        (b"\xff\xfe", UTF16_TEXT),  # byte-order marks, before MPEG's frame sync
        (b"\xfe\xff", UTF16_TEXT),
        (b"MZ", WINDOWS_EXECUTABLE),
        (b"\x7fELF", ELF_EXECUTABLE),
        (_MACHO_FAT, MACHO_EXECUTABLE),
        (b"#!", SCRIPT),
        (b"PK\x03\x04", ZIP),
        (b"PK\x05\x06", ZIP),
        (b"Rar!\x1a\x07", RAR),
        (b"7z\xbc\xaf\x27\x1c", SEVEN_ZIP),
        (b"\x1f\x8b", GZIP),
        (b"BZh", BZIP2),
        (b"\xfd7zXZ\x00", XZ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
        (b"{\\rtf", RTF),
    )
    for signature, kind in signatures:
        if head.startswith(signature):
            if kind is MKV and b"webm" in head[:64]:
                return WEBM
            return kind
    if head[:4] in _MACHO:
        return MACHO_EXECUTABLE
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": WEBP, b"WAVE": WAV, b"AVI ": AVI}.get(head[8:12], UNKNOWN)
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], MP4)
    # MPEG audio frame sync (11 bits set) with a layer (not AAC's 00).
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and (head[1] >> 1) & 3:
        return MP3
    return _sniff_text(head)


def _sniff_text(head: bytes) -> FileType:
    if any(byte in _BINARY_BYTES for byte in head):
        return UNKNOWN
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if any(marker in start[:4096] for marker in _HTML_MARKERS):
        return HTML
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start[:4096]):
        return SVG
    if start.startswith(b"<?xml"):
        return XML
    # Text in any single-byte or UTF-8 encoding (a Cyrillic letter in Windows-1251 is as
    # much text as one in UTF-8); the charset is not guessed.
    return TEXT


def _sniff_zip(fileobj) -> FileType:
    """Word and OpenDocument files are ZIP archives; anything else zipped is refused.

    Only the archive's directory is read (and the few bytes of an OpenDocument's
    ``mimetype`` member), never its contents: a ZIP bomb is not unpacked.
    """
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").strip()
                if mimetype == ODT.mime.encode():
                    return ODT
                return OFFICE_ZIP if mimetype.startswith(b"application/vnd.oasis") else ZIP
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCM if "word/vbaProject.bin" in names else DOCX
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return XLSM if "xl/vbaProject.bin" in names else XLSX
            if "[Content_Types].xml" in names:
                return OFFICE_ZIP
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return ZIP
    return ZIP


def _allowed_list(types: tuple[FileType, ...]) -> str:
    codes = dict.fromkeys(kind.code.upper() for kind in types)  # ordered, without repeats
    return ", ".join(codes)


def check_size(size: int, limit: int) -> None:
    """Refuse a file over ``limit`` bytes, saying both sizes."""
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            },
            code="file_size",
        )


def check_upload(fileobj, *, is_web_capture: bool = False, max_bytes: int) -> FileType:
    """The type of an upload, if it may be stored; a ``ValidationError`` saying why if not.

    Forms can call this in ``clean()`` to answer early; the upload service calls it again.
    """
    size = getattr(fileobj, "size", None)
    if size is not None:
        check_size(size, max_bytes)
    kind = sniff(fileobj)
    if kind is EMPTY:
        raise ValidationError({"file": _("The file is empty.")}, code="file_empty")
    if is_web_capture:
        if kind not in WEB_CAPTURE_TYPES:
            raise ValidationError(
                {
                    "file": _(
                        "A web capture must be an HTML page, a PDF or an image; the content is "
                        "%(kind)s."
                    )
                    % {"kind": kind.label}
                },
                code="file_type",
            )
        return kind
    if kind is HTML:
        raise ValidationError(
            {
                "file": _(
                    "The content is an HTML page, not an allowed type: HTML is accepted only "
                    "as a web capture."
                )
            },
            code="file_type",
        )
    if not kind.allowed:
        raise ValidationError(
            {
                "file": _("The content is %(kind)s, not an allowed type (allowed: %(allowed)s).")
                % {"kind": kind.label, "allowed": _allowed_list(ALLOWED_TYPES)}
            },
            code="file_type",
        )
    return kind


# -- derived copies ----------------------------------------------------------------------------

#: Derivations a copy can be made by, with the description stored on the copy.
DERIVATIONS = {
    "strip_location": (
        "Location and device metadata removed (EXIF except orientation, GPS, XMP, comments); "
        "pixels, orientation and colour profile kept."
    ),
}
#: Types a location-stripped copy can be made of.
STRIPPABLE_TYPES = (JPEG, PNG)

#: The EXIF tag kept in a stripped copy: without it a phone photo may show on its side.
EXIF_ORIENTATION = 0x0112


def strip_location(data: bytes, kind: FileType) -> bytes:
    """A copy of a JPEG or PNG image without location (or any identifying) metadata.

    Pillow writes only what it is given: EXIF (GPS position, camera serial numbers, owner
    name), XMP (which repeats the GPS position), IPTC and comments of the original are not
    carried over. JPEG keeps the original's quantisation tables (``quality="keep"``), so the
    re-encoded pixels are as close to the original as a JPEG re-save allows.

    Raises:
        ValueError: the image cannot be read.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean_exif = Image.Exif()
            orientation = image.getexif().get(EXIF_ORIENTATION)
            if orientation:
                clean_exif[EXIF_ORIENTATION] = orientation
            options: dict = {}
            if orientation:
                options["exif"] = clean_exif.tobytes()
            if image.info.get("icc_profile"):
                options["icc_profile"] = image.info["icc_profile"]
            out = io.BytesIO()
            if kind is JPEG:
                image.save(out, "JPEG", quality="keep", subsampling="keep", comment=b"", **options)
            elif kind is PNG:
                if "transparency" in image.info:
                    options["transparency"] = image.info["transparency"]
                image.save(out, "PNG", **options)
            else:
                raise ValueError(f"cannot strip {kind.label}")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValueError(str(error)) from error
    return out.getvalue()
