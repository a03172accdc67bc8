"""Build the browser extension: draw its PNG icons, then write dist/deeptrace-extension/ (load it
unpacked) and dist/deeptrace-extension.zip (upload it to the Chrome Web Store or Edge Add-ons).

Standard library only, so `make extension` works without the project's virtualenv. The icons are
drawn here instead of being committed as binaries. Usage: python3 extension/build.py [OUT_DIR]
"""

import functools
import json
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

SOURCE = Path(__file__).resolve().parent
PACKAGED_SUFFIXES = {".json", ".js", ".html", ".css"}
ICON_SIZES = (16, 32, 48, 128)
ZIP_DATE = (2025, 1, 1, 0, 0, 0)  # fixed, so the same sources give a byte-identical zip

NAVY, WHITE, RED = (26, 43, 76), (255, 255, 255), (234, 67, 53)


def _colour_at(x, y):
    """The icon in unit coordinates: a rounded navy tile, a white magnifying glass over a red dot."""
    # Rounded square with corner radius 0.2.
    cx, cy = min(max(x, 0.2), 0.8), min(max(y, 0.2), 0.8)
    if (x - cx) ** 2 + (y - cy) ** 2 > 0.2**2:
        return None
    lens = ((x - 0.42) ** 2 + (y - 0.42) ** 2) ** 0.5
    if lens < 0.12:
        return RED
    if 0.19 < lens < 0.27:
        return WHITE
    # Handle: distance to the segment (0.6, 0.6)-(0.82, 0.82).
    t = min(max(((x - 0.6) + (y - 0.6)) / 2 / 0.22, 0), 1) * 0.22
    if ((x - 0.6 - t) ** 2 + (y - 0.6 - t) ** 2) ** 0.5 < 0.055:
        return WHITE
    return NAVY


@functools.lru_cache(maxsize=None)  # drawing is pure Python (~1 s for 128 px); tests build several times
def icon_pixels(size, samples=4):
    """RGBA rows, anti-aliased by averaging samples x samples points per pixel."""
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            r = g = b = a = 0
            for sy in range(samples):
                for sx in range(samples):
                    colour = _colour_at((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)
                    if colour:
                        r, g, b, a = r + colour[0], g + colour[1], b + colour[2], a + 1
            row += bytes((r // a, g // a, b // a, 255 * a // samples**2) if a else (0, 0, 0, 0))
        rows.append(bytes(row))
    return tuple(rows)


def png(size, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def build(out_dir):
    """Write the unpacked extension into out_dir/deeptrace-extension and zip it; return both paths."""
    out_dir = Path(out_dir)
    unpacked = out_dir / "deeptrace-extension"
    shutil.rmtree(unpacked, ignore_errors=True)
    (unpacked / "icons").mkdir(parents=True)
    for path in sorted(SOURCE.iterdir()):
        if path.is_file() and path.suffix in PACKAGED_SUFFIXES:
            shutil.copy2(path, unpacked / path.name)
    for size in ICON_SIZES:
        (unpacked / "icons" / f"icon{size}.png").write_bytes(png(size, icon_pixels(size)))
    _check_manifest(unpacked)
    archive = out_dir / "deeptrace-extension.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in unpacked.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(unpacked).as_posix(), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return unpacked, archive


def _check_manifest(unpacked):
    """Fail the build, not the store review, when the manifest names a file that is not there."""
    manifest = json.loads((unpacked / "manifest.json").read_text())
    named = [manifest["background"]["service_worker"], manifest["action"]["default_popup"],
             manifest["options_ui"]["page"]]
    named += list(manifest["icons"].values()) + list(manifest["action"]["default_icon"].values())
    missing = [name for name in named if not (unpacked / name).is_file()]
    if missing:
        raise SystemExit(f"manifest.json names files that are missing: {', '.join(missing)}")


if __name__ == "__main__":
    unpacked, archive = build(sys.argv[1] if len(sys.argv) > 1 else SOURCE.parent / "dist")
    print(f"Unpacked extension: {unpacked}\nStore package:      {archive} ({archive.stat().st_size // 1024} KiB)")
