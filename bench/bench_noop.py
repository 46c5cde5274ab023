"""Benchmark: the scheduled ``kotocast publish`` when nothing changed, for a 1,000-episode show.

Builds a synthetic workspace without encoding audio: ``kotocast init`` writes the config, then
each episode gets a small fake MP3, a chapters JSON and a WebVTT transcript (a few KB each) and
an ``episodes/<slug>.toml`` written by ``episodes.catalog.save_episode`` with the files' real
size and sha256, as ``kotocast add`` records them; show artwork is a 1400 px JPEG. Storage is a
local folder. One publish uploads everything; then the no-change publish is timed as a cron job
runs it: the whole ``kotocast publish`` process via subprocess (Python start-up included),
median of ``--runs``, against ``python -c pass`` (the floor) in the same run, interleaved.

Also reported: the CLI's import time (``python -X importtime``, the heaviest top-level imports)
and where the rest of the process goes (each publish stage timed in-process).

Usage: .venv/bin/python bench/bench_noop.py [--episodes 1000] [--runs 7]
Data is generated under bench/out/noop/ (gitignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "noop"
# The console script, as cron runs it (``python -c`` would put the workspace, whose
# ``episodes/`` folder shadows our package, first on sys.path).
KOTOCAST = [sys.executable, str(Path(sys.executable).parent / "kotocast")]
NOW = "2030-01-01T00:00:00+00:00"
# Scheduled runs pass --now only in tests; a fixed one keeps every run identical here too.
PUBLISH = ["publish", "--now", NOW]
# pip compiles bytecode when it installs kotocast, so a cron job imports .pyc files; this dev
# environment sets PYTHONDONTWRITEBYTECODE=1 and compiles every module of ours on each run.
# Both are measured; the cache goes to bench/out, not into the source tree.
CACHED = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": str(OUT / "pycache"),
}
UNCACHED = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def build_workspace(workspace: Path, count: int) -> None:
    """Create a ``count``-episode workspace whose catalog matches its files."""
    from PIL import Image

    from episodes.catalog import save_episode
    from episodes.model import Asset, Chapter, Episode, Transcript
    from pipeline.assets import sha256_file

    shutil.rmtree(workspace, ignore_errors=True)
    workspace.parent.mkdir(parents=True, exist_ok=True)
    art = workspace.parent / "cover.jpg"
    Image.new("RGB", (1400, 1400), (200, 80, 40)).save(art, quality=90)
    init = [
        "init",
        str(workspace),
        "--title",
        "Kotoutumisen äänet",
        "--author",
        "Äänitys Oy",
        "--email",
        "podcast@example.fi",
        "--language",
        "fi",
        "--description",
        "Haastatteluja kotoutumisesta.",
        "--image",
        str(art),
        "--base-url",
        "https://cdn.example.fi/show/",
    ]
    subprocess.run([*KOTOCAST, *init], check=True, capture_output=True, cwd=ROOT)

    def asset(rel: str, body: bytes, mime: str, **kw: object) -> Asset:
        path = workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return Asset(rel, rel, len(body), sha256_file(path), mime, **kw)  # type: ignore[arg-type]

    # One-variant episodes (kotocast 0.2's shape); 0.1's Episode took the same flat fields.
    single = getattr(Episode, "single", None)
    make = (lambda **kw: single(language="fi", **kw)) if single else Episode

    start = datetime(2010, 1, 4, 7, 0, tzinfo=UTC)
    for n in range(1, count + 1):
        slug = f"jakso-{n:04d}"
        tag = hashlib.sha256(slug.encode()).hexdigest()[:12]
        # A few KB that look like an MP3 (ID3 header, then frame sync bytes); never decoded.
        mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" * (1000 + n % 500)
        chapters = json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Alku"}]})
        vtt = f"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nJakso {n}.\n"
        episode = make(
            slug=slug,
            guid=f"urn:uuid:{hashlib.md5(slug.encode()).hexdigest()}",
            title=f"Jakso {n}: äänet & tarinat",
            publish_at=start + timedelta(days=3 * n),
            description=f"Jakson {n} kuvaus: kotoutuminen.\n\n- kohta 1\n- kohta 2",
            season=1 + n // 100,
            number=n,
            explicit=False,
            media=asset(f"media/{slug}-{tag}.mp3", mp3, "audio/mpeg", duration_s=1800.0 + n),
            chapters=(Chapter(0.0, "Alku"),),
            chapters_file=asset(
                f"media/{slug}-{tag}.chapters.json", chapters.encode(), "application/json"
            ),
            transcripts=(
                Transcript(asset(f"media/{slug}-{tag}.fi.vtt", vtt.encode(), "text/vtt"), "fi"),
            ),
            created_at=start,
        )
        save_episode(workspace, episode, new=True)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, CPU seconds user+sys, stdout); fail on non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env or CACHED)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if out.returncode != 0:
        raise SystemExit(f"{cmd}: exit {out.returncode}\n{out.stderr}")
    return seconds, cpu, out.stdout


def import_times(workspace: Path) -> tuple[float, list[tuple[float, str]]]:
    """Return (total import seconds, heaviest top-level imports) of a no-change publish."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *KOTOCAST[1:], *PUBLISH],
        cwd=workspace,
        env=CACHED,
        capture_output=True,
        text=True,
        check=True,
    )
    top: list[tuple[float, str]] = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(3)) == 1:  # top-level: one space of indent
            top.append((int(match.group(2)) / 1e6, match.group(4)))
    return sum(s for s, _ in top), sorted(top, reverse=True)


def peak_rss_mb(workspace: Path) -> float:
    """Return the peak RSS of one no-change ``kotocast publish`` process."""
    code = (
        "import atexit, resource, sys; atexit.register(lambda: print("
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
        "from pipeline.cli import main; main()"
    )
    out = subprocess.run(
        [sys.executable, "-P", "-c", code, *PUBLISH],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=CACHED,
    )
    return int(out.stderr.split()[-1]) / 1024


def stage_times(workspace: Path) -> dict[str, float]:
    """Time each stage of one no-change publish in this process (imports already done)."""
    import pipeline.publish as pub

    spent: dict[str, float] = {}

    def wrap(module: object, name: str, label: str) -> None:
        inner = getattr(module, name, None)
        if inner is None:  # a stage this version of publish does not have
            return

        def timed_call(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed_call)

    for name, label in [
        ("load_show", "load kotocast.toml"),
        ("load_episodes", "load episode TOML files"),
        ("show_artwork", "artwork (hash source, find cached)"),
        ("render_feed", "render feed"),
        ("validate_feed", "validate feed"),
        ("media_objects", "stat media files"),
        ("open_storage", "open storage"),
        ("check_continuity", "guard (only when feed differs)"),
        ("plan_is_unchanged", "storage: manifest read, nothing to do"),
        ("publish_objects", "sync (only when something changed)"),
        ("_write_state", "write published.json"),
    ]:
        wrap(pub, name, label)
    t0 = time.perf_counter()
    pub.publish(workspace, now=datetime.fromisoformat(NOW))
    spent["total publish()"] = time.perf_counter() - t0
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse an existing workspace")
    parser.add_argument(
        "--compare",
        type=Path,
        help="also time another source tree on the same workspace, interleaved (e.g. a "
        "worktree of the previous commit: git worktree add /tmp/prev HEAD~1)",
    )
    args = parser.parse_args()
    workspace = OUT / f"show-{args.episodes}"

    if not (args.keep and (workspace / "kotocast.toml").is_file()):
        t0 = time.perf_counter()
        build_workspace(workspace, args.episodes)
        print(f"built {args.episodes}-episode workspace in {time.perf_counter() - t0:.1f} s")
    first, _, summary = timed([*KOTOCAST, *PUBLISH], workspace)  # also fills the .pyc cache
    print(f"first publish: {first:.2f} s: {summary.strip()[:100]}...")

    runs: dict[str, list[tuple[float, float]]] = {
        "`python -c pass` (floor)": [],
        "`kotocast publish`, no change (bytecode cached, as installed)": [],
        "`kotocast publish`, no change (PYTHONDONTWRITEBYTECODE=1)": [],
    }
    commands = [
        ([sys.executable, "-c", "pass"], CACHED),
        ([*KOTOCAST, *PUBLISH], CACHED),
        ([*KOTOCAST, *PUBLISH], UNCACHED),
    ]
    if args.compare:
        runner = OUT / "run_other.py"  # a script path, so the workspace is not on sys.path
        runner.write_text("from pipeline.cli import main\nmain()\n")
        other = {
            **CACHED,
            "PYTHONPATH": str(args.compare.resolve()),
            "PYTHONPYCACHEPREFIX": str(OUT / "pycache-compare"),
        }
        runs[f"`kotocast publish`, no change, code of {args.compare} (cached)"] = []
        commands.append(([sys.executable, str(runner), *PUBLISH], other))
        timed(commands[-1][0], workspace, other)  # fill its .pyc cache
    for _ in range(args.runs):  # interleaved, so machine noise hits all alike
        for label, (cmd, env) in zip(runs, commands, strict=True):
            seconds, cpu, summary = timed(cmd, workspace, env)
            if cmd is not commands[0][0] and "nothing changed" not in summary:
                raise SystemExit(f"not a no-change run: {summary}")
            runs[label].append((seconds, cpu))
    feed = workspace / "public" / "feed.xml"
    before = feed.stat().st_mtime_ns
    timed([*KOTOCAST, *PUBLISH], workspace)
    assert feed.stat().st_mtime_ns == before, "a no-change publish rewrote the feed"

    total_import, top = import_times(workspace)
    stages = stage_times(workspace)
    rss_mb = peak_rss_mb(workspace)

    print(f"\n{args.episodes} episodes, local-folder storage, median of {args.runs} runs")
    print("| run | wall time (s) | min-max wall | CPU time (s) |")
    print("|---|---|---|---|")
    for label, results in runs.items():
        wall = [w for w, _ in results]
        cpu = statistics.median(c for _, c in results)
        print(
            f"| {label} | {statistics.median(wall):.2f} | {min(wall):.2f}-{max(wall):.2f} "
            f"| {cpu:.2f} |"
        )
    print(f"\nimports (python -X importtime): {total_import:.2f} s; heaviest top-level:")
    for seconds, name in top[:8]:
        print(f"  {seconds * 1000:6.0f} ms  {name}")
    print("\npublish() stages, in-process (one run):")
    for label, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds * 1000:6.0f} ms  {label}")
    print(f"peak RSS of a no-change publish process: {rss_mb:.0f} MB")
    print(f"machine load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
