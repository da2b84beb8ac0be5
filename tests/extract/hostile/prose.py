"""Plain-English political-blog prose from a few templates and per-post facts.

Each post is written from a ``Topic``: a place, an official, an issue, a figure and one
distinctive clause. Four paragraphs are assembled from template variants chosen by the post's
position, so neighbouring posts read differently. Three sentences carry the topic's unique
facts and serve as ground-truth snippets: the lead (paragraph 1), the detail (paragraph 2) and
the turn (paragraph 3). A day-1 edit replaces paragraph 3 with an update that has its own turn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

LEADS = (
    "{official} stood up in {place} on {weekday} evening and promised that the {issue} would cost the town "
    "no more than {figure} a year.",
    "When {official} unveiled the {issue} in {place} last {weekday}, the headline number was {figure}, and almost "
    "nobody in the room believed it.",
    "The {issue} arrived in {place} on {weekday} with a price tag of {figure} and a press release signed by "
    "{official}.",
    "{official} has spent three months telling {place} that the {issue} is a modest reform worth about {figure}.",
)
OPENERS = (
    "It was the kind of announcement that sounds tidy from a podium and messy from a kitchen table.",
    "The room applauded politely, which in local politics is the sound of people reserving judgement.",
    "Supporters called it overdue, and critics called it a rushed answer to the wrong question.",
    "The timing was no accident, with the budget committee due to meet again before the end of the month.",
)
DETAILS = (
    "The briefing note behind the {issue} rests on {extra}.",
    "Read the small print and the {issue} turns out to depend on {extra}.",
    "Buried in the appendix to the {issue} is the real story: {extra}.",
    "Officials in {place} privately admit that the {issue} hinges on {extra}.",
)
MIDDLES = (
    "None of that appeared in the speeches. Voters were offered a slogan and a deadline, and asked to trust "
    "that the arithmetic would follow.",
    "That matters more than the slogans. A scheme that works on paper can still fail the people who have to "
    "live with it every week.",
    "This is not a scandal, exactly. It is the ordinary habit of announcing first and explaining later, which "
    "wears down trust a little at a time.",
    "The opposition benches noticed, of course, though they were quicker to issue statements than to read the "
    "documents themselves.",
)
TURNS = (
    "Nobody I spoke to in {place} could explain where the {figure} figure came from, and {surname} has not "
    "published the working.",
    "Ask {surname} how the {issue} survives its first winter in {place} and the answer changes every time.",
    "The honest case for the {issue} in {place} was never about {figure}; it was about who gets to decide.",
    "If {surname} wants {place} to trust the {issue}, publishing the {figure} calculation would be a decent start.",
)
TURN_TAILS = (
    "Residents deserve numbers they can check, not adjectives.",
    "That is a poor way to run a public argument.",
    "Everything else is presentation.",
    "Until then, scepticism is the only sensible position.",
)
CLOSERS = (
    "The next vote is weeks away. There is still time to slow down, publish the sums and let people argue "
    "about the real choice in front of them.",
    "None of this will trend online. It is, however, exactly how local democracy either earns its keep or "
    "quietly loses the room.",
    "We will keep reading the papers so you do not have to. If you have seen something we missed, the comment "
    "box is open.",
    "Politics at this scale is mostly paperwork and patience. Both are in short supply this autumn, and it shows.",
)
UPDATES = (
    "Update: {surname} has now published the working behind the {figure} figure, and it assumes {place} grows "
    "faster than any town in the region has managed in living memory. We have asked the council to explain that "
    "assumption.",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Topic:
    """The facts one post is written from."""

    place: str
    official: str
    issue: str
    figure: str
    extra: str

    @property
    def surname(self) -> str:
        """The official's last name, for second mentions."""
        return self.official.split()[-1]


@dataclass(frozen=True)
class Post:
    """A post as written: identity, byline, dates, tags, plain-text paragraphs, snippet sentences.

    ``edited_*`` describe the day-1 edit (paragraph 3 replaced), when the post has one.
    """

    slug: str
    title: str
    author: str
    published: datetime
    modified: datetime
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    snippets: tuple[str, ...]
    edited_paragraph: str | None = None
    edited_snippet: str | None = None
    edited_at: datetime | None = None

    def on(self, day: int) -> Post:
        """The post as it stands on ``day`` (the day-1 edit applied from day 1)."""
        if day < 1 or self.edited_paragraph is None or self.edited_snippet is None or self.edited_at is None:
            return self
        paragraphs = self.paragraphs[:2] + (self.edited_paragraph,) + self.paragraphs[3:]
        return replace(
            self,
            paragraphs=paragraphs,
            snippets=(self.snippets[0], self.edited_snippet),
            modified=self.edited_at,
        )

    @property
    def words(self) -> int:
        """Words in the body."""
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def text(self) -> str:
        """The body as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def write(
    index: int,
    topic: Topic,
    *,
    slug: str,
    title: str,
    author: str,
    published: datetime,
    tags: tuple[str, ...],
    modified: datetime | None = None,
    edited_at: datetime | None = None,
) -> Post:
    """Write post number ``index`` (global, for template rotation) about ``topic``."""
    facts = {
        "place": topic.place,
        "official": topic.official,
        "surname": topic.surname,
        "issue": topic.issue,
        "figure": topic.figure,
        "extra": topic.extra,
        "weekday": WEEKDAYS[published.weekday()],
    }

    def pick(options: tuple[str, ...], shift: int) -> str:
        return options[(index + shift) % len(options)].format(**facts)

    lead, detail, turn = pick(LEADS, 0), pick(DETAILS, 1), pick(TURNS, 2)
    paragraphs = (
        f"{lead} {pick(OPENERS, 3)}",
        f"{detail} {pick(MIDDLES, 1)}",
        f"{turn} {pick(TURN_TAILS, 3)}",
        pick(CLOSERS, 2),
    )
    update = UPDATES[0].format(**facts) if edited_at is not None else None
    return Post(
        slug=slug,
        title=title,
        author=author,
        published=published,
        modified=modified or published,
        tags=tags,
        paragraphs=paragraphs,
        snippets=(lead, turn),
        edited_paragraph=update,
        edited_snippet=update.split(". ")[0] + "." if update else None,
        edited_at=edited_at,
    )


def detail_sentence(post: Post) -> str:
    """The first sentence of paragraph 2 (the snippet a paid teaser still shows)."""
    return post.paragraphs[1].split(". ")[0] + "."
