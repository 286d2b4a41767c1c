"""Offline stand-ins at the network edge: Yahoo via ``responses``, FRED via a loopback server.

Both serve real recorded bodies from ../shared/fixtures/real (tests skip when it is absent).
Issuer holdings files are served by a loopback server too (``issuer_stub``).
The fixtures that wrap these live in tests/conftest.py so source, flow and CLI tests share them.

yfinance 1.7 sends every request through one process-wide ``YfData`` singleton whose session is
replaced whenever a ``Ticker`` is built with ``session=...``; production passes ``None``, which
keeps whatever session the singleton holds. ``YahooMock.install`` therefore puts a plain
``requests.Session`` (which ``responses`` intercepts) into the singleton, and puts the previous
one back afterwards.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter
from yfinance.data import YfData

from contracts.calendar import trading_days
from contracts.futures import fed_funds_symbols

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "real"
YAHOO_BODIES = REAL / "yahoo" / "raw-bodies"
FRED_XML = REAL / "fred" / "xml"
CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/{}"
QUOTE_SUMMARY_URL = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{}"
QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
TIMESERIES_URL = (
    "https://query1.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/timeseries/{}"
)
FRED_NOT_FOUND = (
    b'<?xml version="1.0" encoding="utf-8" ?>\n'
    b'<error code="400" message="Bad Request.  The series does not exist."/>\n'
)
NEW_YORK = ZoneInfo("America/New_York")
# yfinance reads an expiry beyond 2e9 as milliseconds, so the cookie expires before 2033-05
A3_COOKIE = "A3=d=offline; Expires=Sat, 01 Jan 2033 00:00:00 GMT; Domain=.yahoo.com; Path=/"


def real_file(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/fixtures/real is optional)")
    return path


# ---------------------------------------------------------------- Yahoo


def _is_history(request: requests.PreparedRequest) -> tuple[bool, str]:
    return "period1=" in (request.url or ""), "history request (period1=...)"


def _is_tz_probe(request: requests.PreparedRequest) -> tuple[bool, str]:
    return "range=1d" in (request.url or ""), "tz probe (range=1d)"


def _is_batch_quote(request: requests.PreparedRequest) -> tuple[bool, str]:
    return "fields=" in (request.url or ""), "batch quote (fields=...)"


def tz_probe_body(ticker: str) -> str:
    """The minimal chart answer yfinance needs to learn a ticker's exchange timezone."""
    meta = {"symbol": ticker, "exchangeTimezoneName": "America/New_York", "currency": "USD"}
    return json.dumps({"chart": {"result": [{"meta": meta, "indicators": {"quote": [{}]}}]}})


def not_found_chart() -> str:
    error = {"code": "Not Found", "description": "No data found, symbol may be delisted"}
    return json.dumps({"chart": {"result": None, "error": error}})


@dataclass(frozen=True)
class Bar:
    """One synthetic daily bar; ``adj_close`` defaults to ``close``."""

    day: date
    close: float
    adj_close: float | None = None
    dividend: float = 0.0
    split: tuple[int, int] | None = None  # (numerator, denominator), e.g. (4, 1)


def chart_body(ticker: str, bars: list[Bar], instrument: str = "ETF") -> str:
    """A v8 chart body for ``bars``, built on the recorded QQQ chart so every field yfinance
    reads is where Yahoo puts it (bars stamped at the 09:30 New York open, events keyed by
    epoch seconds); ``instrument`` is Yahoo's instrumentType (ETF, FUTURE, ...)."""
    template = json.loads(
        real_file(YAHOO_BODIES / "chart-QQQ-2020-01-01-to-2020-01-03.body.json").read_text()
    )
    result = copy.deepcopy(template["chart"]["result"][0])
    stamps = [
        int(datetime(b.day.year, b.day.month, b.day.day, 9, 30, tzinfo=NEW_YORK).timestamp())
        for b in bars
    ]
    result["meta"].update(symbol=ticker, instrumentType=instrument, regularMarketTime=stamps[-1])
    result["timestamp"] = stamps
    result["indicators"] = {
        "quote": [
            {
                "open": [b.close for b in bars],
                "high": [b.close * 1.01 for b in bars],
                "low": [b.close * 0.99 for b in bars],
                "close": [b.close for b in bars],
                "volume": [1_000_000 for _ in bars],
            }
        ],
        "adjclose": [{"adjclose": [b.close if b.adj_close is None else b.adj_close for b in bars]}],
    }
    dividends = {
        str(t): {"amount": b.dividend, "date": t}
        for t, b in zip(stamps, bars, strict=True)
        if b.dividend
    }
    splits = {
        str(t): {
            "date": t,
            "numerator": b.split[0],
            "denominator": b.split[1],
            "splitRatio": f"{b.split[0]}:{b.split[1]}",
        }
        for t, b in zip(stamps, bars, strict=True)
        if b.split
    }
    result["events"] = {k: v for k, v in (("dividends", dividends), ("splits", splits)) if v}
    return json.dumps({"chart": {"result": [result], "error": None}})


def fundamentals_bodies(ticker: str, recorded_as: str | None = None) -> dict[str, str]:
    """Bodies of the quoteSummary, v7 quote and timeseries endpoints for ``ticker``, from the
    recording of ``recorded_as`` (default: the same ticker; QQQ and AAPL are recorded)."""
    source = recorded_as or ticker
    summary_file = real_file(YAHOO_BODIES / f"quoteSummary-all-{source}.body.json")
    summary = json.loads(summary_file.read_text())
    quote = json.loads(real_file(YAHOO_BODIES / f"quote-{source}.body.json").read_text())
    if source != ticker:  # yfinance checks the symbol it asked for
        for item in quote["quoteResponse"]["result"]:
            item["symbol"] = ticker
        summary["quoteSummary"]["result"][0].get("quoteType", {})["symbol"] = ticker
    return {
        "quoteSummary": json.dumps(summary),
        "quote": json.dumps(quote),
        "timeseries": json.dumps({"timeseries": {"result": [], "error": None}}),
    }


@dataclass
class YahooMock:
    """A RequestsMock with Yahoo's cookie/crumb dance stubbed and helpers per endpoint."""

    rm: responses.RequestsMock
    session: requests.Session

    def chart(self, ticker: str, *replies: tuple[int, object]) -> None:
        """tz probe answers 200; history requests get ``replies`` in order (the last repeats)."""
        self.rm.get(CHART_URL.format(ticker), body=tz_probe_body(ticker), match=[_is_tz_probe])
        for status, body in replies:
            self.rm.get(CHART_URL.format(ticker), status=status, body=body, match=[_is_history])

    def real_body(self, name: str) -> str:
        return real_file(YAHOO_BODIES / name).read_text()

    def chart_file(self, ticker: str, name: str) -> None:
        self.chart(ticker, (200, self.real_body(name)))

    def bars(self, ticker: str, bars: list[Bar], instrument: str = "ETF") -> None:
        """Serve synthetic bars (see ``chart_body``) for every history request of ``ticker``."""
        self.chart(ticker, (200, chart_body(ticker, bars, instrument)))

    def fed_funds_futures(self, run_date: date, days: list[date]) -> None:
        """Bars on ``days`` for every Fed funds futures symbol a live run on ``run_date`` asks
        for (the 12 contracts and ZQ=F), each at its own price a little under 95."""
        for n, symbol in enumerate(fed_funds_symbols(run_date)):
            self.bars(symbol, [Bar(day=d, close=94.92 + n / 100) for d in days], "FUTURE")

    def unknown(self, ticker: str) -> None:
        """What Yahoo answers for a symbol it does not know (chart and quoteSummary: 404)."""
        self.rm.get(CHART_URL.format(ticker), status=404, body=not_found_chart())
        error = {"code": "Not Found", "description": f"Quote not found for symbol: {ticker}"}
        body = json.dumps({"quoteSummary": {"result": None, "error": error}})
        self.rm.get(QUOTE_SUMMARY_URL.format(ticker), status=404, body=body)

    def fundamentals(self, ticker: str, recorded_as: str | None = None) -> None:
        """quoteSummary and v7 quote for ``ticker`` from the recording of ``recorded_as``
        (default: the same ticker; QQQ and AAPL are recorded)."""
        bodies = fundamentals_bodies(ticker, recorded_as)
        self.rm.get(QUOTE_SUMMARY_URL.format(ticker), body=bodies["quoteSummary"])
        match = [responses.matchers.query_param_matcher({"symbols": ticker}, strict_match=False)]
        self.rm.get(QUOTE_URL, body=bodies["quote"], match=match)
        self.rm.get(TIMESERIES_URL.format(ticker), body=bodies["timeseries"])

    def batch_quotes(self, known: Mapping[str, Mapping[str, object]], *, status: int = 200) -> None:
        """Answer ``/v7/finance/quote?symbols=A,B,...`` as Yahoo does: one result per symbol
        in ``known`` (the recorded AAPL result with the given fields replaced), nothing for
        the others. ``status`` other than 200 answers every request with that error."""
        template = json.loads(self.real_body("quote-AAPL-BABA.body.json"))
        aapl = template["quoteResponse"]["result"][0]

        def reply(request: requests.PreparedRequest) -> tuple[int, dict, str]:
            if status != 200:
                return status, {}, json.dumps({"finance": {"result": None, "error": "down"}})
            asked = parse_qs(urlsplit(request.url or "").query).get("symbols", [""])[0]
            results = [{**aapl, "symbol": s, **known[s]} for s in asked.split(",") if s in known]
            return 200, {}, json.dumps({"quoteResponse": {"result": results, "error": None}})

        # only the batch requests (they name their fields), so a single-symbol quote
        # registered by ``fundamentals`` is never shadowed
        self.rm.add_callback(responses.GET, QUOTE_URL, callback=reply, match=[_is_batch_quote])

    def calls_to(self, url: str) -> int:
        return sum(1 for c in self.rm.calls if (c.request.url or "").startswith(url))

    def history_calls(self, ticker: str) -> int:
        url = CHART_URL.format(ticker)
        return sum(1 for c in self.rm.calls if c.request.url.startswith(url + "?period1="))


@contextmanager
def yfinance_session(session: requests.Session) -> Iterator[None]:
    """Route production's ``session=None`` yfinance calls through ``session``, then restore."""
    data = YfData()
    previous = data._session
    YfData(session=session)
    try:
        yield
    finally:
        data._session = previous


@contextmanager
def yahoo_mock() -> Iterator[YahooMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rm:
        # as Yahoo does: a 404 that sets the A3 cookie yfinance keeps and reuses
        rm.get("https://fc.yahoo.com/", status=404, body="", headers={"Set-Cookie": A3_COOKIE})
        rm.get(re.compile(r"https://query[12]\.finance\.yahoo\.com/v1/test/getcrumb"), body="crumb")
        rm.get(re.compile(r"https://guce\.yahoo\.com/consent.*"), body="<html></html>")
        rm.add_passthru(re.compile(r"http://127\.0\.0\.1:\d+/"))  # loopback stubs are real
        mock = YahooMock(rm=rm, session=requests.Session())
        with yfinance_session(mock.session):
            yield mock


# ---------------------------------------------------------------- issuer files


@dataclass
class IssuerStub:
    """Issuer holdings files on 127.0.0.1: ``files[path] = (status, body)``; hits by path."""

    base_url: str = ""
    files: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def serve(self, path: str, body: bytes, status: int = 200) -> str:
        """Serve ``body`` at ``path``; returns its URL."""
        self.files[path] = (status, body)
        return self.base_url + path


def _issuer_handler(stub: IssuerStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            stub.hits.append(path)
            status, body = stub.files.get(path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/csv; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

    return Handler


@contextmanager
def loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1:<free port> for the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def issuer_stub() -> Iterator[IssuerStub]:
    stub = IssuerStub()
    with loopback(_issuer_handler(stub)) as base_url:
        stub.base_url = base_url
        yield stub


# ---------------------------------------------------------------- FRED


@dataclass
class Reply:
    """One scripted answer of a loopback server.

    ``reset`` closes the connection with a TCP RST instead of answering; ``cut`` announces a
    longer body than it sends, then closes (the connection drops mid-body); ``delay`` waits
    before answering (longer than the client's timeout: a slow server)."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    cut: bool = False


def send_reply(handler: BaseHTTPRequestHandler, reply: Reply, content_type: str) -> None:
    """Write ``reply`` (or its fault) on ``handler``'s real socket."""
    time.sleep(reply.delay)
    try:
        if reply.reset:
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.rfile.close()  # the socket closes (RST) only once no file object holds it
            handler.connection.close()
            return
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        announced = len(reply.body) + (1000 if reply.cut else 0)
        handler.send_header("Content-Length", str(announced))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (timeout test)


def observations_xml(values: Mapping[date, str]) -> bytes:
    """FRED observations (its text, '.' for missing) in the recorded XML layout."""
    rows = "".join(
        f'<observation realtime_start="{d}" realtime_end="{d}" date="{d}" value="{v}"/>'
        for d, v in sorted(values.items())
    )
    return f'<?xml version="1.0" encoding="utf-8" ?><observations>{rows}</observations>'.encode()


@dataclass
class FredStub:
    """Routes (endpoint, series_id) to scripted replies; the last reply repeats forever."""

    base_url: str = ""
    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    # observations served like FRED: only those inside the request's observation window
    histories: dict[str, Mapping[date, str]] = field(default_factory=dict)
    hits: list[tuple[str, str]] = field(default_factory=list)
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    generated: dict[str, Callable[[date], str]] = field(default_factory=dict)

    def script(self, endpoint: str, series_id: str, *replies: tuple[int, bytes] | Reply) -> None:
        """``replies`` as (status, body) or (status, body, delay_seconds) tuples."""
        self.routes[(endpoint, series_id)] = [
            r if isinstance(r, Reply) else Reply(*r) for r in replies
        ]

    def body(self, endpoint: str, series_id: str) -> bytes:
        return self.routes[(endpoint, series_id)][0].body

    def serve_file(self, endpoint: str, series_id: str, name: str) -> None:
        self.script(endpoint, series_id, Reply(body=real_file(FRED_XML / name).read_bytes()))

    def observations(self, series_id: str, values: Mapping[date, str]) -> None:
        """Serve ``values`` (FRED's text, '.' for missing) in the recorded XML layout, only
        those inside the request's observation_start..observation_end, as FRED does."""
        self.routes.pop(("series/observations", series_id), None)
        self.histories[series_id] = dict(sorted(values.items()))

    def daily(self, series_id: str, value: Callable[[date], str]) -> None:
        """Serve ``series_id`` for whatever window fredapi asks: one observation per calendar
        day with ``value(day)`` as FRED's text, and the recorded DFF metadata renamed."""
        self.generated[series_id] = value
        self.routes.pop(("series/observations", series_id), None)  # the recorded file, if any
        self.histories.pop(series_id, None)
        info = real_file(FRED_XML / "DFF_series_info.xml").read_text()
        renamed = info.replace('<series id="DFF"', f'<series id="{series_id}"', 1)
        self.script("series", series_id, Reply(body=renamed.encode()))

    def series_info(self, series_id: str, start: date, end: date, title: str = "") -> None:
        """Series metadata in FRED's XML layout, with the series' observation range."""
        attributes = {
            "id": series_id,
            "title": title or series_id,
            "observation_start": start,
            "observation_end": end,
            "frequency": "Daily, 7-Day",
            "units": "Percent",
            "last_updated": f"{end} 15:16:01-05",
        }
        fields = " ".join(f'{k}="{v}"' for k, v in attributes.items())
        body = f'<?xml version="1.0" encoding="utf-8" ?><seriess><series {fields}/></seriess>'
        self.script("series", series_id, Reply(body=body.encode()))

    def _history(self, series_id: str, query: dict[str, list[str]]) -> Reply:
        first = date.fromisoformat(query.get("observation_start", ["1776-07-04"])[0])
        last = date.fromisoformat(query.get("observation_end", ["9999-12-31"])[0])
        values = {d: v for d, v in self.histories[series_id].items() if first <= d <= last}
        return Reply(body=observations_xml(values))

    def count(self, endpoint: str, series_id: str) -> int:
        return self.hits.count((endpoint, series_id))

    def reply(self, path: str, query: dict[str, list[str]]) -> Reply:
        endpoint = path.removeprefix("/fred/")
        series_id = query.get("series_id", [""])[0]
        with self.lock:
            self.hits.append((endpoint, series_id))
            self.queries.append(query)
            if endpoint == "series/observations" and series_id in self.histories:
                return self._history(series_id, query)
            replies = self.routes.get((endpoint, series_id))
            if not replies and endpoint == "series/observations" and series_id in self.generated:
                return self._generated(series_id, query)
            if not replies:
                return Reply(status=400, body=FRED_NOT_FOUND)
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _generated(self, series_id: str, query: dict[str, list[str]]) -> Reply:
        first = date.fromisoformat(query["observation_start"][0])
        last = date.fromisoformat(query["observation_end"][0])
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return Reply(body=observations_xml({d: self.generated[series_id](d) for d in days}))


def _handler(stub: FredStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            reply = stub.reply(parts.path, parse_qs(parts.query))
            send_reply(self, reply, "text/xml; charset=utf-8")

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the request line carries the api key."""

    return Handler


@contextmanager
def fred_stub() -> Iterator[FredStub]:
    """FRED on 127.0.0.1:<free port> serving DFF and GDP; unknown series answer 400."""
    stub = FredStub()
    for series_id, observations, info in (
        ("DFF", "DFF_observations_2023-01-01_2023-06-06.xml", "DFF_series_info.xml"),
        ("GDP", "GDP_observations.xml", "GDP_series_info.xml"),
    ):
        stub.serve_file("series/observations", series_id, observations)
        stub.serve_file("series", series_id, info)
    with loopback(_handler(stub)) as base_url:
        stub.base_url = base_url + "/fred"
        yield stub


def free_port() -> int:
    """A loopback port with nothing listening: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- Yahoo on loopback


class _ToLoopback(HTTPAdapter):
    """Sends every request to 127.0.0.1:<port> over plain HTTP, keeping path and query: the
    fake's stand-in for DNS pointing Yahoo's hosts at a local server."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().send(request, **kwargs)


@dataclass
class YahooServer:
    """Yahoo on a real loopback socket, for faults ``responses`` cannot produce (a reset, a
    response slower than the timeout, a body cut mid-way).

    Each ticker in ``prices`` answers history requests with synthetic bars (``bar(ticker, day)``,
    built on the recorded chart by ``chart_body``) for exactly the window yfinance asks, and
    fundamentals from the recorded QQQ bodies. ``fault`` scripts replies per (endpoint, ticker)
    (endpoints: chart, quoteSummary); the last reply repeats. ``edit`` rewrites a ticker's chart
    JSON before it is sent (malformed-data cases).
    """

    prices: dict[str, float] = field(default_factory=dict)
    port: int = 0
    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    bars: dict[str, Callable[[date], Bar]] = field(default_factory=dict)
    edits: dict[str, Callable[[dict], None]] = field(default_factory=dict)
    hits: list[tuple[str, str]] = field(default_factory=list)
    # when each request arrived (time.time(), any path, cookie and crumb included), so a test
    # can check the rate the server saw, whoever sent the requests
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self) -> requests.Session:
        """A session whose every request reaches this server (no proxy from the environment)."""
        session = requests.Session()
        session.trust_env = False
        session.mount("https://", _ToLoopback(self.port))
        session.mount("http://", _ToLoopback(self.port))
        return session

    def fault(self, endpoint: str, ticker: str, *replies: Reply) -> None:
        self.routes[(endpoint, ticker)] = list(replies)

    def fed_funds_futures(self, *run_dates: date) -> None:
        """Flat bars a little under 95 for every Fed funds futures symbol a live run on one of
        ``run_dates`` asks for (the drift of ``bar`` would take them out of range)."""
        for day in run_dates:
            for symbol in fed_funds_symbols(day):
                self.prices[symbol] = 94.9
                self.bars[symbol] = lambda d: Bar(day=d, close=94.9)

    def edit(self, ticker: str, change: Callable[[dict], None]) -> None:
        self.edits[ticker] = change

    def count(self, endpoint: str, ticker: str) -> int:
        return self.hits.count((endpoint, ticker))

    def bar(self, ticker: str, day: date) -> Bar:
        """The ticker's bar on ``day``: a fixed function of the day, so re-fetches match."""
        if ticker in self.bars:
            return self.bars[ticker](day)
        drift = (day - date(2020, 1, 1)).days / 100
        return Bar(day=day, close=round(self.prices[ticker] + drift, 2))

    def reply(self, path: str, query: dict[str, list[str]]) -> tuple[Reply, str]:
        """(reply, content type) for one request."""
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[-1] == "getcrumb":
            return Reply(body=b"crumb"), "text/plain"
        if parts[:3] == ["v8", "finance", "chart"]:
            endpoint, ticker = ("tz" if "range" in query else "chart"), parts[3]
        elif parts[:3] == ["v10", "finance", "quoteSummary"]:
            endpoint, ticker = "quoteSummary", parts[3]
        elif parts[:3] == ["v7", "finance", "quote"]:
            endpoint, ticker = "quote", query.get("symbols", [""])[0]
        elif parts[-2:-1] == ["timeseries"]:
            endpoint, ticker = "timeseries", parts[-1]
        else:
            return Reply(status=404), "text/html"  # fc.yahoo.com, consent pages
        with self.lock:
            self.hits.append((endpoint, ticker))
            scripted = self.routes.get((endpoint, ticker))
            if scripted:
                return (scripted.pop(0) if len(scripted) > 1 else scripted[0]), "text/html"
        if ticker not in self.prices:
            return Reply(status=404, body=not_found_chart().encode()), "application/json"
        if endpoint == "tz":
            return Reply(body=tz_probe_body(ticker).encode()), "application/json"
        if endpoint == "chart":
            return Reply(body=self._chart(ticker, query).encode()), "application/json"
        body = fundamentals_bodies(ticker, recorded_as="QQQ")[endpoint]
        return Reply(body=body.encode()), "application/json"

    def _chart(self, ticker: str, query: dict[str, list[str]]) -> str:
        first = datetime.fromtimestamp(int(query["period1"][0]), NEW_YORK).date()
        after = datetime.fromtimestamp(int(query["period2"][0]), NEW_YORK).date()
        days = trading_days(first, after - timedelta(days=1))
        body = json.loads(chart_body(ticker, [self.bar(ticker, d) for d in days]))
        if ticker in self.edits:
            self.edits[ticker](body["chart"]["result"][0])
        return json.dumps(body)


def _yahoo_handler(server: YahooServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with server.lock:
                server.times.append(time.time())
            parts = urlsplit(self.path)
            reply, content_type = server.reply(parts.path, parse_qs(parts.query))
            send_reply(self, reply, content_type)

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the test output is about the pipeline."""

    return Handler


@contextmanager
def yahoo_server(prices: Mapping[str, float]) -> Iterator[YahooServer]:
    """Yahoo on 127.0.0.1:<free port> serving ``prices`` (ticker -> price level); production's
    yfinance calls are routed to it while the context is open."""
    fake = YahooServer(prices=dict(prices))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _yahoo_handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        with yfinance_session(fake.session()):
            yield fake
    finally:
        server.shutdown()
        server.server_close()
