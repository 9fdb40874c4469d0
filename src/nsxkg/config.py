"""One settings class shared by every command and the server.

Precedence: command-line option > ``NSXKG_*`` environment variable > default.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The checkout this package runs from (editable install); the embedded default data lives here.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _project_path(relative: str) -> Path:
    candidate = PROJECT_ROOT / relative
    return candidate if candidate.exists() else Path(relative)


DEFAULT_BASE_IRI = "https://w3id.org/nsxkg/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NSXKG_", extra="ignore")

    base_iri: str = DEFAULT_BASE_IRI
    frameworks: Path = Field(default_factory=lambda: _project_path("data/frameworks"))
    ontology: Path = Field(default_factory=lambda: _project_path("ontology"))
    shapes: Path = Field(default_factory=lambda: _project_path("shapes"))
    queries: Path = Field(default_factory=lambda: _project_path("queries"))
    sources: Path | None = None
    # Frameworks marked `synthetic: true` (nsxkg synth frameworks) are benchmark data: a build
    # refuses them unless asked, so they are never served by accident.
    allow_synthetic: bool = False
    build_dir: Path = Path("build")
    store_dir: Path = Path("store")
    host: str = "127.0.0.1"
    port: int = 8000
    # Seconds a query may run before its worker is ended (503). Long enough for an aggregate
    # over a whole release (QLever allows 30 s, the Wikidata service 60 s); lookups meanwhile
    # take the express lane (web/service.py).
    query_timeout: float = Field(default=60.0, gt=0)
    result_limit: int = 100_000
    # The web server: SPARQL worker processes (kill-able on timeout), SERVICE allow-list, CORS,
    # and the licence stated in the dataset description.
    pool_size: int = 2
    service_allow: list[str] = Field(default_factory=list)
    # One log line per request costs several percent of the server's time per light query;
    # off unless asked for (a proxy in front usually keeps the access log).
    access_log: bool = False
    # What one request or one client address may ask: SPARQL text length and nesting
    # (web/service.py), request body bytes, and queries a client may run at once / start per
    # second (burst) (web/limits.py).
    max_query_length: int = Field(default=100_000, gt=0)
    # Brackets ({ ( [) open at once: deeper is refused (400) before any parser recurses on it.
    max_query_depth: int = Field(default=256, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    client_concurrency: int = Field(default=8, gt=0)
    client_rate: float = Field(default=200.0, gt=0)
    client_burst: int = Field(default=400, gt=0)
    # The express lane (web/service.py): workers beside the pool for queries that finish
    # within the budget (seconds), so lookups never queue behind runaway queries; 0: none.
    express_workers: int = Field(default=1, ge=0)
    express_budget: float = Field(default=0.5, gt=0)
    # Answers kept per build (the store never changes under a server); 0 turns it off.
    result_cache_mb: int = Field(default=64, ge=0)
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    dataset_license: str = "https://creativecommons.org/licenses/by/4.0/"
    # `nsxkg fetch onet`: where the publisher serves the database zips (db_29_0_text.zip, ...).
    onet_download_url: str = "https://www.onetcenter.org/dl_files/database/"
    # `nsxkg publish`: another server's SPARQL endpoint and Graph Store Protocol service.
    # Secrets come only from the environment, never from an option (shell history, ps).
    publish_endpoint: str | None = None
    publish_graph_store: str | None = None
    publish_user: str | None = None
    publish_password: SecretStr | None = None
    publish_token: SecretStr | None = None
    publish_timeout: float = 300.0
    publish_loader: str = "auto"  # auto, gsp or bulk (nsxkg.publish)
    publish_isql: str | None = None  # Virtuoso's SQL port, host:port, for its bulk loader
    publish_server_build_dir: Path | None = None  # the build directory as the server sees it

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base IRI must be an http(s) IRI, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("sources", mode="before")
    @classmethod
    def _empty_sources_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    def with_overrides(self, **overrides: object) -> Settings:
        """Apply the options a user actually gave (``None`` means not given)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return self.model_validate({**self.model_dump(), **given}) if given else self
