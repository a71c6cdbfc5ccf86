"""HTTP for the source stage: bounded, polite, cached, and honest about failure.

Every way a server can let us down (timeouts, 4xx/5xx, redirect loops, endless
or oversized bodies) ends as a ``SourceError`` with a reason a person can act on;
the caller records it against the source and the briefing goes on without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import ipaddress
import json
import logging
import mimetypes
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import FetchConfig, file_url_path
from .deliver import write_atomic
from .errors import SourceError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024


_DECODED = ("gzip", "x-gzip", "deflate")


class _OverLimit(Exception):
    pass


class _Decoder:
    """One content coding undone incrementally, never yielding more than ``limit`` bytes
    in all (a bomb stops at the cap, its unconsumed input left unread)."""

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.produced = 0
        self.zlib: Any = None
        if coding != "deflate":
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.head = b""  # deflate: bytes held until its first two tell zlib from raw

    def feed(self, data: bytes) -> bytes:
        if self.zlib is None:
            self.head += data
            if len(self.head) < 2:
                return b""
            first, second = self.head[0], self.head[1]
            wrapped = first & 0x0F == 8 and (first << 8 | second) % 31 == 0
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self.head = self.head, b""
        out = self.zlib.decompress(data, self.limit + 1 - self.produced)
        self.produced += len(out)
        if self.produced > self.limit or self.zlib.unconsumed_tail:
            raise _OverLimit
        return bytes(out)

    def flush(self) -> bytes:
        if self.zlib is None:  # fewer than two bytes in all
            self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            data, self.head = self.head, b""
            return self.feed(data) + self.flush()
        out = self.zlib.flush()
        self.produced += len(out)
        if self.produced > self.limit:
            raise _OverLimit
        return bytes(out)


@dataclass(frozen=True)
class Policy:
    """The fetch settings of one run (``fetch:`` in the config)."""

    timeout: float = 20.0
    connect_timeout: float = 10.0
    deadline: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 1.0
    concurrency: int = 8
    per_host: int = 2
    user_agent: str = "digest (news briefing builder)"
    private_networks: bool = True
    file_roots: tuple[Path, ...] | None = None  # None: any local file may be read

    @classmethod
    def from_config(
        cls,
        config: FetchConfig,
        version: str,
        *,
        private_networks: bool = True,
        file_roots: tuple[Path, ...] | None = None,
    ) -> Policy:
        return cls(
            private_networks=private_networks,
            file_roots=file_roots,
            timeout=config.timeout,
            connect_timeout=config.connect_timeout,
            deadline=config.deadline,
            max_bytes=config.max_bytes,
            max_redirects=config.max_redirects,
            retries=config.retries,
            backoff=config.backoff,
            concurrency=config.concurrency,
            per_host=config.per_host,
            user_agent=config.user_agent.replace("{version}", version),
        )


@dataclass(frozen=True)
class Fetched:
    """A response body, fresh or (after a 304) from the cache."""

    url: str
    final_url: str
    body: bytes
    content_type: str
    not_modified: bool = False
    downloaded: int = 0  # body bytes that crossed the network for this response


@dataclass
class Counters:
    """What a run's fetching cost: for logs and benchmarks."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    bytes: int = 0
    by_host: dict[str, int] = field(default_factory=dict)


class Cache:
    """ETag/Last-Modified and the last body of each URL, in a folder the config names.

    Entries are written atomically, body first, so a run killed mid-write leaves
    either the old entry or the new one, never validators without their body.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
        folder = self.directory / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def entry(self, url: str) -> tuple[dict[str, str], tuple[bytes, str, str] | None]:
        """The conditional headers to ask with and the cached body, content type and final
        URL they stand for, read once: a 304 is answered from the very bytes its
        validators came with. Nothing for an entry that is not whole: validators without
        a good body would earn a 304 we cannot use."""
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return {}, None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return {}, None
        if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return {}, None
        headers = {}
        if isinstance(meta.get("etag"), str):
            headers["If-None-Match"] = meta["etag"]
        if isinstance(meta.get("last_modified"), str):
            headers["If-Modified-Since"] = meta["last_modified"]
        cached = (body, str(meta.get("content_type") or ""), str(meta.get("final_url") or url))
        return headers, cached

    def load(self, url: str) -> tuple[bytes, str, str] | None:
        """The cached body, content type and final URL, if the entry is whole."""
        return self.entry(url)[1]

    def forget(self, url: str) -> None:
        for path in self._paths(url):
            with contextlib.suppress(OSError):
                path.unlink()

    def store(self, url: str, response: httpx.Response, body: bytes) -> None:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if not etag and not modified:
            return  # nothing to revalidate with; keeping the body would only cost disk
        meta_path, body_path = self._paths(url)
        meta = {
            "url": url,
            "final_url": str(response.url),
            "etag": etag,
            "last_modified": modified,
            "content_type": response.headers.get("content-type", ""),
            "sha256": hashlib.sha256(body).hexdigest(),
            "stored": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            write_atomic(body_path, body)
            write_atomic(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError as exc:  # a read-only cache costs bandwidth next time, not this briefing
            log.warning("cannot write the HTTP cache in %s: %s", self.directory, exc)


class Fetcher:
    """Gets URLs for one run: at most ``concurrency`` at once, ``per_host`` per host."""

    def __init__(self, client: httpx.AsyncClient, policy: Policy, cache: Cache | None) -> None:
        self.client = client
        self.policy = policy
        self.cache = cache
        self.counters = Counters()
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._started: dict[tuple[object, ...], asyncio.Task[Fetched]] = {}

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Fetched:
        """Fetch one URL (``http(s)://`` or ``file://``); raises SourceError with the reason.

        Asking twice in one run (two feeds linking the same story) fetches once.
        """
        key = (url, tuple(sorted((headers or {}).items())), timeout)
        task = self._started.get(key)
        if task is None:
            task = asyncio.ensure_future(self._get(url, headers, timeout))
            self._started[key] = task
        return await task

    async def _get(
        self, url: str, headers: Mapping[str, str] | None, timeout: float | None
    ) -> Fetched:
        parsed = urlsplit(url)
        if parsed.scheme == "file":
            return await asyncio.to_thread(self._read_file, url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SourceError(f"{url}: not an http(s) URL")
        host = parsed.hostname.lower()
        self.counters.by_host[host] = self.counters.by_host.get(host, 0) + 1
        return await self._with_retries(url, host, dict(headers or {}), timeout)

    @contextlib.asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slot = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        async with slot:
            yield

    async def _with_retries(
        self, url: str, host: str, headers: dict[str, str], timeout: float | None
    ) -> Fetched:
        """Each attempt holds a slot; the wait between attempts does not."""
        attempt = 0
        while True:
            try:
                async with self._host_slot(host), self._slots:
                    return await self._attempt(url, headers, timeout)
            except _Retryable as exc:
                if attempt >= self.policy.retries:
                    tries = f"; gave up after {attempt + 1} attempts" if attempt else ""
                    raise SourceError(exc.reason + tries) from None
                delay = self.policy.backoff * 2**attempt
                if exc.retry_after is not None:
                    delay = min(max(delay, exc.retry_after), self.policy.backoff * 8)
                attempt += 1
                self.counters.retries += 1
                log.info("%s: %s; retry %d in %.1f s", url, exc.reason, attempt, delay)
                await asyncio.sleep(delay)

    async def _attempt(self, url: str, headers: dict[str, str], timeout: float | None) -> Fetched:
        conditional, cached = self.cache.entry(url) if self.cache else ({}, None)
        read = timeout or self.policy.timeout
        limits = httpx.Timeout(read, connect=self.policy.connect_timeout)
        self.counters.requests += 1
        try:
            async with asyncio.timeout(self.policy.deadline):
                request = self.client.build_request(
                    "GET", url, headers={**headers, **conditional}, timeout=limits
                )
                response = await self.client.send(request, stream=True)
                try:
                    return await self._receive(url, response, cached)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _Retryable(f"no complete response within {self.policy.deadline:g} s") from None
        except httpx.TooManyRedirects:
            most = self.policy.max_redirects
            if most == 0:
                raise SourceError("redirected, and fetch.max_redirects is 0") from None
            raise SourceError(f"more than {most} redirects (a redirect loop?)") from None
        except httpx.TimeoutException as exc:
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
            limit = self.policy.connect_timeout if what == "connecting" else read
            raise _Retryable(f"timed out {what} (after {limit:g} s)") from None
        except httpx.DecodingError as exc:
            raise SourceError(f"cannot decode the response body: {exc}") from None
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
                raise SourceError(f"bad URL: {reason}") from None
            raise _Retryable(f"connection failed: {reason}") from None

    async def _receive(
        self, url: str, response: httpx.Response, cached: tuple[bytes, str, str] | None
    ) -> Fetched:
        if response.status_code == 304 and self.cache is not None:
            await response.aread()  # the empty body: left unread, httpx drops the connection
            if cached is not None:
                self.counters.not_modified += 1
                body, content_type, final_url = cached
                return Fetched(url, final_url, body, content_type, not_modified=True)
            # a 304 to a plain request (no good cached copy): forget the entry, ask again
            self.cache.forget(url)
            raise _Retryable("HTTP 304 but the cached copy is unreadable")
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(_status(response), _retry_after(response))
        if response.status_code >= 300:
            raise SourceError(_status(response))
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise SourceError(f"response of {int(declared)} bytes is over the {_limit(self)} limit")
        body = await self._body(response)
        self.counters.bytes += response.num_bytes_downloaded
        if self.cache is not None:
            await asyncio.to_thread(self.cache.store, url, response, body)
        return Fetched(
            url,
            str(response.url),
            body,
            response.headers.get("content-type", ""),
            downloaded=response.num_bytes_downloaded,
        )

    async def _body(self, response: httpx.Response) -> bytes:
        """The decoded body, never holding more than ``max_bytes`` of it at any stage.

        digest asks for gzip and deflate only, and decodes them itself from the raw bytes,
        a bounded step at a time, so a compression bomb costs only the cap; codings
        stacked by the server ("gzip, gzip") are undone in turn, each under the cap. Any
        other coding (br, zstd, …) is refused as this source's failure rather than left to
        a decoder that would expand a whole chunk at once. "deflate" is taken with or
        without its zlib header, as browsers take it."""
        limit = self.policy.max_bytes
        header = response.headers.get("content-encoding", "")
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        unknown = [c for c in codings if c not in _DECODED]
        if unknown:
            raise SourceError(
                f"the body is {unknown[0]}-encoded, which digest did not ask for and does not "
                "decode (it asks for gzip or deflate)"
            )
        decoders = [_Decoder(c, limit) for c in reversed(codings)]  # last applied first
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw(_CHUNK):
                data = raw
                for decoder in decoders:
                    data = decoder.feed(data)
                size += len(data)
                if size > limit:
                    raise SourceError(f"response body over the {_limit(self)} limit")
                chunks.append(data)
            for i, decoder in enumerate(decoders):
                data = decoder.flush()
                for later in decoders[i + 1 :]:
                    data = later.feed(data)
                size += len(data)
                chunks.append(data)
        except zlib.error as exc:
            raise SourceError(f"cannot decode the {header.strip()} response body: {exc}") from None
        except _OverLimit:
            raise SourceError(f"response body over the {_limit(self)} limit") from None
        body = b"".join(chunks)
        if len(body) > limit:
            raise SourceError(f"response body over the {_limit(self)} limit")
        return body

    def _read_file(self, url: str) -> Fetched:
        try:
            path = Path(file_url_path(url))
            check_path(path, self.policy.file_roots)
            size = path.stat().st_size
            if size > self.policy.max_bytes:
                raise SourceError(f"{path.name}: {size} bytes, over the {_limit(self)} limit")
            body = path.read_bytes()
        except ValueError as exc:
            raise SourceError(str(exc)) from None
        except OSError as exc:
            raise SourceError(f"cannot read {url}: {exc.strerror or exc}") from None
        if body[:2] == b"\x1f\x8b":  # a saved feed.xml.gz, or a gzip body saved as is
            body = self._gunzip(body, path.name)
        content_type = mimetypes.guess_type(path.name.removesuffix(".gz"))[0] or ""
        return Fetched(url, url, body, content_type)

    def _gunzip(self, body: bytes, name: str) -> bytes:
        """Decompress, never past ``max_bytes``: a small file can hold a bomb."""
        decoder = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out = decoder.decompress(body, self.policy.max_bytes + 1)
        except zlib.error as exc:
            raise SourceError(f"{name}: broken gzip data ({exc})") from None
        if len(out) > self.policy.max_bytes:
            raise SourceError(f"{name}: over the {_limit(self)} limit once decompressed")
        return out


class _Retryable(Exception):
    """A failure that may pass: a timeout, a dropped connection, 429 or 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def check_path(path: Path, roots: tuple[Path, ...] | None, shown: str | None = None) -> None:
    """Refuse a local path outside the allowed folders (symlinks resolved first); the
    message names it as ``shown`` (as the config wrote it), and the link's target."""
    if roots is None:
        return
    real = path.resolve()
    if not any(real == root or real.is_relative_to(root) for root in roots):
        allowed = ", ".join(str(r) for r in roots)
        link = f" (a link to {real})" if path.is_symlink() else ""
        raise SourceError(
            f"{shown or path}{link}: outside the folders sources may read ({allowed}); "
            "add it to access.paths"
        )


async def _public_only(request: httpx.Request) -> None:
    """Refuse, before connecting, a host that resolves to a non-public address; runs for
    the first request and for every redirect."""
    host = request.url.host
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, request.url.port or 443)
    except OSError:
        return  # the connection attempt reports the lookup failure itself
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise SourceError(
                f"{host} resolves to {address}, a private or reserved address, and "
                "access.private_networks is false"
            )


def client(policy: Policy) -> httpx.AsyncClient:
    """One connection pool per run; gzip/deflate are decoded by httpx as they arrive."""
    hooks = {} if policy.private_networks else {"request": [_public_only]}
    return httpx.AsyncClient(
        event_hooks=hooks,
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        limits=httpx.Limits(
            max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency
        ),
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        trust_env=False,  # proxies and .netrc from the environment would surprise a cron job
    )


def _status(response: httpx.Response) -> str:
    phrase = response.reason_phrase or ""
    return f"HTTP {response.status_code} {phrase}".rstrip()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    return None


def _limit(fetcher: Fetcher) -> str:
    size = fetcher.policy.max_bytes
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size} byte"
