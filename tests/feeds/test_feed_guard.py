"""check_continuity: what may and may not change between two published feeds."""

from __future__ import annotations

import dataclasses

import pytest
from feedfactory import BASE_URL, FEED_URL, asset, episode, show

from feeds.errors import FeedUnreadable
from feeds.guard import check_continuity
from feeds.rss import render_feed

EPISODES = [episode(1), episode(2), episode(3)]


def feed(episodes: list, **show_fields: object) -> bytes:
    return render_feed(show(**show_fields), episodes, feed_url=FEED_URL, base_url=BASE_URL)


PREVIOUS = feed(EPISODES)


def test_same_feed_and_new_episodes_pass() -> None:
    assert check_continuity(PREVIOUS, PREVIOUS) == []
    assert check_continuity(PREVIOUS, feed([*EPISODES, episode(4)])) == []


def test_editing_title_description_and_reencoding_pass() -> None:
    edited = EPISODES[0].with_variant(title="Uusi otsikko", description="Uusi")
    reencoded = EPISODES[1].with_variant(
        media=asset("media/ep-002-new.mp3", "audio/mpeg", 5, duration_s=1.0)
    )
    assert check_continuity(PREVIOUS, feed([edited, reencoded, EPISODES[2]])) == []


def test_changed_guid_is_refused_once() -> None:
    tampered = dataclasses.replace(EPISODES[0], guid="new-guid")
    (message,) = check_continuity(PREVIOUS, feed([tampered, *EPISODES[1:]]))
    assert "kotocast-0001-9a1c" in message and "new-guid" in message


def test_vanished_episode_is_refused_unless_withdrawn() -> None:
    (message,) = check_continuity(PREVIOUS, feed(EPISODES[1:]))
    assert "kotocast-0001-9a1c" in message and "vanished" in message
    withdrawn = {"kotocast-0001-9a1c"}
    assert check_continuity(PREVIOUS, feed(EPISODES[1:]), withdrawn_guids=withdrawn) == []


def test_reused_enclosure_url_is_refused() -> None:
    thief = episode(4, media=EPISODES[0].media)
    (message,) = check_continuity(PREVIOUS, feed([*EPISODES, thief]))
    assert "reused" in message and EPISODES[0].media.key in message
    # Also when the episode that had the URL was withdrawn: apps cached that file.
    messages = check_continuity(
        PREVIOUS, feed([*EPISODES[1:], thief]), withdrawn_guids={"kotocast-0001-9a1c"}
    )
    assert len(messages) == 1 and "reused" in messages[0]


def test_changed_podcast_guid_is_refused() -> None:
    (message,) = check_continuity(PREVIOUS, feed(EPISODES, podcast_guid=None))
    assert "podcast:guid changed" in message


def test_unreadable_feeds_raise() -> None:
    with pytest.raises(FeedUnreadable, match="previous feed"):
        check_continuity(b"<rss><channel>", PREVIOUS)


def test_adding_or_changing_an_enclosure_prefix_is_intended() -> None:
    from episodes.podcasting import Podcasting

    op3 = Podcasting(enclosure_prefix="https://op3.dev/e,pg=917393e3-1b1e-5cef-ace4-edaa54e1f810/")
    other = Podcasting(enclosure_prefix="https://stats.example.net/p/")
    prefixed = feed(EPISODES, podcasting=op3)
    assert b'url="https://op3.dev/e,pg=' in prefixed
    assert check_continuity(PREVIOUS, prefixed) == []
    assert check_continuity(prefixed, feed(EPISODES, podcasting=other)) == []
    assert check_continuity(prefixed, PREVIOUS) == []
