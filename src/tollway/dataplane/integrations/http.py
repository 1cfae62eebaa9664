"""HTTP and HTTP_PROXY integrations: one pooled aiohttp client for every backend."""

from __future__ import annotations

import asyncio

import aiohttp

from tollway.dataplane.context import IntegrationRequest, IntegrationResult
from tollway.errors import IntegrationFailure, IntegrationTimeout

# Headers the transport owns; never forwarded hop to hop.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"}
)


class HttpClient:
    """A pooled HTTP/1.1 client shared by every HTTP and HTTP_PROXY integration of a worker."""

    def __init__(self, *, limit: int = 1000) -> None:
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=60, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        session = self._get_session()
        headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP_BY_HOP]
        try:
            async with asyncio.timeout(request.timeout_s):
                async with session.request(
                    request.method,
                    request.url,
                    headers=headers,
                    data=request.body if request.body else None,
                    allow_redirects=False,
                ) as resp:
                    body = await resp.read()
                    raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers]
                    return IntegrationResult(resp.status, raw, body)
        except TimeoutError:
            raise IntegrationTimeout(detail=f"{request.method} {request.url} timed out") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise IntegrationFailure(detail=f"{request.method} {request.url}: {exc}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
