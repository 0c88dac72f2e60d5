"""The registry's configuration: the ``REGISTRY_*`` variables of API.md, read once at the edge."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.witnessing import Witnesses, parse_witnesses
from registry.application import RegistryConfig
from registry.numbering import DEFAULT_PATTERN
from registry.values import Issuer
from store import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    public_base_url: str = "http://127.0.0.1:8000"
    signing_key: str = "registry-signing.key"
    checkpoint_key: str = "registry-checkpoint.key"  # signs the log's checkpoints (R-REC-4); a key of its own
    checkpoint_interval: float = 1.0  # a checkpoint at most this many seconds after the log grows
    # The checkpoints' origin line and the key name of their C2SP signature lines; by default the public base URL's
    # host and path + "/log".
    log_origin: str = ""
    # Witnesses of the log (api/witnessing.py): entries "<vkey> <url>" separated by ";" or newlines; the quorum of
    # cosignatures a checkpoint needs to be shown as witnessed (default: all of them); each request's timeout, and
    # how long after a failure a witness is asked again (seconds).
    witnesses: str = ""
    witness_quorum: int | None = None
    witness_timeout: float = Field(5.0, gt=0)
    witness_retry: float = Field(10.0, gt=0)
    # The C2SP tiles each API worker keeps in memory, most recently served (api.tiles.Kept; 0: none, each read).
    tile_cache_mb: float = Field(32, ge=0)
    # The public search's answers each API worker keeps while the public view has not moved (api/search_answers.py).
    search_cache_mb: float = Field(32, ge=0)
    body_name: str = "示例认证有限公司 Example Certification Co., Ltd."
    body_address: str = "北京市朝阳区示例路1号 1 Example Road, Chaoyang, Beijing"
    body_code: str = "CB"
    number_pattern: str = DEFAULT_PATTERN
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # uvicorn worker processes of `registry serve`
    writers: int = Field(4, ge=1)  # commands run at once in one worker; the others wait their turn
    max_upload_bytes: int = 20 * 1024 * 1024
    max_body_bytes: int = Field(1024 * 1024, ge=1)  # any other request body (JSON), refused 413 above it
    access_log: bool = False  # uvicorn's per-request log line is a noticeable part of the lookup's cost
    # FastAPI's own OpenTelemetry spans, metrics and logs, to whatever providers the process configures (the SDK's
    # OTEL_* variables). Off, no request looks the providers up (which every command would otherwise pay).
    opentelemetry: bool = False
    run_projections: bool = True  # keep the read models current in this process
    run_scheduler: bool = True  # the scheduler's duties inside `registry serve` (or alone: `registry scheduler`)
    notice_lead_days: int = 30  # surveillance notice this many days before the due date (R-SURV-1)
    after_timeout: float = 5.0  # how long a read with ?after= waits for the views, in seconds
    # A read replica's API (a PostgreSQL hot standby): creates nothing, keeps no read model, runs no scheduler, and
    # answers every write 405, to be sent to the primary's API. The keys are the primary's, never made here.
    read_only: bool = False
    # Production: a missing key file stops the start instead of being made (`registry keys init` makes the keys,
    # once), and a key whose private half was published is refused.
    production: bool = False
    # Fair use of the public site (R-PUB-1; api/fair_use.py): a token bucket per client address on the public paths,
    # refilled at this many requests a second (0: no limit), holding up to the burst; loopback clients are limited
    # only with rate_limit_loopback (the benchmarks, and a proxy on the same host, come from there).
    rate_limit_per_second: float = Field(20.0, ge=0)
    rate_limit_burst: int = Field(200, ge=1)
    rate_limit_loopback: bool = False
    # The office's sessions end after this long without a request, and this long after sign-in, whichever is first.
    office_idle_minutes: float = Field(30, ge=0)
    office_absolute_hours: float = Field(12, ge=0)

    @property
    def origin(self) -> str:
        if self.log_origin:
            return self.log_origin
        parts = urlsplit(self.public_base_url)
        return f"{parts.netloc}{parts.path.rstrip('/')}/log"

    @property
    def witnessing(self) -> Witnesses:
        """The configured witnesses and their quorum (``ValueError`` naming a malformed entry)."""
        return parse_witnesses(self.witnesses, self.witness_quorum)

    @property
    def missing_key(self) -> str | None:
        """Why a missing key file is an error here, or None where it is made at first use."""
        if self.read_only:
            return ("a read-only replica serves the primary's keys and never makes its own (give it the same key "
                    "files and their keyrings)")
        if self.production:
            return ("in production (REGISTRY_PRODUCTION) keys are made only by `registry keys init`, never at "
                    "start-up: a key made silently (a lost or unmounted key volume) signs what no key published "
                    "before can check")
        return None

    def registry_config(self) -> RegistryConfig:
        return RegistryConfig(
            database_url=self.database_url,
            issuer=Issuer(name=self.body_name, address=self.body_address, code=self.body_code),
            number_pattern=self.number_pattern,
            read_only=self.read_only,
        )


def get_settings() -> Settings:
    return Settings()
