//! Token usage and cost of the agents' sessions: the report behind `spaces usage` and the
//! analytics charts, per-session totals for the sessions panel, and sessions per day.
//!
//! The numbers come from the session index (`session_messages`, where repeated Claude
//! responses and resumed copies are already kept once), summed per quarter hour, session and
//! model in `usage_buckets` (migration 0003, kept current by triggers). A report reads those
//! sums, applies the counting rules of [`figures`] per agent and prices them with a
//! [`Pricing`] table, so changing a price never needs a re-index.
//!
//! Time zones: a report groups days, weeks and months in a [`UsageTimeZone`]: a fixed UTC
//! offset, or the machine's local time (chrono's `Local`, which reads `TZ` and follows its
//! daylight-saving changes). Buckets are quarter hours, so day boundaries are exact for every
//! offset that is a whole number of quarter hours (every zone in use today).

mod activity;
mod figures;
pub mod generate;
mod pricing;
mod report;

use chrono::{FixedOffset, NaiveDate};
use serde::Serialize;

use crate::sessions::Agent;

pub use activity::{ACTIVITY_BUCKET_MS, ActiveTime, Activity, CommandCount};
pub use figures::UsageFigures;
pub use pricing::{BUILT_IN_PRICING, ModelPrice, PRICING_FILE_NAME, Pricing, PricingError, Rates};

/// Where a response's prompt crosses into the long-context rates (input, cache reads and
/// cache writes together). Fixed in migration 0003, which marks each response.
pub const LONG_CONTEXT_THRESHOLD_TOKENS: u64 = 200_000;

/// The time zone that days, weeks and months are counted in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsageTimeZone {
    /// A fixed offset from UTC (`FixedOffset::east_opt(0)` for UTC itself).
    Fixed(FixedOffset),
    /// The machine's local time, daylight-saving changes included (`TZ` when set).
    #[default]
    Local,
}

/// What the rows of a report are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// `YYYY-MM-DD`.
    #[default]
    Day,
    /// The week's Monday, `YYYY-MM-DD` (ISO weeks).
    Week,
    /// `YYYY-MM`.
    Month,
    /// The agent's session id (the row's `agent` says whose).
    Session,
    /// The model name as the transcripts wrote it.
    Model,
    /// `claude`, `codex`, `gemini`.
    Agent,
    /// The workspace the session ran in: the one of the pane it was linked to, else of a pane
    /// that was in the session's directory, else [`NO_WORKSPACE`].
    Workspace,
    /// The session's working directory.
    Project,
}

/// The key of sessions no workspace can be found for.
pub const NO_WORKSPACE: &str = "(no workspace)";

/// Which responses a report covers and how it groups them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageQuery {
    /// First day included, in `time_zone`.
    pub since: Option<NaiveDate>,
    /// Last day included, in `time_zone`.
    pub until: Option<NaiveDate>,
    pub group_by: GroupBy,
    pub agent: Option<Agent>,
    /// A model name as written (`claude-sonnet-4-5-20250929`) or a name it starts with up to
    /// a `-` (`claude-sonnet-4-5` covers every dated version).
    pub model: Option<String>,
    /// A working directory: its sessions and those of the folders below it.
    pub project: Option<String>,
    /// A workspace name (see [`GroupBy::Workspace`]).
    pub workspace: Option<String>,
    pub time_zone: UsageTimeZone,
}

/// One row of a report: its key (see [`GroupBy`]), its figures, and the same split by model
/// (for charts stacked by model).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UsageRow {
    pub key: String,
    /// Set when rows are sessions or agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    #[serde(flatten)]
    pub figures: UsageFigures,
    pub by_model: Vec<ModelUsage>,
}

/// The usage of one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelUsage {
    /// The name as the transcripts wrote it.
    pub model: String,
    /// The price-table entry that priced it; `None`: unpriced.
    pub priced_as: Option<String>,
    #[serde(flatten)]
    pub figures: UsageFigures,
}

/// The usage of one agent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentUsage {
    pub agent: Agent,
    #[serde(flatten)]
    pub figures: UsageFigures,
}

/// A usage report. Rows, agents and models are sorted by key, agent and model name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UsageReport {
    pub totals: UsageFigures,
    pub by_agent: Vec<AgentUsage>,
    pub by_model: Vec<ModelUsage>,
    pub rows: Vec<UsageRow>,
    /// Models whose tokens are counted but have no price (sorted).
    pub unpriced_models: Vec<String>,
}

/// The usage of one session (sub-agent sessions are sessions of their own, naming their
/// parent).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionUsage {
    pub agent: Agent,
    pub session_id: String,
    pub parent_session: Option<String>,
    #[serde(flatten)]
    pub figures: UsageFigures,
}

/// Several reports of one query, each grouped its own way, and its sessions per day
/// ([`Database::usage_overview`](crate::Database::usage_overview)).
#[derive(Clone, Debug, PartialEq)]
pub struct UsageOverview<const N: usize> {
    /// In the order of the groupings asked for.
    pub reports: [UsageReport; N],
    pub sessions_per_day: Vec<SessionsOnDay>,
}

/// Sessions on one day: how many started, and how many had at least one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SessionsOnDay {
    pub day: NaiveDate,
    pub started: u64,
    pub active: u64,
}
