"""The shared HTTP toolkit: everything a connector would otherwise write again."""

from connectors.toolkit.auth import ApiKeyHeaderAuth, BasicAuth, BearerAuth, OAuth1Auth
from connectors.toolkit.context import ConnectorContext
from connectors.toolkit.graphql import GraphQLError, graphql_errors, user_errors
from connectors.toolkit.http import HttpClient, HttpError, ResponseCheck
from connectors.toolkit.oauth import (
    InMemoryTokenStore,
    OAuth2RefreshAuth,
    OAuth2TokenClient,
    TokenSet,
    TokenStore,
)
from connectors.toolkit.pagination import (
    CursorPaginator,
    LinkHeaderPaginator,
    NextTokenPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    StartingAfterPaginator,
)
from connectors.toolkit.ratefeeds import (
    amazon_rate_limit,
    shopify_call_limit,
    shopify_graphql_throttle,
)
from connectors.toolkit.ratelimit import (
    LocalRateBudgets,
    LocalTokenBucket,
    RateBudget,
    RateBudgets,
    RateLimit,
    RedisRateBudgets,
    RedisTokenBucket,
    acquire,
    in_process_wait,
)
from connectors.toolkit.rest import RestStorefrontConnector, Stream, parse_utc
from connectors.toolkit.retry import parse_retry_after
from connectors.toolkit.signatures import hmac_sha256_base64, verify_hmac_sha256_base64

__all__ = [
    "ApiKeyHeaderAuth",
    "BasicAuth",
    "BearerAuth",
    "ConnectorContext",
    "CursorPaginator",
    "GraphQLError",
    "HttpClient",
    "HttpError",
    "InMemoryTokenStore",
    "LinkHeaderPaginator",
    "LocalRateBudgets",
    "LocalTokenBucket",
    "NextTokenPaginator",
    "OAuth1Auth",
    "OAuth2RefreshAuth",
    "OAuth2TokenClient",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "RateBudget",
    "RateBudgets",
    "RateLimit",
    "RedisRateBudgets",
    "RedisTokenBucket",
    "ResponseCheck",
    "RestStorefrontConnector",
    "StartingAfterPaginator",
    "Stream",
    "TokenSet",
    "TokenStore",
    "acquire",
    "amazon_rate_limit",
    "graphql_errors",
    "hmac_sha256_base64",
    "in_process_wait",
    "parse_retry_after",
    "parse_utc",
    "shopify_call_limit",
    "shopify_graphql_throttle",
    "user_errors",
    "verify_hmac_sha256_base64",
]
