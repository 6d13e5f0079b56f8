"""Pages and feeds by URL, against a local server (127.0.0.1) that serves real saved news pages
from `../shared/external/news_html` and feeds written here. Nothing leaves the machine.

Real parts throughout: the real MiniLM model, a real Chroma store, the real parse worker.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from web_server import PAGES, LocalWeb, drip, endless

from assistant import Assistant, Settings
from index.errors import FetchError
from index.fetch import FetchLimits, _not_public, fetch

needs_pages = pytest.mark.skipif(
    not PAGES.is_dir(),
    reason=f"the saved news pages are absent ({PAGES}); they are read in place, never copied",
)

REUTERS = "traf-reuters.com.parasite.html"
LATIMES = "traf-latimes.com.bloomberg.html"
CBS = "traf-cbsnews.com.carolina.html"


@pytest.fixture
def web():
    server = LocalWeb()
    yield server
    server.close()


def _rss(web: LocalWeb, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, page, pubDate) items linking to pages on `web`."""
    entries = "".join(
        f"<item><title>{title}</title><link>{web.url('/pages/' + page)}</link>"
        f"<guid>{page}</guid><pubDate>{date}</pubDate>"
        f"<description>&lt;p&gt;{title}: the summary of the report.&lt;/p&gt;</description>"
        "</item>"
        for title, page, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test wire</title><link>{web.url('/')}</link>{entries}</channel></rss>"
    ).encode()


def _feed_route(body: bytes, kind: str = "application/rss+xml") -> tuple:
    return (200, {"Content-Type": f"{kind}; charset=utf-8"}, body)


def _bot(embedder, store: Path | None = None, **settings) -> Assistant:
    settings = {"store_path": store, "fetch_allow_private": True, **settings}
    return Assistant(Settings(**settings), embedder=embedder)


def _state(bot: Assistant) -> list:
    return [(a.source, a.sha256) for a in bot.articles()]


@needs_pages
def test_a_page_by_url_is_its_main_text_with_its_url_as_source(embedder, web):
    bot = _bot(embedder)
    url = web.url(f"/pages/{REUTERS}")
    report = bot.index([url])
    assert report.added == (url,), report
    info = bot.articles()[0]
    assert info.source == url and info.url == url
    assert info.title.startswith("'Parasite'") and info.published == "2020-01-20"
    text = bot.article(url).text
    assert "Despite an unknown cast," in text and "Related Coverage" not in text
    answer = bot.ask("Which film won the top prize at the SAG awards?")
    assert answer.answerable
    for c in answer.citations:
        assert c.source == url and bot.article(url).text[c.start : c.end] == c.quote
    assert bot.index([url]).unchanged == (url,)  # the same page again changes nothing


@needs_pages
def test_a_feed_indexes_its_items_and_follow_fetches_their_pages(embedder, web):
    items = [
        ("Parasite wins", REUTERS, "Sun, 19 Jan 2020 23:00:00 GMT"),
        ("Bloomberg debate", LATIMES, "Wed, 19 Feb 2020 08:00:00 GMT"),
    ]
    web.routes["/feed.xml"] = _feed_route(_rss(web, items))
    feed = web.url("/feed.xml")

    summaries = _bot(embedder)
    report = summaries.index([feed])
    links = {web.url(f"/pages/{REUTERS}"), web.url(f"/pages/{LATIMES}")}
    assert set(report.added) == links
    assert web.hits[f"/pages/{REUTERS}"] == 0  # without --follow no page is fetched
    one = summaries.article(web.url(f"/pages/{REUTERS}"))
    assert one.text == "Parasite wins\n\nParasite wins: the summary of the report."
    assert one.published == "2020-01-19"  # the feed's date
    # the feed again, one item retitled: that item is replaced, the other left as it was
    web.routes["/feed.xml"] = _feed_route(
        _rss(web, [("Parasite makes history", *items[0][1:]), items[1]])
    )
    again = summaries.index([feed])
    assert again.replaced == (web.url(f"/pages/{REUTERS}"),)
    assert again.unchanged == (web.url(f"/pages/{LATIMES}"),)
    web.routes["/feed.xml"] = _feed_route(_rss(web, items))

    bot = _bot(embedder)
    report = bot.index([feed], follow=True)
    assert set(report.added) == links
    page = bot.article(web.url(f"/pages/{LATIMES}"))
    assert "His opponents don’t lack for material to use." in page.text  # the page's text
    assert page.published == "2020-02-19"
    dates = {a.source: a.published for a in bot.articles()}
    assert dates[web.url(f"/pages/{REUTERS}")] == "2020-01-19"  # the feed's date wins

    # read again: nothing new, no page fetched again
    hits = dict(web.hits)
    again = bot.index([feed], follow=True)
    assert set(again.unchanged) == links and not again.added and not again.replaced
    assert web.hits[f"/pages/{REUTERS}"] == hits[f"/pages/{REUTERS}"]
    assert web.hits[f"/pages/{LATIMES}"] == hits[f"/pages/{LATIMES}"]

    # a new item: only its page is fetched
    web.routes["/feed.xml"] = _feed_route(
        _rss(web, [*items, ("Carolina voters", CBS, "Mon, 24 Feb 2020 10:00:00 GMT")])
    )
    third = bot.index([feed], follow=True)
    assert third.added == (web.url(f"/pages/{CBS}"),)
    assert set(third.unchanged) == links
    assert web.hits[f"/pages/{REUTERS}"] == hits[f"/pages/{REUTERS}"]
    assert web.hits[f"/pages/{CBS}"] == 1


@needs_pages
def test_an_atom_feed_and_feed_state_kept_beside_the_store(embedder, web, tmp_path):
    atom = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title>'
        f"<id>{web.url('/atom.xml')}</id><updated>2020-02-20T00:00:00Z</updated>"
        f'<entry><title>Bloomberg debate</title><link href="/pages/{LATIMES}"/>'
        "<id>tag:latimes</id><updated>2020-02-19T10:00:00Z</updated>"
        "<author><name>Wire Reporter</name></author>"
        "<summary>The debate nears.</summary></entry></feed>"
    ).encode()
    web.routes["/atom.xml"] = _feed_route(atom, "application/atom+xml")
    store = tmp_path / "store"
    report = _bot(embedder, store).index([web.url("/atom.xml")], follow=True)
    assert report.added == (web.url(f"/pages/{LATIMES}"),)  # the relative link resolved
    assert (store / "assistant-cache" / "feeds.json").is_file()
    # another process on the same store: the unchanged item is not fetched again
    again = _bot(embedder, store).index([web.url("/atom.xml")], follow=True)
    assert again.unchanged == (web.url(f"/pages/{LATIMES}"),)
    assert web.hits[f"/pages/{LATIMES}"] == 1


def _hostile(web: LocalWeb) -> dict[str, str]:
    """Hostile URLs on `web`, each with what its refusal must say."""
    web.routes["/loop-a"] = (302, {"Location": "/loop-b"}, b"")
    web.routes["/loop-b"] = (302, {"Location": "/loop-a"}, b"")
    for n in range(8):
        web.routes[f"/hop{n}"] = (301, {"Location": f"/hop{n + 1}"}, b"")
    web.routes["/image.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" * 10)
    web.routes["/huge.xml"] = endless
    web.routes["/declared-huge.xml"] = (
        200,
        {"Content-Type": "application/rss+xml", "Content-Length": str(10**9)},
        b"",
    )
    web.routes["/slow.html"] = drip(0.2, 200)
    bomb = gzip.compress(b"<rss version='2.0'><channel>" + b" " * 30_000_000)
    web.routes["/bomb.xml"] = (
        200,
        {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        bomb,
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        "<description>x</description></item></channel></rss>"
    )
    web.routes["/laughs.xml"] = _feed_route(laughs.encode())
    web.routes["/notfeed.xml"] = _feed_route(b"<html><body>not a feed</body></html>")
    web.routes["/to-ftp"] = (302, {"Location": "ftp://127.0.0.1/x"}, b"")
    return {
        "/loop-a": "redirect loop",
        "/hop0": "more than 3 redirects (ASSISTANT_FETCH_MAX_REDIRECTS)",
        "/image.png": "it is image/png, not a news page, feed or text",
        "/huge.xml": "the limit is 1,048,576 bytes (ASSISTANT_FETCH_MAX_MB)",
        "/declared-huge.xml": "the response is 1,000,000,000 bytes",
        "/slow.html": "no complete answer within 3 s (ASSISTANT_FETCH_TIMEOUT)",
        "/bomb.xml": "the limit is 1,048,576 bytes",
        "/notfeed.xml": "not an RSS or Atom feed",
        "/to-ftp": "only http and https URLs are fetched",
    }


def test_hostile_urls_get_a_clear_error_and_leave_the_store_as_it_was(embedder, web):
    expected = _hostile(web)
    bot = _bot(embedder, fetch_timeout=3, fetch_max_mb=1, fetch_max_redirects=3)
    bot.add_document("Harbour news\n\nThe harbour opened on Monday.", "kept.txt")
    before, revision = _state(bot), bot.corpus.revision()
    for path, reason in expected.items():
        report = bot.index([web.url(path)])
        assert not report.added and not report.replaced, (path, report)
        assert len(report.skipped) == 1, (path, report)
        assert report.skipped[0].path == web.url(path)
        assert reason in report.skipped[0].reason, (path, report.skipped[0].reason)
        assert "\n" not in report.skipped[0].reason
        assert _state(bot) == before and bot.corpus.revision() == revision
    # entities that would expand to a billion "lol"s: not expanded, or refused in the worker
    laughs = bot.index([web.url("/laughs.xml")])
    for source in laughs.added:
        assert len(bot.article(source).text) < 10_000


def test_private_and_loopback_addresses_are_refused_unless_allowed(web):
    web.routes["/page.html"] = (200, {"Content-Type": "text/html"}, b"<p>hi</p>")
    for url in (web.url("/page.html"), f"http://localhost:{web.port}/page.html"):
        with pytest.raises(FetchError, match="is a loopback address") as refused:
            fetch(url, FetchLimits())
        assert "ASSISTANT_FETCH_ALLOW_PRIVATE" in str(refused.value)
    assert web.hits["/page.html"] == 0  # refused before any connection
    assert fetch(web.url("/page.html"), FetchLimits(allow_private=True)).body == b"<p>hi</p>"
    # every kind of address that is not public (each redirect hop is checked the same way)
    for address, why in [
        ("10.1.2.3", "a private address"),
        ("192.168.0.1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # cloud metadata services
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "not a public address"),
        ("fd00::1", "a private address"),
    ]:
        assert _not_public(address) == why, address
    assert _not_public("93.184.216.34") is None


def test_a_feed_item_pointing_into_the_private_network_is_skipped(embedder, web):
    """A feed on a public site that links into the private network: --follow does not fetch
    the link (the feed's bytes are parsed here, as if fetched from outside)."""
    from index.feeds import FEED_SUFFIX
    from index.web import WebBatch, _follow

    feed = _rss(web, [("Inside", "secret.html", "Sun, 19 Jan 2020 23:00:00 GMT")])
    bot = _bot(embedder)
    items = bot.corpus.parser.parse(feed, "https://news.example.org/feed.xml", FEED_SUFFIX)
    batch = WebBatch()
    _follow(
        "https://news.example.org/feed.xml",
        items,
        bot.corpus.parser,
        FetchLimits(),
        None,
        lambda source: None,
        10,
        batch,
        None,
    )
    assert not batch.articles
    assert len(batch.skipped) == 1 and "is a loopback address" in batch.skipped[0].reason
    assert web.hits["/pages/secret.html"] == 0


@needs_pages
def test_the_cli_indexes_a_url_and_reports_a_hostile_one_in_one_line(web, tmp_path):
    web.routes["/image.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG")
    exe = Path(sys.executable).with_name("assistant")
    env = {
        **os.environ,
        "ASSISTANT_STORE_PATH": str(tmp_path / "store"),
        "ASSISTANT_FETCH_ALLOW_PRIVATE": "true",
    }
    url = web.url(f"/pages/{REUTERS}")
    done = subprocess.run(
        [str(exe), "index", url], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 added, 0 replaced, 0 unchanged, 0 skipped;"), done.stdout
    bad = subprocess.run(
        [str(exe), "index", web.url("/image.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert f"skipped {web.url('/image.png')}: refused: it is image/png" in bad.stderr
    assert "error: nothing was indexed" in bad.stderr
    private = subprocess.run(
        [str(exe), "index", url],
        capture_output=True,
        text=True,
        env={**env, "ASSISTANT_FETCH_ALLOW_PRIVATE": "false"},
        timeout=300,
    )
    assert private.returncode == 1 and "is a loopback address" in private.stderr


@needs_pages
def test_the_articles_tab_takes_a_url(embedder, web):
    from conftest import free_port
    from gradio_client import Client

    from ui.app import launch

    web.routes["/image.png"] = (200, {"Content-Type": "image/png"}, b"\x89PNG")
    bot = _bot(embedder)
    port = free_port(7900, 8100)
    app = launch(bot, "127.0.0.1", port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        url = web.url(f"/pages/{LATIMES}")
        status, _, _ = client.predict(url, False, False, api_name="/index_url")
        assert status.startswith("1 added, 0 replaced"), status
        assert [a.source for a in bot.articles()] == [url]
        status, _, _ = client.predict(web.url("/image.png"), False, False, api_name="/index_url")
        assert "✗" in status and "refused: it is image/png" in status
        assert [a.source for a in bot.articles()] == [url]
        status, _, _ = client.predict("file:///etc/passwd", False, False, api_name="/index_url")
        assert "only http and https URLs are fetched" in status
        with pytest.raises(Exception, match="address of a news page or feed"):
            client.predict("just words", False, False, api_name="/index_url")
        assert [a.source for a in bot.articles()] == [url]
    finally:
        app.close()
