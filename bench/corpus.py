"""A generated blogosphere for benchmarks: N realistic political blog posts over many blogs.

Posts read like the sample blogs' (several paragraphs of author prose, a blockquote, quotations
in quotation marks with a named speaker, scare quotes, fictional names and places, some loaded
words) and run 300-2,000 words. They are built from sentence templates whose slots are never more
than a few words apart, so two posts share almost no 5-word shingles (as two real posts do not)
and the near-duplicate finder is not handed a false crowd of candidates.

Generation is seeded and uses only ``random.Random``, so the same ``n`` and ``seed`` give the same
bytes on every machine; 10,000 posts take a few seconds. The blogs are ``flows.blogosphere``
``Blog`` records, rendered by the sample blogosphere's own themes: three in four are hand-rolled
sites (Atom feed of the newest few, ``sitemap.xml`` of all, each post page fetched), one in four
WordPress blogs whose RSS feed carries every post's full body (cleaned from the feed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from flows.blogosphere.fmt import slugify
from flows.blogosphere.model import Blog, Comment, Link, Paragraph, Post

SEED = 20261202  # any fixed value: the corpus must be the same on every run and machine
POSTS_PER_BLOG = 100  # a blog's archive of a few months; N / 100 hosts crawled in parallel
MIN_WORDS = 300  # the range for a realistic blog post
MAX_WORDS = 2000
MODE_WORDS = 600  # most blog posts are short: a triangular 300/600/2000 gives a mean near 950 words
WORDPRESS_EVERY = 4  # one blog in four is WordPress (its feed carries full bodies); the rest hand-rolled
# Posts are spread over the first half of 2026: in the past whatever day the benchmark runs on,
# so no date is dropped as "after the fetch".
FIRST_DAY = datetime(2026, 1, 5, 7, 0)
SPAN_DAYS = 175

FIRST = (
    "Ruth", "Daniel", "Priya", "Marcus", "Helen", "Owen", "Fatima", "Gareth", "Lucia", "Tom", "Amara", "Nigel",
    "Grace", "Samuel", "Ingrid", "Kwame", "Rosa", "Declan", "Mei", "Harriet", "Victor", "Imogen", "Tariq", "Nora",
    "Elliot", "Bridget", "Rafael", "Siobhan", "Walter", "Yasmin", "Curtis", "Deborah", "Felix", "Gwen", "Hamish",
    "Jolene", "Kieran", "Leona", "Mortimer", "Nadia", "Oscar", "Petra", "Quentin", "Rhiannon", "Stellan", "Tamsin",
)  # fmt: skip
LAST = (
    "Calloway", "Ashdown", "Okafor", "Brennan", "Whitlock", "Marchetti", "Hargreaves", "Delacroix", "Osei",
    "Pemberton", "Lindqvist", "Achterberg", "Fairbanks", "Kowalski", "Thistlewood", "Vance", "Ridley", "Abernathy",
    "Castellanos", "Drummond", "Egerton", "Falconer", "Gallagher", "Holloway", "Iverson", "Jessop", "Kettering",
    "Lockhart", "Mulcahy", "Northcote", "Ormsby", "Prendergast", "Quarles", "Rutherford", "Standish", "Trevelyan",
    "Underhill", "Villiers", "Wainwright", "Yardley", "Zeller", "Blackwood", "Cheung", "Dunmore", "Ellison",
)  # fmt: skip
ROLES = (
    "Senator", "Councillor", "the Home Secretary", "Governor", "the Mayor", "Representative", "the Chancellor",
    "the shadow minister", "Commissioner", "the party chair", "Assemblyman", "the Attorney General",
)  # fmt: skip
PARTIES = (
    "the Progress Party", "the National Alliance", "the Liberal Union", "the Workers' Front", "the Civic Party",
    "the Heritage Movement", "the Green Coalition", "the Reform League",
)  # fmt: skip
BODIES = (
    "the Treasury", "the county council", "the Supreme Court", "the Finance Committee", "the state legislature",
    "the Home Office", "the city planning board", "the Electoral Commission", "the school board", "Parliament",
    "the Senate", "the regional assembly", "the budget office", "the police commission", "the water authority",
)  # fmt: skip
TOPICS = (
    "housing", "tariffs", "immigration", "energy prices", "school funding", "policing", "the minimum wage",
    "rail fares", "child care", "farm subsidies", "the pension age", "drug pricing", "water bills", "bus routes",
    "property taxes", "hospital waiting lists", "broadband", "border checks", "council tax", "the steel mill",
    "the port expansion", "social care", "student loans", "fishing quotas", "rent controls", "the new bypass",
    "gun licensing", "voter ID", "the library budget", "the flood defences", "prison places", "fuel duty",
)  # fmt: skip
PLACES = (
    "Mansfield", "Ashmere", "Ridgeline", "Bow Street", "Carrow", "Dunsford", "Eastleigh", "Fernhill", "Glenmoor",
    "Hollins", "Ironbridge", "Kelby", "Lanford", "Millbrook", "Northam", "Oakridge", "Pellston", "Queensferry",
    "Redwater", "Stonebury", "Thornton", "Upton Vale", "Westmarch", "Yarrow",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "last night", "this morning")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "September", "October")
VERBS = (
    "proposed", "blocked", "defended", "announced", "rejected", "quietly dropped", "championed", "delayed",
    "rewrote", "costed", "promised", "questioned", "scrapped", "doubled", "froze", "audited", "signed off",
)  # fmt: skip
NEUTRAL = (
    "modest", "long-awaited", "revised", "detailed", "cautious", "ambitious", "temporary", "cross-party",
    "unexpected", "technical", "costly", "popular", "complicated", "limited", "overdue", "regional",
)  # fmt: skip
# Loaded words and phrases of every category the classifier knows (name-calling, emotive,
# exaggeration, dysphemism, doubt); the sentences that carry them are a minority, as in real posts.
LOADED_ADJ = (
    "disastrous", "reckless", "shameful", "catastrophic", "outrageous", "spineless", "incompetent", "bloated",
    "sneaky", "grotesque", "pathetic", "ruinous", "scandalous", "heartless", "unhinged", "dishonest",
)  # fmt: skip
LOADED_NOUN = (
    "power grab", "witch hunt", "gravy train", "cronies", "elites", "stunt", "betrayal", "scandal", "fiasco",
    "hysteria", "puppets", "racket", "cover-up", "shambles", "smear campaign", "virtue signalling",
)  # fmt: skip
DOUBT = ("so-called", "supposed", "alleged", "self-styled", "would-be")
SCARE = ("reform", "consultation", "savings", "listening exercise", "efficiency plan", "fair share", "experts")
UNITS = ("million", "billion", "thousand", "per cent")
COMMENTERS = ("Bill in Dayton", "Margaret R.", "anon", "Pete_the_Voter", "Jean Ashby", "K. Moran", "TruthTeller77")

# Author-voice sentence templates: a slot at least every three words keeps 5-shingles unique.
AUTHOR = (
    "{name} {verb} the {neutral} plan for {topic} on {day}, and {body} has yet to respond.",
    "The {num} {unit} package for {topic} that {body} {verb} in {month} is, frankly, {loaded}.",
    "Anyone who has lived in {place} knows that {topic} matters more than {topic2} to most families.",
    "{party} wants voters to believe that {topic} will fix itself, which is {loaded} nonsense.",
    "It would be easy to blame {name} for the mess over {topic}, but {body} signed every page of it.",
    "Our readers in {place} wrote in {number} times last week about {topic}, more than about anything else.",
    "What {party} calls {doubt} progress on {topic} looks, from {place}, like another {lnoun}.",
    "None of this is new: {body} {verb} {a_neutral} version of the same idea in {month} {year}.",
    "The figures from {body} show {topic} costs rising by {num} {unit} since {year}.",
    "{name} has spent {number} years promising {place} better {topic}, and the town is still waiting.",
    "If {party} were serious about {topic}, it would start with {topic2} in {place} and {place2}.",
    "This is the part of the {topic} debate that {body} would rather you did not read.",
    "Give {name} credit where it is due: the {neutral} deal on {topic} is better than we feared.",
    "The whole {lnoun} over {topic} tells you everything about how {party} treats {place}.",
    "Critics of the {neutral} {topic} bill are not making things up, and {name} should admit it.",
    "So the {doubt} \u201c{scare}\u201d from {body} turns out to mean {topic} cuts for {place}.",
    "{a_neutral} compromise on {topic} was on the table in {month}, until {name} walked away.",
    "Nobody in {place} asked for {topic2}; they asked {body} to sort out {topic} first.",
)  # fmt: skip
# Sentences with a quotation in quotation marks and a named speaker.
QUOTED = (
    "\u201cWe will not cut {topic} while I chair {body},\u201d {name} told reporters on {day}.",
    "{name} called the {topic} proposal \u201c{a_loaded} mistake that {place} will pay for\u201d.",
    "\u201cThe numbers on {topic} simply do not add up,\u201d said {name}, a member of {party}.",
    "Asked about {topic2}, {name} said only: \u201cWe are looking at every option for {place}.\u201d",
    "\u201cThis is {a_lnoun}, plain and simple,\u201d {name} said of the {topic} review by {body}.",
)  # fmt: skip
# A statement quoted at length, as a blockquote.
STATEMENT = (
    "I did not go to {body} to make life easier for the people who wrecked {topic} in {place}.",
    "Every family in {place} deserves {topic} they can rely on, and {party} will deliver it.",
    "We have {verb} the {neutral} review of {topic} and we will publish it in {month}.",
    "My colleagues who want to talk about {topic2} should first explain the {num} {unit} shortfall.",
    "The people of {place} were promised {topic}, and I intend to keep that promise.",
)  # fmt: skip
INTROS = (
    "Here is what {name} said after the {body} vote, in full:",
    "The statement from {name}'s office on {day} is worth reading:",
    "For the record, this is how {party} put it:",
)  # fmt: skip
COMMENT_LINES = (
    "Spot on about {topic}. Nobody in {place} believes a word of it.",
    "You are too kind to {name}. This has been {a_lnoun} from day one.",
    "Good piece, but you left out {topic2}.",
)  # fmt: skip
TITLES = (
    "{name} and the {neutral} {topic} plan",
    "What {place} really thinks about {topic}",
    "The {topic} {lnoun} nobody is talking about",
    "{party} gets {topic} wrong again",
    "Why {body} should think again on {topic}",
    "{a_loaded} week for {topic} in {place}",
    "{topic_cap}: the numbers behind the row",
)  # fmt: skip


_PICKS: dict[str, tuple[str, ...]] = {
    "verb": VERBS,
    "neutral": NEUTRAL,
    "topic": TOPICS,
    "body": BODIES,
    "party": PARTIES,
    "place": PLACES,
    "day": DAYS,
    "month": MONTH_NAMES,
    "unit": UNITS,
    "loaded": LOADED_ADJ,
    "lnoun": LOADED_NOUN,
    "doubt": DOUBT,
    "scare": SCARE,
}


_NUMBERS = {"year": (2009, 2025), "num": (2, 950), "number": (3, 40)}  # ranges of the numeric slots


class _Slots(dict[str, str]):
    """Template slots drawn on first use: ``topic2`` differs from ``topic``, ``a_X`` is X with its article."""

    def __init__(self, rng: random.Random, cast: list[str]) -> None:
        super().__init__()
        self.rng = rng
        self.cast = cast

    def __missing__(self, key: str) -> str:
        pick = self.rng.random  # random() and indexing: a third of the cost of rng.choice
        if key.startswith("a_"):
            word = self[key[2:]]
            value = ("an " if word[0] in "aeiou" else "a ") + word
        elif key.endswith("2"):
            first, pool = self[key[:-1]], _PICKS[key[:-1]]
            value = first
            while value == first:
                value = pool[int(pick() * len(pool))]
        elif key == "topic_cap":
            value = self["topic"][0].upper() + self["topic"][1:]
        elif key == "name":
            value = self.cast[int(pick() * len(self.cast))]
        elif key in _NUMBERS:
            low, high = _NUMBERS[key]
            value = str(low + int(pick() * (high - low + 1)))
        else:
            pool = _PICKS[key]
            value = pool[int(pick() * len(pool))]
        self[key] = value
        return value


@dataclass(frozen=True)
class Corpus:
    """The generated blogs and how many posts they hold in all."""

    blogs: tuple[Blog, ...]
    seed: int

    @property
    def posts(self) -> int:
        return sum(len(b.posts) for b in self.blogs)


class _Writer:
    """Fills templates from one seeded ``random.Random``; one per blog, so blogs are independent."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cast = [f"{rng.choice(ROLES)} {rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(12)]

    def fill(self, template: str) -> str:
        """``template`` with its slots filled; only the slots it uses draw from the generator."""
        return template.format_map(_Slots(self.rng, self.cast))

    def sentence(self) -> str:
        pool = QUOTED if self.rng.random() < 0.15 else AUTHOR  # about one sentence in seven quotes someone
        text = self.fill(self.rng.choice(pool))
        return text[0].upper() + text[1:]

    def paragraphs(self, words: int) -> tuple[Paragraph, ...]:
        """About ``words`` words (never more) of author paragraphs, with one quoted statement in a blockquote."""
        rng = self.rng
        intro = self.fill(rng.choice(INTROS))
        statement = " ".join(self.fill(t) for t in rng.sample(STATEMENT, rng.randint(2, 3)))
        budget = words - len(intro.split()) - len(statement.split())
        out: list[Paragraph] = []
        while budget > 0:
            sentences: list[str] = []
            for _ in range(rng.randint(3, 6)):
                sentence = self.sentence()
                if len(sentence.split()) > budget:
                    budget = 0
                    break
                sentences.append(sentence)
                budget -= len(sentence.split())
            if sentences:
                out.append(Paragraph(" ".join(sentences)))
        at = min(rng.randint(1, 3), len(out))  # the statement comes after the first few paragraphs
        out[at:at] = [Paragraph(intro), Paragraph(statement, quote=True)]
        return tuple(out)


def _post(writer: _Writer, blog_no: int, post_no: int, when: datetime, authors: list[str]) -> Post:
    rng = writer.rng
    title = writer.fill(rng.choice(TITLES))
    title = title[0].upper() + title[1:]
    words = int(rng.triangular(MIN_WORDS, MAX_WORDS, MODE_WORDS))
    edited = when + timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.2 else when
    return Post(
        slug=f"{slugify(title)[:60]}-{blog_no}-{post_no}",
        title=title,
        author=rng.choice(authors),
        published=when,
        modified=edited,
        tags=tuple(t[0].upper() + t[1:] for t in rng.sample(TOPICS, rng.randint(2, 4))),
        paragraphs=writer.paragraphs(words),
        comments=tuple(
            Comment(rng.choice(COMMENTERS), writer.fill(rng.choice(COMMENT_LINES))) for _ in range(rng.randint(0, 4))
        ),
    )


def _blog(blog_no: int, posts: int, seed: int) -> Blog:
    writer = _Writer(random.Random(f"{seed}-{blog_no}"))
    rng = writer.rng
    wordpress = blog_no % WORDPRESS_EVERY == WORDPRESS_EVERY - 1
    us = blog_no % 2 == 0
    tz = timezone(timedelta(hours=-5)) if us else UTC
    place = rng.choice(PLACES)
    name = f"The {place} {rng.choice(('Ledger', 'Dispatch', 'Review', 'Courier', 'Notebook', 'Sentinel'))} {blog_no}"
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 3))]
    step = timedelta(days=SPAN_DAYS) / max(posts, 1)
    start = FIRST_DAY.replace(tzinfo=tz)
    return Blog(
        id=f"bench-{blog_no:04d}",
        name=name,
        tagline=f"Politics and {rng.choice(TOPICS)} from {place}",
        platform="wordpress" if wordpress else "generic",
        country="US" if us else "GB",
        language="en",
        leaning=rng.choice(("left", "centre-left", "centre", "centre-right", "right")),
        feed_in_sources=wordpress,
        about=(f"{name} is a fictional blog generated for slant's benchmarks.",),
        menu=tuple(t[0].upper() + t[1:] for t in rng.sample(TOPICS, 3)),
        blogroll=(Link("Ridgeline Review", "https://ridgeline.example/"),),
        posts=tuple(
            _post(writer, blog_no, i, start + step * i + timedelta(minutes=rng.randint(0, 600)), authors)
            for i in range(posts)
        ),
    )


def generate(n: int, *, seed: int = SEED, per_blog: int = POSTS_PER_BLOG) -> Corpus:
    """``n`` posts over ``ceil(n / per_blog)`` blogs (the last may hold fewer)."""
    blogs = []
    for blog_no, start in enumerate(range(0, n, per_blog)):
        blogs.append(_blog(blog_no, min(per_blog, n - start), seed))
    return Corpus(tuple(blogs), seed)
