"""kotocast.toml's Podcasting 2.0 keys: read into Show.podcasting, wrong values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodes.errors import ConfigInvalid
from episodes.podcasting import Funding, License, Location, Notify, RemoteItem
from episodes.show import load_show

BASE = """
[show]
title = "Kotona Suomessa"
author = "Hanke"
email = "podcast@example.org"
language = "fi"
"""

FULL = (
    BASE
    + """license = "CC-BY-4.0"
license_url = "https://creativecommons.org/licenses/by/4.0/"
location = { name = "Helsinki", geo = "geo:60.1699,24.9384", osm = "R34914" }
season_names = { 1 = "Syksy", 2 = "Kevät" }

[[show.funding]]
url = "https://example.org/amif"
text = "EU:n turvapaikka-, maahanmuutto- ja kotouttamisrahasto (AMIF)"

[[show.funding]]
url = "https://example.org/esf"
text = "ESR+"

[[show.podroll]]
feed_guid = "917393E3-1B1E-5CEF-ACE4-EDAA54E1F810"
feed_url = "https://example.org/other.xml"

[feed]
apple_podcasts_verify = "S6lpp-7ZCn8"
podroll_own_feeds = true
enclosure_prefix = "https://op3.dev/e,pg=1480635d-2641-5ca1-989c-7d5eedbf4d59/"
update_frequency = "auto"

[notify]
websub_hubs = ["https://pubsubhubbub.appspot.com/"]
ping_urls = []
podping_url = "https://podping.cloud/?url={url}"
timeout_s = 5
"""
)


def _load(tmp_path: Path, text: str) -> object:
    (tmp_path / "kotocast.toml").write_text(text, encoding="utf-8")
    return load_show(tmp_path)


def test_every_key_is_read(tmp_path: Path) -> None:
    show = _load(tmp_path, FULL)
    p = show.podcasting  # type: ignore[attr-defined]
    assert p.funding == (
        Funding(
            "https://example.org/amif",
            "EU:n turvapaikka-, maahanmuutto- ja kotouttamisrahasto (AMIF)",
        ),
        Funding("https://example.org/esf", "ESR+"),
    )
    assert p.podroll == (
        RemoteItem("917393e3-1b1e-5cef-ace4-edaa54e1f810", "https://example.org/other.xml"),
    )
    assert p.license == License("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/")
    assert p.location == Location("Helsinki", "geo:60.1699,24.9384", "R34914")
    assert p.season_names == {1: "Syksy", 2: "Kevät"}
    assert p.apple_podcasts_verify == "S6lpp-7ZCn8"
    assert p.podroll_own_feeds is True
    assert p.enclosure_prefix.startswith("https://op3.dev/e,pg=")
    assert p.notify == Notify(
        websub_hubs=("https://pubsubhubbub.appspot.com/",),
        ping_urls=(),
        podping_url="https://podping.cloud/?url={url}",
        timeout_s=5.0,
    )
    assert show.update_frequency == "auto"  # type: ignore[attr-defined]


def test_nothing_set_means_nothing_written(tmp_path: Path) -> None:
    p = _load(tmp_path, BASE).podcasting  # type: ignore[attr-defined]
    assert (p.funding, p.podroll, p.license, p.location, p.season_names) == ((), (), None, None, {})
    assert p.notify.ping_urls is None  # the Podcast Index default applies


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[show.funding]]\nurl = "donate.html"\ntext = "x"\n',
            r"show\.funding\[0\]\.url: must be an http\(s\) URL",
        ),
        (
            '[[show.funding]]\nurl = "https://x.org/"\ntext = ""\n',
            r"show\.funding\[0\]\.text: must be non-empty",
        ),
        (
            '[[show.funding]]\nurl = "https://x.org/"\ntxt = "x"\n',
            r"show\.funding\[0\]\.txt: unknown key",
        ),
        (
            '[[show.podroll]]\nfeed_guid = "podnews"\n',
            r"show\.podroll\[0\]\.feed_guid: must be the feed's podcast:guid",
        ),
        (
            '[notify]\nping_urls = ["https://x.org/ping"]\n',
            r"notify\.ping_urls\[0\]: .* has no \{url\}",
        ),
        (
            '[notify]\nwebsub_hub = ["https://x.org/"]\n',
            r"notify\.websub_hub: unknown key; did you mean 'websub_hubs'",
        ),
        ("[notify]\ntimeout_s = 0\n", r"notify\.timeout_s: must be a number of seconds"),
        (
            '[feed]\nenclosure_prefix = "https://op3.dev/e"\n',
            r"feed\.enclosure_prefix: must end with '/'",
        ),
    ],
)
def test_wrong_values_name_the_file_and_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigInvalid, match=r"kotocast\.toml: " + message):
        _load(tmp_path, BASE + extra)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('license_url = "https://x.org/l"', r"show\.license_url: needs license"),
        (
            'location = { name = "Oodi", geo = "60.17,24.94" }',
            r"show\.location\.geo: must be an RFC 5870",
        ),
        ('season_names = { first = "Syksy" }', r"show\.season_names\.first: season must be"),
    ],
)
def test_wrong_show_values(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigInvalid, match=message):
        _load(tmp_path, BASE + line + "\n")


def test_settings_written_back_read_the_same(tmp_path: Path) -> None:
    import tomlkit

    from episodes.podcasting import podcasting_config, read_podcasting

    settings = _load(tmp_path, FULL).podcasting  # type: ignore[attr-defined]
    tables = podcasting_config(settings)
    text = tomlkit.dumps(tables)
    data = tomlkit.parse(text).unwrap()
    assert read_podcasting(data, tmp_path / "kotocast.toml") == settings
    assert podcasting_config(_load(tmp_path, BASE).podcasting) == {}  # type: ignore[attr-defined]
