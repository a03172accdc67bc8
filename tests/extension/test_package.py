"""`make extension`: the store zip holds a valid MV3 manifest, every file it names and drawn icons."""

import json
import struct
import zipfile

from extension import build


def test_the_zip_holds_the_manifest_and_every_file_it_names(tmp_path):
    _, archive = build.build(tmp_path)
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        icon = zf.read("icons/icon128.png")
    assert manifest["manifest_version"] == 3
    assert manifest["permissions"] == ["activeTab", "scripting", "storage", "notifications", "tabCapture", "offscreen"]
    assert "host_permissions" not in manifest  # pages open to it only when the user clicks its button
    needed = {manifest["background"]["service_worker"], manifest["action"]["default_popup"],
              manifest["options_ui"]["page"], "content.js", "overlay.css", "offscreen.html", "offscreen.js",
              *manifest["icons"].values()}
    assert needed <= names
    assert not any(name.endswith(".py") for name in names)
    assert icon[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", icon[16:24]) == (128, 128)


def test_the_same_sources_give_the_same_zip(tmp_path):
    _, first = build.build(tmp_path / "a")
    _, second = build.build(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
