"""Drives a replay server's virtual clock over HTTP: the same path whether the server runs
in this process or on another machine in a rehearsal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class ReplayControl:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=5.0,
                transport=self._transport,
                verify=not self.base_url.startswith("http://"),  # no CA bundle for plain http
                trust_env=False,  # never through a proxy from the environment
                headers={"Authorization": f"Bearer {self._token}"} if self._token else None,
            )
        return self._client

    async def status(self) -> dict[str, Any] | None:
        import httpx

        try:
            response = await self._http().get("/replay")
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    async def command(self, action: str, **params: str) -> dict[str, Any] | None:
        import httpx

        try:
            response = await self._http().post(f"/replay/{action}", params=params)
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        if response.status_code != 200:
            return {
                "error": str(data.get("error", "refused"))[:200]
                if isinstance(data, dict)
                else "refused"
            }
        return data if isinstance(data, dict) else None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
