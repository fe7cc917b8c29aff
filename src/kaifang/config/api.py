"""The one NinjaAPI of the native read API (/api/v1)."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Kaifang API",
    version="1.0.0",
    description="开放数据平台原生接口 / the native read API",
    urls_namespace="api",
)
