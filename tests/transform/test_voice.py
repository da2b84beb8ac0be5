"""Whose voice each sentence is: the archetype post first, then each rule on hand-written sentences."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SEED_POST_HTML, need_shared
from transform.clean import CleanPost, Paragraph, clean_page
from transform.segment import Sentence, segment
from transform.voice import (
    HOW_BLOCKQUOTE,
    HOW_QUOTATION_MARKS,
    HOW_REPORTED_SPEECH,
    HOW_SCARE_QUOTES,
    QuoteSpan,
    SentenceVoice,
    attribute_voice,
    lead_in_speaker,
    normalise_speaker,
    pair_quotes,
)

SEED_URL = "https://blog.example.org/2010/10/07/labour-expels-lutfur-rahman-supporters/"
HOWS = {HOW_BLOCKQUOTE, HOW_QUOTATION_MARKS, HOW_REPORTED_SPEECH, HOW_SCARE_QUOTES}


@dataclass
class Result:
    """Everything ``attribute_voice`` said about one post, with lookups by sentence text."""

    text: str
    sentences: list[Sentence]
    voices: list[SentenceVoice]
    spans: list[QuoteSpan]

    def voice(self, starts_with: str) -> SentenceVoice:
        for sentence, voice in zip(self.sentences, self.voices, strict=True):
            if sentence.text.startswith(starts_with):
                return voice
        raise AssertionError(f"no sentence starts with {starts_with!r}")

    def span(self, quoted: str, how: str | None = None) -> QuoteSpan:
        for span in self.spans:
            if self.text[span.start : span.end] == quoted and (how is None or span.how == how):
                return span
        raise AssertionError(f"no span {quoted!r} in {[(self.text[s.start : s.end], s.how) for s in self.spans]}")

    def spans_of(self, how: str) -> list[str]:
        return [self.text[s.start : s.end] for s in self.spans if s.how == how]


def _run(*paragraphs: Paragraph | str) -> Result:
    paras = [p if isinstance(p, Paragraph) else Paragraph(p) for p in paragraphs]
    text = "\n\n".join(p.text for p in paras)
    sentences = segment(paras)
    voices, spans = attribute_voice(text, paras, sentences)
    return Result(text, sentences, voices, spans)


def _quote(text: str) -> Paragraph:
    return Paragraph(text, is_quote=True, kind="quote")


# --------------------------------------------------------------------------------------------
# The archetype post
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> Result:
    html = need_shared(SEED_POST_HTML).read_text(encoding="utf-8")
    post: CleanPost = clean_page(html, SEED_URL, fetched_at=datetime(2026, 12, 1, tzinfo=UTC))
    sentences = segment(post.paragraphs)
    voices, spans = attribute_voice(post.text, post.paragraphs, sentences)
    return Result(post.text, sentences, voices, spans)


def test_seed_blockquoted_sentences_are_quoted_and_the_authors_own_are_not(seed: Result) -> None:
    for sentence, voice in zip(seed.sentences, seed.voices, strict=True):
        assert voice.sentence_no == sentence.sentence_no
        if sentence.is_quote:
            assert (voice.voice, voice.is_quote, voice.quoted_share) == ("quoted", True, 1.0), sentence.text
    for own in (
        "This is pure self interest, dressed up as a call for party unity.",
        "Labour loses votes by association with these fools.",
        "In fact, it runs against the interests",
        "Ken Livingstone may regard these people",
        "One thing is now clear.",
        "Earlier today, apparently in anticipation",
        "Here is a snippet:",
        "Ted Jeory adds:",
    ):
        voice = seed.voice(own)
        assert (voice.voice, voice.is_quote, voice.speaker, voice.quoted_share) == ("author", False, None, 0.0), own


def test_seed_livingstone_quotation_is_his_from_its_lead_in(seed: Result) -> None:
    assert seed.voice("As with my election as an independent in 2000").speaker == "Ken Livingstone"
    assert seed.voice("I want to see the door left open").speaker == "Ken Livingstone"
    blocks = [s for s in seed.spans if s.how == HOW_BLOCKQUOTE]
    assert [b.speaker for b in blocks] == [None, "Ken Livingstone", "Ted Jeory"]
    assert seed.text[blocks[1].start :].startswith("As with my election")


def test_seed_ted_jeory_blockquote_and_the_voices_inside_it(seed: Result) -> None:
    jeory = [s for s in seed.spans if s.how == HOW_BLOCKQUOTE][2]
    assert jeory.speaker == "Ted Jeory"
    assert seed.text[jeory.start : jeory.end].endswith("I’m not happy about what Ken said.”")
    # his own reporting stays his; the direct quotation inside is the source's
    assert seed.voice("Separately, a Labour source said").speaker == "Ted Jeory"
    assert seed.voice("I’m not happy about what Ken said.").speaker == "The source"
    inner = seed.span(
        "“People have to realise that you’re either with us or against us in this. I’m not happy about what Ken said.”"
    )
    assert (inner.how, inner.speaker) == (HOW_QUOTATION_MARKS, "The source")
    assert seed.span("“disgraceful”").speaker == "Ken Livingstone"  # inside what Livingstone "told me … that …"


def test_seed_embedded_attribution_gives_the_spokesman_his_sentence(seed: Result) -> None:
    voice = seed.voice("“I can confirm that eleven members")
    assert (voice.voice, voice.speaker) == ("quoted", "a Labour Party spokesman")
    first = seed.voice("Eight Labour councillors, two officers")
    assert (first.voice, first.speaker) == (
        "quoted",
        None,
    )  # its lead-in ("…booted out of the Labour Party:") names nobody


def test_seed_spans_lie_inside_the_text(seed: Result) -> None:
    assert all(0 <= s.start < s.end <= len(seed.text) and s.how in HOWS for s in seed.spans)


# --------------------------------------------------------------------------------------------
# Rule 1: blockquotes and lead-ins
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead_in", "speaker"),
    [
        ("Ted Jeory adds:", "Ted Jeory"),
        ("The council's spokesman said:", "The council's spokesman"),
        ("A Labour Party spokesman told the BBC:", "A Labour Party spokesman"),
        (
            "Earlier today an article by Ken Livingstone appeared on Socialist Unity, a blog run by Andy Newman, "
            "a prominent RESPECT activist. Here is a snippet:",
            "Ken Livingstone",
        ),
        ("As Nick Cohen writes in the Observer:", "Nick Cohen"),
        ("Ken Livingstone wrote in the Guardian last week:", "Ken Livingstone"),
        ("Writes Ted Jeory:", "Ted Jeory"),
        ("Ken Livingstone’s latest column is a classic of the genre:", "Ken Livingstone"),
        ("From the Guardian:", "the Guardian"),
        ("Mr. Smith, the party’s treasurer, said:", "Mr. Smith"),
        ("A number of Lutfur Rahman supporters were booted out of the Labour Party:", None),
        ("Here is what he said:", None),
        ("Ted Jeory adds", None),  # no colon: not a lead-in
        ("", None),
    ],
)
def test_lead_in_speaker(lead_in: str, speaker: str | None) -> None:
    assert lead_in_speaker(lead_in) == speaker


def test_blockquote_run_takes_the_lead_in_speaker_and_embedded_attribution_wins() -> None:
    r = _run(
        "The council's spokesman said:",
        _quote("We have no comment to make. The matter is closed."),
        _quote("“Nobody will be expelled without a hearing,” said a Labour Party spokesman."),
        "That is not what happened.",
    )
    assert [v.voice for v in r.voices] == ["author", "quoted", "quoted", "quoted", "author"]
    assert r.voice("We have no comment").speaker == "The council's spokesman"
    assert r.voice("The matter is closed.").speaker == "The council's spokesman"
    assert r.voice("“Nobody will be expelled").speaker == "a Labour Party spokesman"
    (block,) = [s for s in r.spans if s.how == HOW_BLOCKQUOTE]
    assert block.speaker == "The council's spokesman"
    assert r.text[block.start : block.end].endswith("said a Labour Party spokesman.")


def test_blockquote_without_a_lead_in_has_no_speaker() -> None:
    r = _run(_quote("Eight councillors were expelled tonight."), "Good riddance.")
    assert (r.voices[0].voice, r.voices[0].speaker) == ("quoted", None)
    assert r.voices[1].voice == "author"


# --------------------------------------------------------------------------------------------
# Rule 2: quotation marks
# --------------------------------------------------------------------------------------------


def test_pair_quotes_curly_straight_and_nested() -> None:
    text = '“He told me ‘we will never give up this seat’ and left,” she said, and "that was that".'
    pairs = [(text[a:b], kind) for a, b, kind in pair_quotes(text)]
    assert pairs == [
        ("“He told me ‘we will never give up this seat’ and left,”", "double"),
        ("‘we will never give up this seat’", "single"),
        ('"that was that"', "double"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "I don’t think Labour’s leaders care about voters’ views.",
        "It’s the ’90s all over again, rock ‘n’ roll and all.",
        "The party’s candidate won’t say.",
    ],
)
def test_apostrophes_are_not_quotes(text: str) -> None:
    assert [p for p in pair_quotes(text) if p[2] == "single" and p[1] - p[0] > 4] == []
    r = _run(text)
    assert [v.voice for v in r.voices] == ["author"]
    assert [s for s in r.spans if s.how != HOW_SCARE_QUOTES] == []


def test_unbalanced_quotes_are_dropped_not_guessed() -> None:
    assert pair_quotes("He said “this is the end and nothing else") == []
    assert pair_quotes("The end.” And then “another") == []
    r = _run("He said “this is the end and nothing else. Then he left.”” “")
    assert len(r.voices) == len(r.sentences)


def test_quotation_running_over_sentences_and_paragraphs() -> None:
    r = _run("He said: “We will win. We will never give up.” The end.")
    assert [v.voice for v in r.voices] == ["mixed", "quoted", "author"]
    assert r.voices[1].is_quote and r.voices[1].quoted_share == 1.0
    assert 0.4 < r.voices[0].quoted_share < 0.8
    # the convention for a quotation over paragraphs: no closing mark, the next paragraph reopens
    r = _run("Smith wrote: “The first point is simple.", "“The second point is harder,” he went on.")
    assert r.span("“The first point is simple.").speaker == "Smith"
    assert r.span("“The second point is harder,”").speaker == "Smith"


def test_whole_sentence_in_quotes_is_quoted_even_with_outside_punctuation() -> None:
    r = _run('“We will fight,” she said. “We will win”. "We always do."')
    assert [v.voice for v in r.voices] == ["mixed", "quoted", "quoted"]
    assert r.voices[1].quoted_share < 1.0  # the full stop is outside the marks


# --------------------------------------------------------------------------------------------
# Rule 3: scare quotes
# --------------------------------------------------------------------------------------------


def test_scare_quotes_stay_the_authors_and_are_returned() -> None:
    r = _run(
        "Their so-called “unity” is a sham, and the ‘moderates’ know it.",
        'The "experts" were wrong again about the ‘hard-working families’.',
    )
    assert [v.voice for v in r.voices] == ["author", "author"]
    assert [v.quoted_share for v in r.voices] == [0.0, 0.0]
    assert r.spans_of(HOW_SCARE_QUOTES) == ["“unity”", "‘moderates’", '"experts"', "‘hard-working families’"]
    assert all(s.speaker is None for s in r.spans)


def test_short_quote_that_someone_said_is_their_voice_not_a_scare_quote() -> None:
    r = _run(
        "Livingstone described the treatment as “disgraceful”.",
        "The minister told the BBC that the plan was “unworkable” and would be dropped.",
        "“Disgraceful.”",
    )
    assert r.span("“disgraceful”", HOW_QUOTATION_MARKS).speaker == "Livingstone"
    assert r.span("“unworkable”", HOW_QUOTATION_MARKS).speaker == "The minister"
    assert [v.voice for v in r.voices] == ["mixed", "mixed", "quoted"]


# --------------------------------------------------------------------------------------------
# Rule 4: attribution and reported speech
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("“We will fight on,” said a Labour Party spokesman.", "a Labour Party spokesman"),
        ('"We will fight on," said Mr. Smith, the party leader.', "Mr. Smith"),
        ("“We will fight on,” Ken Livingstone told the Guardian.", "Ken Livingstone"),
        ("“We will win.” Smith said.", "Smith"),
        ("Ken Clark said: “This is a sad day for the party.”", "Ken Clark"),
        ("According to a Labour source, “the expulsions were planned for weeks”.", "a Labour source"),
        ("Smith called the plan “a total disgrace”.", "Smith"),
        ("The source said that was the wrong attitude and added: “You are with us or against us.”", "The source"),
    ],
)
def test_direct_quotation_speaker(sentence: str, speaker: str) -> None:
    r = _run(sentence)
    (span,) = [s for s in r.spans if s.how == HOW_QUOTATION_MARKS]
    assert span.speaker == speaker
    assert r.voices[0].voice == "mixed" and r.voices[0].speaker == speaker


@pytest.mark.parametrize(
    ("sentence", "speaker", "content"),
    [
        (
            "Ken Livingstone said that the party should keep the door open.",
            "Ken Livingstone",
            "the party should keep the door open",
        ),
        (
            "According to a Labour source, the expulsions were planned for weeks.",
            "a Labour source",
            "the expulsions were planned for weeks",
        ),
        (
            "The expulsions were planned for weeks, according to the BBC.",
            "the BBC",
            "The expulsions were planned for weeks",
        ),
        ("Separately, a Labour source said there was deep unease.", "a Labour source", "there was deep unease"),
        ("The plan will fail, said a senior Labour figure.", "a senior Labour figure", "The plan will fail"),
        (
            "Labour’s London regional director, Ken Clark, said the grounds were solid.",
            "Ken Clark",
            "the grounds were solid",
        ),
        ("Critics have long argued that the council is corrupt.", "Critics", "the council is corrupt"),
        ("Theresa May said the deal was done.", "Theresa May", "the deal was done"),
        ("The council said in a statement that it would appeal.", "The council", "it would appeal"),
    ],
)
def test_reported_speech_makes_the_sentence_mixed(sentence: str, speaker: str, content: str) -> None:
    r = _run(sentence)
    voice = r.voices[0]
    assert (voice.voice, voice.is_quote, voice.speaker, voice.quoted_share) == ("mixed", False, speaker, 0.0)
    assert r.spans_of(HOW_REPORTED_SPEECH) == [content]
    assert r.spans[0].speaker == speaker


@pytest.mark.parametrize(
    "sentence",
    [
        "It was claimed that the plan would fail.",  # passive: nobody to attribute it to
        "I said that this would happen.",  # the blogger's own voice
        "What he said was wrong.",  # a judgement about speech, not a report of it
        "That said, Labour must act now.",
        "Needless to say, nobody resigned.",
        "Ken Livingstone wrote a letter to the council.",
        "Labour has added a clause to the rulebook.",
        "Their attendance was reported on this blog.",
        "Ted Jeory adds:",
    ],
)
def test_not_reported_speech(sentence: str) -> None:
    r = _run(sentence)
    assert [v.voice for v in r.voices] == ["author"]
    assert r.spans == []


def test_pronouns_resolve_to_the_last_named_speaker_of_the_paragraph() -> None:
    r = _run("“It is over,” said Ken Clark. “We lost,” he added. “I will stand,” Rahman said. “Now,” he said.")
    assert [s.speaker for s in r.spans] == ["Ken Clark", "Ken Clark", "Rahman", "Rahman"]
    # an unresolvable pronoun gives no speaker rather than a wrong one
    assert _run("“Why?” she asked.").voices[0].speaker is None


def test_quote_after_its_attribution_tag_continues_the_speaker() -> None:
    r = _run("“I will stand,” Rahman said. “The people want a choice.”")
    assert r.voice("“The people want").speaker == "Rahman"
    assert r.voice("“The people want").voice == "quoted"


def test_nested_quote_keeps_its_own_level() -> None:
    r = _run("“He told me ‘we will never give up this seat’ and walked off,” said a Labour source.")
    assert r.span("“He told me ‘we will never give up this seat’ and walked off,”").speaker == "a Labour source"
    assert r.span("‘we will never give up this seat’").speaker is None  # "He", inside the quote, is unknown


# --------------------------------------------------------------------------------------------
# Rule 5: speaker normalisation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "speaker"),
    [
        ("a Labour Party spokesman.", "a Labour Party spokesman"),
        ("  Ken   Livingstone, ", "Ken Livingstone"),
        ("“Ted Jeory,”", "Ted Jeory"),
        ("Mr. Smith", "Mr. Smith"),
        ("Ken Livingstone's article", "Ken Livingstone"),
        ("J. R. R. Tolkien", "J. R. R. Tolkien"),
        ("", None),
        (None, None),
        ("...", None),
    ],
)
def test_normalise_speaker(raw: str | None, speaker: str | None) -> None:
    assert normalise_speaker(raw) == speaker


# --------------------------------------------------------------------------------------------
# Rule 6: odd input, speed
# --------------------------------------------------------------------------------------------


def test_empty_and_degenerate_input() -> None:
    assert attribute_voice("", [], []) == ([], [])
    voices, spans = attribute_voice("", [Paragraph("")], [Sentence(0, 0, 0, 0, "", False)])
    assert voices == [SentenceVoice(0, "author", False, None, 0.0)] and spans == []
    # sentences that do not fit the paragraphs are clamped, not trusted
    voices, spans = attribute_voice("“ab”", [Paragraph("“ab”")], [Sentence(0, 7, -3, 99, "x", True)])
    assert len(voices) == 1 and all(0 <= s.start <= s.end <= 4 for s in spans)


def test_pathological_input_stays_fast() -> None:
    nasty = ('“said ‘Mr. said, that “ ’ " told that: “ according to, ' * 400)[:20000]
    started = time.perf_counter()
    r = _run(nasty, _quote(nasty), "Smith said that " * 1000)
    assert time.perf_counter() - started < 2.0
    assert len(r.voices) == len(r.sentences)


def test_throughput_is_far_above_what_the_nightly_run_needs() -> None:
    paragraphs = [
        Paragraph("“We will fight,” she said. “We will win.” Their so-called “unity” is a sham, and they know it."),
        Paragraph("According to a Labour source, the expulsions were planned. Ken Livingstone said that it was wrong."),
        Paragraph("The minister told the BBC that the plan was “unworkable”. What he said was wrong. I don’t agree."),
        Paragraph("Ted Jeory adds:"),
        _quote("Separately, a Labour source said there was deep unease over the position of the mayor."),
    ]
    text = "\n\n".join(p.text for p in paragraphs)
    sentences = segment(paragraphs)
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        attribute_voice(text, paragraphs, sentences)
    rate = runs * len(sentences) / (time.perf_counter() - started)
    assert rate > 5_000  # measured ≈ 30k/s on one core; this only catches a catastrophic regression


# --------------------------------------------------------------------------------------------
# Property: random text never breaks the contract
# --------------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["“", "”", '"', "‘", "’", "'", "«", "»", " ", " ", "\n", ".", ",", ":", "?", "—", "-", "said", "Smith", "he",
     "told", "that", "according to", "Mr.", "the", "a", "Labour", "who", "and", "added:", "so-called", "writes:",
     "I", "Said", "called", "article by", "put it", "don’t"]
)  # fmt: skip
_PARAGRAPH_TEXT = st.one_of(st.lists(_PIECES, max_size=40).map("".join), st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PARAGRAPH_TEXT, st.booleans()), max_size=5))
def test_random_posts_never_raise_and_keep_the_contract(raw: list[tuple[str, bool]]) -> None:
    paragraphs = [Paragraph(t, q) for t, q in raw]
    text = "\n\n".join(p.text for p in paragraphs)
    sentences = segment(paragraphs)
    voices, spans = attribute_voice(text, paragraphs, sentences)
    assert [v.sentence_no for v in voices] == [s.sentence_no for s in sentences]
    for v in voices:
        assert v.voice in {"author", "quoted", "mixed"} and v.is_quote == (v.voice == "quoted")
        assert 0.0 <= v.quoted_share <= 1.0
    for s in spans:
        assert 0 <= s.start <= s.end <= len(text) and s.how in HOWS


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=80),
    st.lists(st.tuples(st.text(max_size=20), st.booleans()), max_size=3),
    st.lists(st.tuples(st.integers(-3, 5), st.integers(-10, 100), st.integers(-10, 100), st.booleans()), max_size=4),
)
def test_inconsistent_input_never_raises(
    text: str, raw: list[tuple[str, bool]], bad: list[tuple[int, int, int, bool]]
) -> None:
    paragraphs = [Paragraph(t, q) for t, q in raw]
    sentences = [Sentence(i, p, a, b, text[a:b], q) for i, (p, a, b, q) in enumerate(bad)]
    voices, spans = attribute_voice(text, paragraphs, sentences)
    assert len(voices) == len(sentences)
    assert all(0 <= s.start <= s.end <= len(text) for s in spans)
