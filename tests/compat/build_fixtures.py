"""Build the compatibility fixtures: workspaces written and published by kotocast 0.1 (4eab18f).

Run once with the *previous release's* code first on the path, e.g.::

    git worktree add /tmp/k01 4eab18f
    PYTHONPATH=/tmp/k01 .venv/bin/python tests/compat/build_fixtures.py tests/compat

It writes ``podcast/`` and ``video/``: each holds ``workspace/`` (kotocast.toml, episode files, the
processed media, after one publish, without ``public/``) and ``published/`` (every document that
publish wrote, byte for byte, plus ``keys.txt``: every object key with its size and sha256).
``tests/compat/test_compat.py`` publishes the same workspaces with the current code and compares.
The media are a few seconds long so the fixtures stay small.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.cli import main

HERE = Path(__file__).resolve().parent
NOW = "2026-03-02T09:00:00+02:00"
DOCUMENT_SUFFIXES = (".xml", ".html", ".json", ".opml", ".css", ".vtt", ".srt")


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def kotocast(cwd: Path, *args: str) -> None:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        main(list(args))
    except SystemExit as exc:
        if exc.code:
            raise RuntimeError(f"kotocast {args} exited {exc.code}") from None
    finally:
        os.chdir(old)


def speech(path: Path, text: str, voice: str = "fi") -> Path:
    wav = path.with_suffix(".raw.wav")
    sh("espeak-ng", "-v", voice, "-s", "160", "-w", str(wav), text)
    sh("ffmpeg", "-nostdin", "-y", "-i", str(wav), "-af", "volume=-8dB", "-ac", "2", str(path))
    wav.unlink()
    return path


def video(path: Path, sound: Path) -> Path:
    sh(
        "ffmpeg",
        "-nostdin",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=15:d=2",
        "-i",
        str(sound),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-af",
        "apad=whole_dur=2",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        str(path),
    )
    return path


def cover(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (1400, 1400), (20, 90, 140)).save(path)
    return path


def snapshot(workspace: Path, out: Path) -> None:
    public = workspace / "public"
    (out / "published").mkdir(parents=True)
    lines = []
    for f in sorted(p for p in public.rglob("*") if p.is_file()):
        key = f.relative_to(public).as_posix()
        data = f.read_bytes()
        lines.append(f"{key} {len(data)} {hashlib.sha256(data).hexdigest()}")
        if f.suffix in DOCUMENT_SUFFIXES and not key.startswith("_kotocast/"):
            dst = out / "published" / key
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
    (out / "published" / "keys.txt").write_text("\n".join(lines) + "\n")
    shutil.rmtree(public)
    shutil.copytree(workspace, out / "workspace", ignore=shutil.ignore_patterns("sources"))


def build_podcast(tmp: Path, out: Path) -> None:
    src = tmp / "src"
    src.mkdir()
    ws = tmp / "kotona"
    kotocast(
        tmp,
        "init",
        str(ws),
        "--title",
        "Kotona Suomessa",
        "--author",
        "Kotoutumishanke",
        "--email",
        "podcast@example.org",
        "--language",
        "fi",
        "--image",
        str(cover(src / "c.png")),
        "--base-url",
        "https://media.example.org/kotona/",
        "--description",
        "Haastatteluja **kotoutumisesta**.",
    )
    chapters = src / "ch.txt"
    chapters.write_text("00:00:00 Alku\n00:00:01 Vieras\n")
    vtt = src / "t.fi.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.500\nTervetuloa.\n")
    a = speech(src / "a.wav", "Tervetuloa kuuntelemaan.")
    b = speech(src / "b.wav", "Tänään puhumme työstä.")
    c = speech(src / "c.wav", "Asuminen ja vuokrasopimus.")
    kotocast(
        ws,
        "add",
        str(a),
        "--title",
        "Tervetuloa Suomeen",
        "--slug",
        "tervetuloa",
        "--description",
        "Ensimmäiset viikot.",
        "--publish-at",
        "2026-03-01T09:00:00+02:00",
        "--chapters",
        str(chapters),
        "--transcript",
        str(vtt),
        "--person",
        "Aino Koskinen:host",
        "--person",
        "Omar Ali:guest",
        "--soundbite",
        "0+1.5",
        "--now",
        NOW,
    )
    kotocast(
        ws,
        "add",
        str(b),
        "--title",
        "Työnhaku & kielitaito",
        "--slug",
        "tyonhaku",
        "--season",
        "1",
        "--publish-at",
        "2026-03-01T12:00:00+02:00",
        "--now",
        NOW,
    )
    kotocast(
        ws,
        "add",
        str(c),
        "--title",
        "Asuminen",
        "--slug",
        "asuminen",
        "--publish-at",
        "2026-04-01T09:00:00+03:00",
        "--now",
        NOW,
    )
    kotocast(ws, "publish", "--now", NOW)
    snapshot(ws, out / "podcast")


def build_video(tmp: Path, out: Path) -> None:
    src = tmp / "vsrc"
    src.mkdir()
    ws = tmp / "arki"
    kotocast(
        tmp,
        "init",
        str(ws),
        "--title",
        "Arki Suomessa",
        "--author",
        "Kotoutumishanke",
        "--email",
        "video@example.org",
        "--language",
        "fi",
        "--medium",
        "video",
        "--languages",
        "fi,en,ar",
        "--image",
        str(cover(src / "c.png")),
        "--base-url",
        "https://media.example.org/arki/",
        "--description",
        "Lyhyitä videoita arjesta.",
    )
    fi = video(src / "fi.mp4", speech(src / "fi.wav", "Terveyskeskus auttaa."))
    ar = video(src / "ar.mp4", speech(src / "ar.wav", "marhaban", "ar"))
    en_text = "Welcome. The health centre helps you when you are ill."
    en = video(src / "en.mp4", speech(src / "en.wav", en_text, "en"))
    caps = src / "terveys.fi.vtt"
    caps.write_text("WEBVTT\n\n00:00.000 --> 00:01.500\nTerveyskeskus.\n")
    kotocast(
        ws,
        "add",
        str(fi),
        "--slug",
        "terveys",
        "--language",
        "fi",
        "--title",
        "Terveydenhuolto",
        "--description",
        "Miten **terveyskeskus** toimii.",
        "--captions",
        str(caps),
        "--publish-at",
        "2026-03-01T09:00:00+02:00",
        "--now",
        NOW,
    )
    kotocast(
        ws,
        "add",
        str(ar),
        "--slug",
        "terveys",
        "--language",
        "ar",
        "--title",
        "الرعاية الصحية",
        "--description",
        "كيف يعمل المركز الصحي.",
        "--now",
        NOW,
    )
    kotocast(
        ws,
        "add",
        str(en),
        "--slug",
        "koulu",
        "--language",
        "en",
        "--title",
        "School",
        "--publish-at",
        "2026-03-01T10:00:00+02:00",
        "--now",
        NOW,
    )
    kotocast(ws, "publish", "--now", NOW)
    snapshot(ws, out / "video")


if __name__ == "__main__":
    import tempfile

    target = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        build_podcast(Path(tmp), target)
        build_video(Path(tmp), target)
