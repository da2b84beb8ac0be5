"""The posts of every hostile site, as data: one line of facts per post, prose from ``prose``.

Posts are keyed by site id. Each post's place and official appear nowhere else, so its snippet
sentences are unique across the whole web (a self-test checks this). Dates are November 2026,
UTC. The cp1252 post is written by hand: it needs curly quotes, an em dash and "café".
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from tests.extract.hostile.prose import Post, Topic, write

WP = "wp-dunmore-ledger"
BLOGGER = "blogger-fenwick-notes"
SUBSTACK = "substack-quarry-letter"
GHOST = "ghost-tidewater"
MEDIUM = "medium-lantern"
AUTO = "auto-hollins-gazette"
FAULTS = "faults-brackwater"
BADFEEDS = "badfeeds-millrace"
BOMBFEED = "bombfeed-gallows"

WP_SECRET = "secret-post"  # lives under /private/, which robots.txt disallows
WP_EDITED = "school-bus-review"  # paragraph 3 changes on day 1
WP_NEW = "council-tax-freeze"  # appears on day 1
AUTO_SAME = "same-story"  # reachable under three URLs
AUTO_DELETED = "planning-appeal"  # 410 from day 1
SUBSTACK_PAID = "waiting-list-numbers"  # audience only_paid: the body is a teaser
BADFEEDS_LOST = "weir-repairs"  # the truncated third feed item: served, but never discoverable

# (site, slug, title, author, published "YYYY-MM-DDTHH:MM", tags, place, official, issue, figure, extra)
_FACTS: tuple[tuple[str, str, str, str, str, tuple[str, ...], str, str, str, str, str], ...] = (
    (WP, WP_SECRET, "Draft: Not For Publication", "Tobias Wren", "2026-11-01T10:00", ("Drafts",),
     "Saltcote", "Councillor Ambrose Finch", "pier concession", "£90,000", "a lease that nobody can find"),
    (WP, "harbour-levy", "The Harbour Levy Nobody Asked For", "Marguerite Okafor", "2026-11-02T09:00",
     ("Local Politics", "Harbour"), "Dunmore Bay", "Councillor Edwin Prask", "harbour levy", "£4.2 million",
     "a ferry timetable that has not changed since 1987"),
    (WP, WP_EDITED, "School Buses and the Spreadsheet", "Tobias Wren", "2026-11-03T08:30",
     ("Education", "Transport"), "Ashby Hollow", "Cabinet Member Rosalind Tate", "school bus review", "£1.8 million",
     "a survey answered by just forty-one parents"),
    (WP, "library-hours", "Shorter Library Hours, Longer Excuses", "Marguerite Okafor", "2026-11-04T12:15",
     ("Libraries",), "Penhallow", "Deputy Leader Aldous Merrow", "library hours plan", "£600,000",
     "volunteers who were never asked whether they would volunteer"),
    (WP, "bypass-vote", "The Bypass Vote Is a Test of Nerve", "Tobias Wren", "2026-11-05T07:45",
     ("Transport", "Planning"), "Stainby Cross", "Councillor Imogen Vasquez-Hale", "bypass consultation",
     "£31 million", "traffic counts taken during the school holidays"),
    (WP, WP_NEW, "The Freeze That Is Not a Freeze", "Marguerite Okafor", "2026-11-06T10:00",
     ("Council Tax",), "Wexcombe", "Council Leader Harriet Obi", "council tax freeze", "£2.9 million",
     "reserves that were already promised to the flood defences"),
    (BLOGGER, "water-rates", "Water Rates and the Quiet Vote", "Dale Hutchins", "2026-11-02T14:00",
     ("Utilities",), "Millbrook County", "Commissioner Walt Dressler", "water rate increase", "$14 million",
     "a pipe survey from the Carter administration"),
    (BLOGGER, "zoning-fight", "The Zoning Fight on Fenwick Street", "Dale Hutchins", "2026-11-03T16:20",
     ("Zoning", "Housing"), "East Carrow", "Alderman Patrice Lindqvist", "rezoning plan", "$9 million",
     "a parking study that counted spaces twice"),
    (BLOGGER, "sheriff-budget", "What the Sheriff's Budget Leaves Out", "Loretta Vance", "2026-11-04T11:00",
     ("Public Safety",), "Harlan Springs", "Sheriff Conrad Ybarra", "overtime budget", "$2.3 million",
     "a staffing chart with eleven vacant posts"),
    (BLOGGER, "ballot-design", "A Ballot Nobody Can Read", "Dale Hutchins", "2026-11-05T09:10",
     ("Elections",), "Pike Hollow", "Clerk Annabel Ostrander", "ballot redesign", "$400,000",
     "a font chosen by a vendor in another state"),
    (SUBSTACK, "rail-franchise-shuffle", "The Rail Franchise Shuffle", "Nadia Ferrante", "2026-11-02T07:00",
     (), "Quarrington", "Transport Secretary Lionel Ashdown", "rail franchise deal", "£120 million",
     "a timetable written before the line was electrified"),
    (SUBSTACK, "housing-targets", "Housing Targets Are Not Houses", "Nadia Ferrante", "2026-11-03T12:00",
     (), "Brenmoor", "Housing Minister Celia Thorncroft", "housing target", "£75 million",
     "land that the developer does not yet own"),
    (SUBSTACK, SUBSTACK_PAID, "Inside the Waiting List Numbers", "Nadia Ferrante", "2026-11-04T06:30",
     (), "Castlegate", "Health Board Chair Rupert Liddell", "waiting list pledge", "£58 million",
     "patients quietly moved onto a second list"),
    (SUBSTACK, "youth-clubs", "Who Closed the Youth Clubs?", "Nadia Ferrante", "2026-11-05T18:00",
     (), "Little Sowerby", "Councillor Fenella Brook", "youth services review", "£900,000",
     "attendance figures from a single wet February"),
    (GHOST, "port-authority", "The Port Authority's Open Secret", "Marcus Delaney", "2026-11-02T10:00",
     ("Ports",), "Tidewater Landing", "Director Marcus Oyelaran", "port expansion", "$210 million",
     "dredging permits that expire next spring"),
    (GHOST, "fare-hikes", "Fare Hikes by Another Name", "June Okonkwo", "2026-11-03T13:30",
     ("Transit",), "Baywick", "Transit Chief Helena Strand", "fare restructuring", "$30 million",
     "ridership models built before the pandemic"),
    (GHOST, "levee-board", "The Levee Board Goes Quiet", "Marcus Delaney", "2026-11-04T15:00",
     ("Flooding",), "Saltmarsh Parish", "Chairman Obadiah Klein", "levee repair bond", "$48 million",
     "an engineering report nobody outside the board has read"),
    (MEDIUM, "small-donors-big-promises", "Small Donors, Big Promises", "Priya Castellanos", "2026-11-02T17:00",
     ("Campaign Finance",), "Larkspur City", "Mayor Gideon Achterberg", "public financing scheme", "$6 million",
     "matching funds capped at a level set in 2009"),
    (MEDIUM, "oversight-without-teeth", "Oversight Without Teeth", "Priya Castellanos", "2026-11-03T19:00",
     ("Policing",), "Riverton Heights", "Commissioner Yolanda Petrakis", "civilian oversight board",
     "$1.1 million", "subpoena powers that lapse after ninety days"),
    (MEDIUM, "the-broadband-grant-that-vanished", "The Broadband Grant That Vanished", "Priya Castellanos",
     "2026-11-04T20:00", ("Broadband",), "Oxbow Township", "Supervisor Carl Drummond", "broadband grant",
     "$12 million", "a coverage map drawn by the incumbent provider"),
    (AUTO, AUTO_SAME, "The Ring Road Story They Keep Retelling", "Edith Marlowe", "2026-11-02T08:00",
     ("Roads",), "Hollins Cross", "Councillor Bartholomew Quaye", "ring road extension", "£52 million",
     "a traffic model that assumes nobody owns a bicycle"),
    (AUTO, "market-charter", "The Market Charter Row", "Edith Marlowe", "2026-11-03T09:00",
     ("Markets",), "Upper Hollins", "Mayor Winifred Sallow", "market charter review", "£300,000",
     "stallholders who were told about the meeting afterwards"),
    (AUTO, AUTO_DELETED, "A Planning Appeal Too Far", "Rupert Gaskell", "2026-11-04T09:00",
     ("Planning",), "Greyfriars End", "Councillor Desmond Achebe", "planning appeal", "£85,000",
     "legal advice that the council refuses to release"),
    (AUTO, "allotment-waiting-list", "The Allotment Waiting List", "Rupert Gaskell", "2026-11-05T09:00",
     ("Parks",), "Hollins Green", "Parks Officer Lettice Mwangi", "allotment allocation scheme", "£40,000",
     "a waiting list kept in a single spreadsheet"),
    (FAULTS, "rate-limited", "Rates, Limits and the Treasury", "Oona Blackwood", "2026-11-01T09:00",
     ("Budget",), "Brackwater", "Treasurer Ignatius Fell", "spending cap", "£16 million",
     "a reserve fund that exists mainly in footnotes"),
    (FAULTS, "flapping", "The Minister Who Flip-Flops", "Oona Blackwood", "2026-11-02T09:00",
     ("Energy",), "Coldharbour", "Minister Philippa Garside", "energy rebate", "£7 million",
     "a rebate formula revised four times in one week"),
    (FAULTS, "slow", "Slow Progress on the Flood Wall", "Hamish Strachan", "2026-11-03T09:00",
     ("Flooding",), "Netherby Marsh", "Engineer Cuthbert Olusanya", "flood wall scheme", "£19 million",
     "sandbags stored in a depot that itself floods"),
    (FAULTS, "committee-minutes", "Notes from the Committee Room", "Hamish Strachan", "2026-11-05T09:00",
     ("Council",), "Brackwater Quay", "Committee Chair Ottoline Reyes", "dredging contract", "£3.4 million",
     "a tender document with two different deadlines"),
    (BADFEEDS, "river-authority", "Rates & the River Authority", "Cassius Doyle", "2026-11-02T11:00",
     ("Rivers",), "Millrace", "Chief Executive Perpetua Vance", "river authority precept", "£1.3 million",
     "gauges that have not been calibrated since the last flood"),
    (BADFEEDS, "bridge-tolls", "Bridge Tolls Return", "Cassius Doyle", "2026-11-03T11:00",
     ("Transport",), "Overton Ford", "Councillor Jasper Nkemelu", "bridge toll", "£5 million",
     "a toll booth contract signed before the consultation closed"),
    (BADFEEDS, BADFEEDS_LOST, "The Weir Repairs", "Cassius Doyle", "2026-11-04T11:00",
     ("Rivers",), "Lockside", "Engineer Maud Pettigrew", "weir repair programme", "£700,000",
     "a contractor who went bust in the spring"),
)  # fmt: skip

_EDITS = {(WP, WP_EDITED): "2026-11-06T08:00"}
_ADDED_ON_DAY_1 = {(WP, WP_NEW)}
_DELETED_ON_DAY_1 = {(AUTO, AUTO_DELETED)}

CP1252_SLUG = "cp1252"
CP1252_TITLE = "Café Society and the Minister’s Lecture"
CP1252_AUTHOR = "Hamish Strachan"
CP1252_PUBLISHED = "2026-11-04T09:00"
CP1252_PARAGRAPHS = (
    "“We will not be lectured by the café owners of Lowmarsh,” said Minister Evander Coyle on Thursday — and "
    "then, an hour later, he apologised. It was a strange afternoon even by the standards of this parliament.",
    "The row began with a petition about business rates. Forty-two café owners signed it, and Coyle’s office "
    "called it “a stunt organised by people who have never balanced a budget”.",
    "The café on Lowmarsh Parade has been open for thirty-one years and has never once been late with its rates. "
    "Its owner, Bettina Gall, told us she would like the minister to visit before he calls her a stuntwoman.",
    "Ministers apologise all the time. What they rarely do is change the policy that made them angry in the first "
    "place, and there is no sign that this one will.",
)
CP1252_SNIPPETS = (
    "“We will not be lectured by the café owners of Lowmarsh,” said Minister Evander Coyle on Thursday — and then, "
    "an hour later, he apologised.",
    "The café on Lowmarsh Parade has been open for thirty-one years and has never once been late with its rates.",
)


def utc(stamp: str) -> datetime:
    """``"2026-11-02T09:00"`` as an aware UTC datetime."""
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


@lru_cache(maxsize=1)
def all_posts() -> dict[str, tuple[Post, ...]]:
    """Every post ever written, by site id, oldest first (day filtering is ``posts_on``)."""
    out: dict[str, list[Post]] = {}
    for index, (site, slug, title, author, when, tags, place, official, issue, figure, extra) in enumerate(_FACTS):
        edited = _EDITS.get((site, slug))
        post = write(
            index,
            Topic(place, official, issue, figure, extra),
            slug=slug,
            title=title,
            author=author,
            published=utc(when),
            tags=tags,
            edited_at=utc(edited) if edited else None,
        )
        out.setdefault(site, []).append(post)
    cp = Post(
        slug=CP1252_SLUG,
        title=CP1252_TITLE,
        author=CP1252_AUTHOR,
        published=utc(CP1252_PUBLISHED),
        modified=utc(CP1252_PUBLISHED),
        tags=("Business",),
        paragraphs=CP1252_PARAGRAPHS,
        snippets=CP1252_SNIPPETS,
    )
    out[FAULTS].append(cp)
    return {site: tuple(sorted(posts, key=lambda p: p.published)) for site, posts in out.items()}


def live(site: str, post: Post, day: int) -> bool:
    """Whether ``post`` of ``site`` is published on ``day``."""
    if (site, post.slug) in _ADDED_ON_DAY_1 and day < 1:
        return False
    return not ((site, post.slug) in _DELETED_ON_DAY_1 and day >= 1)


def posts_on(site: str, day: int) -> list[Post]:
    """The posts of ``site`` live on ``day``, edits applied, newest first."""
    posts = [p.on(day) for p in all_posts().get(site, ()) if live(site, p, day)]
    return sorted(posts, key=lambda p: p.published, reverse=True)


def post(site: str, slug: str, day: int = 0) -> Post:
    """One post of ``site`` as it stands on ``day`` (live or not)."""
    for candidate in all_posts()[site]:
        if candidate.slug == slug:
            return candidate.on(day)
    raise KeyError((site, slug))
