"""Caption layout rules, the three writers, and the checked WebVTT reader.

The writers' output is read back by parsers we did not write where one exists: SubRip and
WebVTT by webvtt-py, JSON by the standard library; WebVTT also by our own reader.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import tempfile
from pathlib import Path

import pytest
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from media.captions import Captions, read_captions
from media.cues import (
    Cue,
    CueRules,
    CuesInvalid,
    Segment,
    SpeakerTurn,
    Word,
    make_cues,
    read_webvtt,
    write_srt,
    write_transcript_json,
    write_webvtt,
)

RULES = CueRules()


def _segment(text: str, start: float, per_word: float = 0.4, gap: float = 0.05) -> Segment:
    words = []
    at = start
    for token in text.split():
        words.append(Word(at, at + per_word, token))
        at += per_word + gap
    return Segment(start, at, text, tuple(words))


word_text = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäöåØабвгд,.?!-'"), min_size=1, max_size=16
)


@st.composite
def recognised(draw: st.DrawFn) -> list[Segment]:
    segments = []
    at = 0.0
    for _ in range(draw(st.integers(1, 6))):
        words = []
        for _ in range(draw(st.integers(1, 30))):
            at += draw(st.floats(0.0, 2.5))
            length = draw(st.floats(0.0, 1.2))
            words.append(Word(at, at + length, draw(word_text)))
            at += length
        segments.append(
            Segment(words[0].start_s, at, " ".join(w.text for w in words), tuple(words))
        )
    return segments


@settings(max_examples=150, deadline=None)
@given(recognised(), st.lists(st.floats(0, 200), max_size=6))
def test_cues_follow_the_caption_rules(segments: list[Segment], changes: list[float]) -> None:
    bounds = sorted({0.0, *changes, 10_000.0})
    speakers = [
        SpeakerTurn(a, b, f"Speaker {n}") for n, (a, b) in enumerate(itertools.pairwise(bounds))
    ]
    cues = make_cues(segments, speakers)
    all_words = [w.text for s in segments for w in s.words]
    # Every word is shown, once, in order.
    assert " ".join(c.text for c in cues).split() == " ".join(all_words).split()
    for cue in cues:
        assert 1 <= len(cue.lines) <= RULES.max_lines
        assert cue.end_s > cue.start_s
        if len(cue.text.split()) > 1:
            assert all(len(line) <= RULES.max_line_chars for line in cue.lines), cue
    for before, after in itertools.pairwise(cues):
        assert before.end_s <= after.start_s  # never overlapping, in order


def test_cues_less_than_a_millisecond_apart_still_last() -> None:
    """Found by the property above: a cue cut 0.4 ms before the next was written as 0-0."""
    at_zero = Segment(0.0, 0.0, "Hei", (Word(0.0, 0.0, "Hei"),))
    soon = Segment(0.0004, 0.0004, "moi", (Word(0.0004, 0.0004, "moi"),))
    speakers = [SpeakerTurn(0.0, 0.0002, "A"), SpeakerTurn(0.0002, 9.0, "B")]
    cues = make_cues([at_zero, soon], speakers)
    assert len(cues) == 2
    for cue in cues:
        assert cue.end_s > cue.start_s
    assert cues[0].end_s <= cues[1].start_s


def test_long_speech_breaks_into_two_line_cues_at_sentence_ends() -> None:
    text = (
        "Tervetuloa kuuntelemaan kotoutumisen podcastia. Tänään puhumme työstä, kielestä ja "
        "arjesta Suomessa. Haastattelussa on kaksi vierasta, jotka muuttivat tänne viisi vuotta "
        "sitten."
    )
    cues = make_cues([_segment(text, 0.0)])
    # Lines balanced, broken after a comma where one is near the middle.
    assert [c.lines for c in cues] == [
        ("Tervetuloa kuuntelemaan", "kotoutumisen podcastia."),
        ("Tänään puhumme työstä,", "kielestä ja arjesta Suomessa."),
        ("Haastattelussa on kaksi vierasta,", "jotka muuttivat tänne viisi vuotta sitten."),
    ]
    assert all(c.end_s - c.start_s <= RULES.max_duration_s for c in cues)


def test_short_cues_last_a_second_unless_the_next_one_starts() -> None:
    hei = Segment(0.0, 0.3, "Hei.", (Word(0.0, 0.3, "Hei."),))
    cues = make_cues([hei, _segment("Moi taas.", 1.5)])
    assert cues[0].end_s == 1.0  # stretched to 1 s
    assert cues[1].end_s - cues[1].start_s >= RULES.min_duration_s
    turns = [SpeakerTurn(0, 0.6, "A"), SpeakerTurn(0.6, 9, "B")]
    cues = make_cues([hei, _segment("Moi taas.", 0.6)], turns)
    assert cues[0].end_s == 0.6  # stretched towards 1 s, stopped by the next cue
    last = make_cues([Segment(0.0, 0.3, "Hei.", (Word(0.0, 0.3, "Hei."),))], duration_s=0.5)
    assert last[0].end_s == 0.5  # never past the end of the media


def test_segments_without_word_times_are_spread_over_their_span() -> None:
    cues = make_cues(
        [Segment(10.0, 20.0, "yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan")]
    )
    assert cues[0].start_s == 10.0
    assert cues[-1].end_s == pytest.approx(20.0, abs=0.01)


def test_speaker_changes_start_new_cues_with_voice_tags() -> None:
    seg = _segment(
        "Kerro ensin miltä talvi tuntui Se oli pimeä mutta ihmiset olivat ystävällisiä", 0
    )
    turn = seg.words[5].start_s
    cues = make_cues([seg], [SpeakerTurn(0, turn, "Aino"), SpeakerTurn(turn, 99, "Mohammed")])
    assert [(c.speaker, c.text) for c in cues] == [
        ("Aino", "Kerro ensin miltä talvi tuntui"),
        ("Mohammed", "Se oli pimeä mutta ihmiset olivat ystävällisiä"),
    ]
    vtt = write_webvtt(cues)
    assert "<v Aino>Kerro ensin miltä talvi tuntui\n" in vtt
    assert "<v Mohammed>Se oli pimeä mutta ihmiset\nolivat ystävällisiä\n" in vtt
    srt = write_srt(cues)
    assert "Aino: Kerro ensin" in srt and "Mohammed: Se oli" in srt


SAMPLE = (
    Cue(0.0, 2.5, ("Tervetuloa <podcastiin> & kuuntelemaan.",), "Aino & Ville"),
    Cue(2.5, 5.25, ("مرحبا بكم في البودكاست", "اليوم نتحدث عن العمل"), None),
    Cue(3725.5, 3727.0, ("Tunnin jälkeen.",), "Aino & Ville"),
)


def test_webvtt_is_read_by_webvtt_py_and_our_reader() -> None:
    text = write_webvtt(SAMPLE)
    captions = webvtt.from_buffer(io.StringIO(text)).captions
    assert [(c.start, c.end) for c in captions] == [
        ("00:00:00.000", "00:00:02.500"),
        ("00:00:02.500", "00:00:05.250"),
        ("01:02:05.500", "01:02:07.000"),
    ]
    assert captions[1].text == "مرحبا بكم في البودكاست\nاليوم نتحدث عن العمل"
    # webvtt-py leaves character references in the voice name as written; browsers decode them.
    assert html.unescape(captions[0].voice or "") == "Aino & Ville"
    assert read_webvtt(text, "x.vtt") == SAMPLE
    assert read_captions_text(text).format == "vtt"


def read_captions_text(text: str) -> Captions:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c"
        path.write_text(text, encoding="utf-8")
        return read_captions(path)


def test_srt_is_read_by_webvtt_py(tmp_path: Path) -> None:
    text = write_srt(SAMPLE)
    (tmp_path / "t.srt").write_text(text, encoding="utf-8")
    captions = webvtt.from_srt(str(tmp_path / "t.srt")).captions
    assert [c.start for c in captions] == ["00:00:00.000", "00:00:02.500", "01:02:05.500"]
    # SubRip has no escapes: the text is written as is (webvtt-py's .text drops tag-like parts).
    assert captions[0].raw_text == "Aino & Ville: Tervetuloa <podcastiin> & kuuntelemaan."
    assert captions[1].text.startswith("مرحبا")  # no speaker known
    assert captions[2].text == "Aino & Ville: Tunnin jälkeen."  # a new turn: named again
    same = write_srt([SAMPLE[0], SAMPLE[2]])
    assert same.count("Aino & Ville:") == 1  # one turn over two cues: named once
    assert read_captions_text(text).format == "srt"


def test_podcast_index_json_transcript() -> None:
    data = json.loads(write_transcript_json(SAMPLE))
    assert data["version"] == "1.0.0"
    assert data["segments"][0] == {
        "speaker": "Aino & Ville",
        "startTime": 0.0,
        "endTime": 2.5,
        "body": "Tervetuloa <podcastiin> & kuuntelemaan.",
    }
    assert "speaker" not in data["segments"][1]
    assert data["segments"][1]["body"] == "مرحبا بكم في البودكاست اليوم نتحدث عن العمل"


def test_reader_takes_what_subtitle_editors_write() -> None:
    edited = (
        "\ufeffWEBVTT - edited in Subtitle Edit\r\n\r\n"
        "NOTE reviewed by Aino\r\n\r\n"
        "STYLE\r\n::cue { color: yellow }\r\n\r\n"
        "00:01.000 --> 00:03.000 align:start position:10%\r\n"
        "<v.loud Aino>Hei <i>kaikki</i>!\r\n\r\n"
        "intro-2\r\n00:03.000 --> 00:04.500\r\nToinen &amp; viimeinen\r\n"
    )
    assert read_webvtt(edited, "e.vtt", duration_s=4.6) == (
        Cue(1.0, 3.0, ("Hei kaikki!",), "Aino"),
        Cue(3.0, 4.5, ("Toinen & viimeinen",), None),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\n00:00:01.000 --> 00:00:02.000\nx\n", r"^e\.vtt: line 1: not WebVTT"),
        ("WEBVTT\n\n", r"^e\.vtt: no cues$"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", r"^e\.vtt: line 3: bad cue timing"),
        ("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nx\n", r"^e\.vtt: line 3: cue ends before"),
        ("WEBVTT\n\n00:00:01.000 --> 00:01:60.000\nx\n", r"^e\.vtt: line 3: a time out of"),
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\na\n\n00:00:01.000 --> 00:00:02.000\nb\n",
            r"^e\.vtt: line 6: cue starts before the previous one",
        ),
        ("WEBVTT\n\nid\nno timing here\n", r"^e\.vtt: line 3: a cue without a timing line"),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:12.000\nx\n",
            r"^e\.vtt: last cue ends at 12\.000 s, after the end of the media \(10\.000 s\)",
        ),
    ],
)
def test_reader_rejects_broken_files_in_one_line(text: str, message: str) -> None:
    with pytest.raises(CuesInvalid, match=message) as err:
        read_webvtt(text, "e.vtt", duration_s=10.0)
    assert "\n" not in str(err.value)
