"""Benchmark: render a 10,000-episode feed with kotocast against plain feedgen.

Both build the same feed (channel basics + itunes channel tags, per item: title, HTML
description, guid, enclosure, pubDate, itunes duration/season/episode/episodeType/explicit);
kotocast additionally writes its Podcast Index tags (podcast:guid, locked, season, episode,
transcript, chapters). Each run is a fresh subprocess (so peak RSS is that run's own), timing
covers building the values' feed and serialising it, not the Python start-up.

Usage: .venv/bin/python bench/bench_feed.py [--episodes 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = "https://cdn.example.fi/show/"
FEED_URL = BASE_URL + "feed.xml"


def catalog(count: int):  # type: ignore[no-untyped-def]
    from episodes.model import Asset, Episode, Person, Show, Transcript

    def asset(key: str, mime: str, size: int = 1000, **kw: object) -> Asset:
        return Asset(path=key, key=key, size_bytes=size, sha256="0" * 64, mime_type=mime, **kw)

    show = Show(
        title="Kotoutumisen äänet",
        author="Äänitys Oy",
        email="podcast@example.fi",
        language="fi",
        description="Haastatteluja kotoutumisesta.",
        image_key="art/cover.jpg",
        persons=(Person("Aino Äänelä"),),
    )
    start = datetime(2000, 1, 3, 7, 0, tzinfo=UTC)
    episodes = [
        Episode(
            slug=f"ep-{n}",
            guid=f"kotocast-{n:05d}",
            title=f"Jakso {n}: äänet & tarinat",
            publish_at=start + timedelta(days=n),
            description=f"Jakson {n} kuvaus, jossa puhutaan kotoutumisesta.\n\nToinen kappale.",
            season=1 + n // 100,
            number=n,
            explicit=False,
            media=asset(f"media/ep-{n:05d}.mp3", "audio/mpeg", 28_000_000 + n, duration_s=1800.0),
            chapters_file=asset(f"media/ep-{n:05d}.chapters.json", "application/json"),
            transcripts=(Transcript(asset(f"media/ep-{n:05d}.fi.vtt", "text/vtt"), "fi"),),
        )
        for n in range(1, count + 1)
    ]
    return show, episodes


def run_kotocast(count: int) -> bytes:
    from feeds.rss import render_feed

    show, episodes = catalog(count)
    t0 = time.perf_counter()
    xml = render_feed(show, episodes, feed_url=FEED_URL, base_url=BASE_URL)
    return xml, time.perf_counter() - t0  # type: ignore[return-value]


def run_feedgen(count: int) -> bytes:
    from feedgen.feed import FeedGenerator

    from feeds.rss import asset_url

    show, episodes = catalog(count)
    t0 = time.perf_counter()
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(show.title)
    fg.link(href=FEED_URL, rel="self")
    fg.link(href=BASE_URL, rel="alternate")
    fg.description(show.description)
    fg.language(show.language)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_category(show.category)
    fg.podcast.itunes_owner(name=show.author, email=show.email)
    fg.podcast.itunes_image(BASE_URL + show.image_key)
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_type(show.show_type)
    for ep in sorted(episodes, key=lambda e: e.publish_at, reverse=True):
        fe = fg.add_entry(order="append")
        fe.title(ep.title)
        fe.description("".join(f"<p>{p}</p>" for p in ep.description.split("\n\n")))
        fe.guid(ep.guid, permalink=False)
        fe.enclosure(asset_url(BASE_URL, ep.media.key), str(ep.media.size_bytes), "audio/mpeg")
        fe.pubDate(ep.publish_at)
        fe.podcast.itunes_duration(round(ep.media.duration_s))
        fe.podcast.itunes_season(ep.season)
        fe.podcast.itunes_episode(ep.number)
        fe.podcast.itunes_episode_type(ep.episode_type)
        fe.podcast.itunes_explicit("no")
    fg.lastBuildDate(episodes[-1].publish_at)
    xml = fg.rss_str(pretty=True)
    return xml, time.perf_counter() - t0  # type: ignore[return-value]


def child(mode: str, count: int) -> None:
    runner = run_kotocast if mode == "kotocast" else run_feedgen
    xml, seconds = runner(count)  # type: ignore[misc]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from lxml import etree  # after the peak was taken: counting is not part of the run

    item = etree.fromstring(xml).find("channel/item")
    result = {"seconds": seconds, "peak_rss_mb": peak_mb, "bytes": len(xml), "per_item": len(item)}
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=["kotocast", "feedgen"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.episodes)
        return
    results: dict[str, list[dict[str, float]]] = {"feedgen": [], "kotocast": []}
    for _ in range(args.runs):
        for mode in results:  # interleaved, so machine noise hits both alike
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--episodes", str(args.episodes)],
                capture_output=True,
                check=True,
                text=True,
            )
            results[mode].append(json.loads(out.stdout))
    base = statistics.median(r["seconds"] for r in results["feedgen"])
    print(f"{args.episodes} episodes, median of {args.runs} runs")
    print("| renderer | time (s) | ratio | peak RSS (MB) | feed size (MB) | elements per item |")
    print("|---|---|---|---|---|---|")
    for mode, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        rss = statistics.median(r["peak_rss_mb"] for r in runs)
        size = runs[0]["bytes"] / 1e6
        per_item = runs[0]["per_item"]
        print(
            f"| {mode} | {seconds:.2f} | {seconds / base:.2f}x | {rss:.0f} | {size:.1f} "
            f"| {per_item:.0f} |"
        )
    # Fair comparison: kotocast writes more per item; time per element of output.
    fg, kc = (statistics.median(r["seconds"] for r in results[m]) for m in ("feedgen", "kotocast"))
    fg_n, kc_n = (results[m][0]["per_item"] for m in ("feedgen", "kotocast"))
    print(f"per item element: kotocast {kc / kc_n / fg * fg_n:.2f}x feedgen's time")


if __name__ == "__main__":
    main()
