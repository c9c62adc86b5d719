"""The service's one settings object (also read from ``MERCHANTRY_*`` environment variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from merchantry.ops.webhooks import DeliverySettings
from merchantry.risk.store import DEFAULT_URL


class ServiceSettings(BaseSettings):
    """Where the warehouse and the operational database are, and how webhooks are sent."""

    model_config = SettingsConfigDict(env_prefix="MERCHANTRY_", frozen=True)

    warehouse: Path = Field(Path("merchantry.duckdb"), description="The DuckDB warehouse file.")
    ops_url: str = Field(
        DEFAULT_URL,
        description="SQLAlchemy URL of the operational database (PostgreSQL in production); "
        "the same one the `risk cases` commands use.",
    )
    rulebook_dirs: tuple[Path, ...] = Field((), description="Extra rulebook folders.")
    webhook_max_attempts: int = Field(6, ge=1)
    webhook_base_delay_s: float = Field(5.0, gt=0)
    webhook_max_delay_s: float = Field(3600.0, gt=0)
    webhook_timeout_s: float = Field(10.0, gt=0)
    webhook_poll_s: float = Field(1.0, gt=0, description="How often due deliveries are sent.")
    dispatcher: bool = Field(True, description="Send webhooks from this process.")
    idempotency_ttl_hours: float = Field(
        24.0, gt=0, description="How long a write's Idempotency-Key is remembered."
    )
    job_threads: int = Field(1, ge=1, description="Background jobs (simulations) at once.")
    risk_rulebook: str = Field("risk-2026", description="Risk rulebook of real-time decisions.")
    risk_model: Path | None = Field(
        None, description="Risk model file (merchantry risk train) for decisions; none: rules only."
    )
    fee_rulebooks: tuple[str, ...] = Field(
        ("douyin-2026",), description="Fee rulebooks for quotes (the one in force is used)."
    )
    warehouse_write_wait_s: float = Field(
        10.0, ge=0, description="How long a write waits for a warehouse another process holds."
    )
    max_body_bytes: int = Field(
        8 * 1024 * 1024,
        ge=1024,
        description="The largest request body a call may send; a longer one is answered 413.",
    )
    pulse_bound_s: float = Field(
        0.25,
        ge=0,
        description="How stale a worker's knowledge of revoked keys and new inbox events may be "
        "before a call reads them itself (0: every call reads; docs/service.md, Keys).",
    )
    pulse_interval_s: float = Field(
        0.05, gt=0, description="How often a worker's watcher reads them (at most half the bound)."
    )

    @property
    def delivery(self) -> DeliverySettings:
        return DeliverySettings(
            self.webhook_max_attempts,
            self.webhook_base_delay_s,
            self.webhook_max_delay_s,
            self.webhook_timeout_s,
        )
