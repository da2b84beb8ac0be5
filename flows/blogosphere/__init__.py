"""The slant sample blogosphere: fictional political blogs served on 127.0.0.1.

``serve()`` starts one HTTP server per blog (WordPress-style, hand-rolled HTML, Ghost-style)
so ``make demo`` and the tests can crawl something realistic without the internet. ``day=1``
simulates the next night: new posts, an edited post and a deleted one.
"""

from flows.blogosphere.model import BlogSite, RequestRecord, SamplePost
from flows.blogosphere.server import serve
from flows.blogosphere.sphere import Blogosphere

__all__ = ["BlogSite", "Blogosphere", "RequestRecord", "SamplePost", "serve"]
