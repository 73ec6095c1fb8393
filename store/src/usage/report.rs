//! The usage queries on [`Database`]: one pass over the quarter-hour sums of the responses a
//! query covers, tallied in memory by agent, model and row key, then priced.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Days, Local, NaiveDate, TimeZone};
use rusqlite::{Row, params};

use super::figures::{Normalised, RawCounts, UsageFigures};
use super::pricing::{ModelPrice, Pricing};
use super::{
    AgentUsage, GroupBy, ModelUsage, NO_WORKSPACE, SessionUsage, SessionsOnDay, UsageOverview,
    UsageQuery, UsageReport, UsageRow, UsageTimeZone,
};
use crate::database::Database;
use crate::error::Result;
use crate::sessions::{Agent, TokenUsage};

/// Milliseconds in one bucket of `usage_buckets` (a quarter hour).
const BUCKET_MS: i64 = 15 * 60 * 1000;

/// The bucket sums a query covers, with the session facts a row key may need. `CROSS JOIN`
/// keeps SQLite's join order: walk the bucket range in key order, look each session up by
/// its rowid (the other order probes the buckets' session index once per session and then
/// the primary key once per bucket, several times slower).
const BUCKETS_SQL: &str = "
    SELECT b.bucket, b.session_id, s.agent, b.model, b.long_context, b.responses,
           b.input_tokens, b.output_tokens, b.cache_read_tokens, b.cache_write_tokens,
           b.cache_write_1h_tokens, b.reasoning_tokens, b.tool_tokens, s.cwd
    FROM usage_buckets b CROSS JOIN agent_sessions s ON s.id = b.session_id
    WHERE b.bucket >= ?1 AND b.bucket < ?2
      AND (?3 IS NULL OR s.agent = ?3)
      AND (?4 IS NULL OR b.model = ?4 OR substr(b.model, 1, length(?4) + 1) = ?4 || '-')
      AND (?5 IS NULL OR s.cwd = ?5 OR substr(s.cwd, 1, length(?6)) = ?6)";

impl Database {
    /// The usage and cost of the responses `query` covers, priced with `prices`.
    pub fn usage_report(&self, query: &UsageQuery, prices: &Pricing) -> Result<UsageReport> {
        let mut tally = Tally::new(query, prices);
        self.each_bucket(query, query.group_by == GroupBy::Workspace, |bucket| {
            tally.add(bucket);
        })?;
        let sessions = self.session_names(tally.session_rows())?;
        Ok(tally.finish(&sessions))
    }

    /// Every session's usage, for the sessions panel (sessions without usage are left out).
    pub fn sessions_usage(&self, prices: &Pricing) -> Result<Vec<SessionUsage>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT s.agent, s.session_id, s.parent_session, b.model, b.long_context,
                    sum(b.responses), sum(b.input_tokens), sum(b.output_tokens),
                    sum(b.cache_read_tokens), sum(b.cache_write_tokens),
                    sum(b.cache_write_1h_tokens), sum(b.reasoning_tokens), sum(b.tool_tokens)
             FROM usage_buckets b JOIN agent_sessions s ON s.id = b.session_id
             GROUP BY b.session_id, b.model, b.long_context
             ORDER BY b.session_id",
        )?;
        let mut models = ModelPrices::new(prices);
        let mut sessions: Vec<SessionUsage> = Vec::new();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let agent = agent_of(row, 0)?;
            let session_id: String = row.get(1)?;
            let raw = raw_counts(row, 5)?;
            let model = models.index(text(row, 3)?);
            let (tokens, cost) = models.price(agent, model, row.get(4)?, &raw);
            let same = sessions
                .last()
                .is_some_and(|last| last.agent == agent && last.session_id == session_id);
            if !same {
                sessions.push(SessionUsage {
                    agent,
                    session_id,
                    parent_session: row.get(2)?,
                    figures: UsageFigures::default(),
                });
            }
            if let Some(last) = sessions.last_mut() {
                last.figures.add(&tokens, raw.responses, cost);
            }
        }
        Ok(sessions)
    }

    /// The usage of one session, `None` when it has none.
    pub fn session_usage(
        &self,
        agent: Agent,
        id: &str,
        prices: &Pricing,
    ) -> Result<Option<UsageFigures>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT b.model, b.long_context, sum(b.responses), sum(b.input_tokens),
                    sum(b.output_tokens), sum(b.cache_read_tokens), sum(b.cache_write_tokens),
                    sum(b.cache_write_1h_tokens), sum(b.reasoning_tokens), sum(b.tool_tokens)
             FROM usage_buckets b JOIN agent_sessions s ON s.id = b.session_id
             WHERE s.agent = ?1 AND s.session_id = ?2
             GROUP BY b.model, b.long_context",
        )?;
        let mut models = ModelPrices::new(prices);
        let mut figures: Option<UsageFigures> = None;
        let mut rows = statement.query(params![agent.as_str(), id])?;
        while let Some(row) = rows.next()? {
            let raw = raw_counts(row, 2)?;
            let model = models.index(text(row, 0)?);
            let (tokens, cost) = models.price(agent, model, row.get(1)?, &raw);
            figures
                .get_or_insert_with(UsageFigures::default)
                .add(&tokens, raw.responses, cost);
        }
        Ok(figures)
    }

    /// Per day of `query`'s range (in its time zone): sessions started (their first message)
    /// and sessions with at least one response, under `query`'s agent, model and project
    /// filters (the model filter applies to responses only). Days with neither are left out.
    pub fn sessions_per_day(&self, query: &UsageQuery) -> Result<Vec<SessionsOnDay>> {
        let mut active = ActiveSessions::new(query);
        self.each_bucket(query, false, |bucket| active.add(&bucket))?;
        self.sessions_started(query, active)
    }

    /// Reports of one query grouped several ways, and its sessions per day, from one walk
    /// over the buckets: what the analytics view shows at once.
    pub fn usage_overview<const N: usize>(
        &self,
        query: &UsageQuery,
        group_bys: [GroupBy; N],
        prices: &Pricing,
    ) -> Result<UsageOverview<N>> {
        let mut tallies: [Tally<'_>; N] = group_bys.map(|group_by| {
            let grouped = UsageQuery {
                group_by,
                ..query.clone()
            };
            Tally::new(&grouped, prices)
        });
        let mut active = ActiveSessions::new(query);
        let by_workspace = group_bys.contains(&GroupBy::Workspace);
        self.each_bucket(query, by_workspace, |bucket| {
            active.add(&bucket);
            for tally in &mut tallies {
                tally.add(bucket);
            }
        })?;
        let mut names = Vec::with_capacity(N);
        for tally in &tallies {
            names.push(self.session_names(tally.session_rows())?);
        }
        let mut names = names.into_iter();
        Ok(UsageOverview {
            reports: tallies.map(|tally| tally.finish(&names.next().unwrap_or_default())),
            sessions_per_day: self.sessions_started(query, active)?,
        })
    }

    /// The days of `active`, with the sessions that started on each added.
    fn sessions_started(
        &self,
        query: &UsageQuery,
        active: ActiveSessions,
    ) -> Result<Vec<SessionsOnDay>> {
        let calendar = active.calendar;
        let mut days: BTreeMap<NaiveDate, SessionsOnDay> = BTreeMap::new();
        for (day, mut sessions) in active.by_day {
            sessions.sort_unstable();
            sessions.dedup();
            days.insert(
                day,
                SessionsOnDay {
                    day,
                    started: 0,
                    active: sessions.len() as u64,
                },
            );
        }
        let (lower, upper) = millisecond_range(query);
        let (agent, project, below) = session_filters(query);
        let mut statement = self.connection().prepare_cached(
            "SELECT first_at_ms FROM agent_sessions
             WHERE first_at_ms >= ?1 AND first_at_ms < ?2 AND (?3 IS NULL OR agent = ?3)
               AND (?4 IS NULL OR cwd = ?4 OR substr(cwd, 1, length(?5)) = ?5)",
        )?;
        let mut rows = statement.query(params![lower, upper, agent, project, below])?;
        while let Some(row) = rows.next()? {
            let day = calendar.date_of_ms(row.get(0)?);
            days.entry(day)
                .or_insert(SessionsOnDay {
                    day,
                    started: 0,
                    active: 0,
                })
                .started += 1;
        }
        Ok(days.into_values().collect())
    }

    /// Calls `visit` with every bucket sum `query` covers. Each bucket's workspace is looked
    /// up when `by_workspace` (or the query filters by workspace).
    fn each_bucket(
        &self,
        query: &UsageQuery,
        by_workspace: bool,
        mut visit: impl FnMut(Bucket<'_>),
    ) -> Result<()> {
        let workspaces = if by_workspace || query.workspace.is_some() {
            self.session_workspaces()?
        } else {
            HashMap::new()
        };
        let (lower, upper) = millisecond_range(query);
        let (agent, project, below) = session_filters(query);
        let mut statement = self.connection().prepare_cached(BUCKETS_SQL)?;
        let mut rows = statement.query(params![
            lower.div_euclid(BUCKET_MS),
            upper.div_euclid(BUCKET_MS),
            agent,
            query.model,
            project,
            below
        ])?;
        while let Some(row) = rows.next()? {
            let session_row: i64 = row.get(1)?;
            let workspace = workspaces
                .get(&session_row)
                .map_or(NO_WORKSPACE, String::as_str);
            if query
                .workspace
                .as_deref()
                .is_some_and(|wanted| wanted != workspace)
            {
                continue;
            }
            visit(Bucket {
                bucket: row.get(0)?,
                session_row,
                workspace,
                agent: agent_of(row, 2)?,
                model: text(row, 3)?,
                long_context: row.get(4)?,
                raw: raw_counts(row, 5)?,
                cwd: text(row, 13)?,
            });
        }
        Ok(())
    }

    /// The workspace of each session row that has one: the workspace of the pane it was
    /// linked to (its parent's, for a sub-agent), else of the newest pane that was in the
    /// session's directory.
    fn session_workspaces(&self) -> Result<HashMap<i64, String>> {
        let connection = self.connection();
        let mut links: HashMap<(String, String), String> = HashMap::new();
        let mut statement = connection.prepare_cached(
            "SELECT l.agent, l.session_id, w.name FROM agent_links l
             JOIN workspaces w ON w.id = l.workspace_id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            links.insert((row.get(0)?, row.get(1)?), row.get(2)?);
        }
        let mut by_dir: HashMap<String, String> = HashMap::new();
        let mut statement = connection.prepare_cached(
            "SELECT p.cwd, w.name FROM panes p JOIN workspaces w ON w.id = p.workspace_id
             WHERE p.cwd != '' ORDER BY p.updated_at_ms",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            // Newest last: it wins.
            by_dir.insert(row.get(0)?, row.get(1)?);
        }
        let mut statement = connection.prepare_cached(
            "SELECT id, agent, session_id, parent_session, cwd FROM agent_sessions",
        )?;
        let mut rows = statement.query([])?;
        let mut found = HashMap::new();
        while let Some(row) = rows.next()? {
            let agent: String = row.get(1)?;
            let session: String = row.get(2)?;
            let parent: Option<String> = row.get(3)?;
            let linked = links
                .get(&(agent.clone(), session))
                .or_else(|| parent.and_then(|parent| links.get(&(agent, parent))));
            let cwd: String = row.get(4)?;
            if let Some(name) = linked.or_else(|| by_dir.get(&cwd)) {
                found.insert(row.get(0)?, name.clone());
            }
        }
        Ok(found)
    }

    /// The agents' session ids of some session rows.
    fn session_names(&self, rows: Vec<i64>) -> Result<HashMap<i64, String>> {
        let mut names = HashMap::with_capacity(rows.len());
        let mut statement = self
            .connection()
            .prepare_cached("SELECT session_id FROM agent_sessions WHERE id = ?1")?;
        for row in rows {
            let name: String = statement.query_row([row], |found| found.get(0))?;
            names.insert(row, name);
        }
        Ok(names)
    }
}

/// The sessions with responses on each day, as the buckets are walked.
struct ActiveSessions {
    calendar: Calendar,
    by_day: BTreeMap<NaiveDate, Vec<i64>>,
}

impl ActiveSessions {
    fn new(query: &UsageQuery) -> Self {
        Self {
            calendar: Calendar::new(query.time_zone),
            by_day: BTreeMap::new(),
        }
    }

    fn add(&mut self, bucket: &Bucket<'_>) {
        let day = self.calendar.date_of_ms(bucket.bucket * BUCKET_MS);
        self.by_day.entry(day).or_default().push(bucket.session_row);
    }
}

/// One row of `usage_buckets`, with its session's agent and directory.
#[derive(Clone, Copy)]
struct Bucket<'a> {
    bucket: i64,
    session_row: i64,
    agent: Agent,
    model: &'a str,
    long_context: bool,
    raw: RawCounts,
    cwd: &'a str,
    /// Its session's workspace (looked up only when a query needs it).
    workspace: &'a str,
}

/// A text column, borrowed from the row (no copy per bucket).
fn text<'row>(row: &'row Row<'_>, column: usize) -> rusqlite::Result<&'row str> {
    row.get_ref(column)?.as_str().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error.into())
    })
}

fn agent_of(row: &Row<'_>, column: usize) -> rusqlite::Result<Agent> {
    let name = text(row, column)?;
    Agent::from_name(name).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unknown agent {name}").into(),
        )
    })
}

fn raw_counts(row: &Row<'_>, first: usize) -> rusqlite::Result<RawCounts> {
    Ok(RawCounts {
        responses: row.get(first)?,
        tokens: TokenUsage {
            input: row.get(first + 1)?,
            output: row.get(first + 2)?,
            cache_read: row.get(first + 3)?,
            cache_write: row.get(first + 4)?,
            cache_write_1h: row.get(first + 5)?,
            reasoning: row.get(first + 6)?,
            tool: row.get(first + 7)?,
        },
    })
}

/// `[start of since, start of the day after until)` in milliseconds since the epoch.
pub(super) fn millisecond_range(query: &UsageQuery) -> (i64, i64) {
    let calendar = Calendar::new(query.time_zone);
    let lower = query
        .since
        .map_or(i64::MIN / 2, |day| calendar.start_of_day_ms(day));
    let upper = query
        .until
        .and_then(|day| day.checked_add_days(Days::new(1)))
        .map_or(i64::MAX / 2, |day| calendar.start_of_day_ms(day));
    (lower, upper)
}

/// The agent name, the project directory and the prefix of the folders below it.
fn session_filters(query: &UsageQuery) -> (Option<&'static str>, Option<String>, Option<String>) {
    let agent = query.agent.map(Agent::as_str);
    let project = query.project.as_ref().map(|project| {
        let trimmed = project.trim_end_matches('/');
        if trimmed.is_empty() {
            "/".to_owned()
        } else {
            trimmed.to_owned()
        }
    });
    let below = project.as_ref().map(|project| {
        if project == "/" {
            "/".to_owned()
        } else {
            format!("{project}/")
        }
    });
    (agent, project, below)
}

/// Dates in the query's time zone.
struct Calendar {
    zone: UsageTimeZone,
}

impl Calendar {
    fn new(zone: UsageTimeZone) -> Self {
        Self { zone }
    }

    fn date_of_ms(&self, ms: i64) -> NaiveDate {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        match self.zone {
            UsageTimeZone::Fixed(offset) => utc.with_timezone(&offset).date_naive(),
            UsageTimeZone::Local => utc.with_timezone(&Local).date_naive(),
        }
    }

    /// The first millisecond of `day` (a day that starts in a daylight-saving gap starts when
    /// the clocks do).
    fn start_of_day_ms(&self, day: NaiveDate) -> i64 {
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        match self.zone {
            UsageTimeZone::Fixed(offset) => first_instant(&offset, midnight),
            UsageTimeZone::Local => first_instant(&Local, midnight),
        }
    }
}

fn first_instant<Zone: TimeZone>(zone: &Zone, midnight: chrono::NaiveDateTime) -> i64 {
    (0..=4)
        .find_map(|hours| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(hours)))
                .earliest()
        })
        .map_or_else(
            || midnight.and_utc().timestamp_millis(),
            |instant| instant.timestamp_millis(),
        )
}

/// Models met so far (interned), with their prices.
struct ModelPrices<'a> {
    prices: &'a Pricing,
    index: HashMap<String, usize>,
    models: Vec<(String, Option<(String, ModelPrice)>)>,
}

impl<'a> ModelPrices<'a> {
    fn new(prices: &'a Pricing) -> Self {
        Self {
            prices,
            index: HashMap::new(),
            models: Vec::new(),
        }
    }

    fn index(&mut self, model: &str) -> usize {
        if let Some(&index) = self.index.get(model) {
            return index;
        }
        let price = self
            .prices
            .price_of(model)
            .map(|(name, price)| (name.to_owned(), *price));
        self.models.push((model.to_owned(), price));
        self.index.insert(model.to_owned(), self.models.len() - 1);
        self.models.len() - 1
    }

    /// The counting rules and the price: normalised tokens and their cost (`None`: unpriced).
    fn price(
        &self,
        agent: Agent,
        model: usize,
        long_context: bool,
        raw: &RawCounts,
    ) -> (Normalised, Option<f64>) {
        let tokens = Normalised::from_raw(agent, &raw.tokens);
        let cost = self.models[model]
            .1
            .as_ref()
            .map(|(_, price)| tokens.cost(price, long_context));
        (tokens, cost)
    }

    fn usage(&self, model: usize, figures: UsageFigures) -> ModelUsage {
        let (name, price) = &self.models[model];
        ModelUsage {
            model: name.clone(),
            priced_as: price.as_ref().map(|(priced_as, _)| priced_as.clone()),
            figures,
        }
    }
}

/// What a row is keyed by while tallying.
#[derive(Clone, PartialEq, Eq, Hash)]
enum RowKey {
    /// A date (day, week's Monday, month's first day).
    Date(NaiveDate),
    Session(i64, Agent),
    Model(usize),
    Agent(Agent),
    Project(String),
    Workspace(String),
}

#[derive(Default)]
struct RowTally {
    figures: UsageFigures,
    models: BTreeMap<usize, UsageFigures>,
}

/// A report being added up.
struct Tally<'a> {
    group_by: GroupBy,
    calendar: Calendar,
    models: ModelPrices<'a>,
    totals: UsageFigures,
    agents: BTreeMap<Agent, UsageFigures>,
    model_totals: BTreeMap<usize, UsageFigures>,
    rows: HashMap<RowKey, RowTally>,
    /// The last date met and its span in milliseconds `[start, end)`: most buckets fall in
    /// the day before them, and a time-zone conversion per bucket would cost more than the
    /// rest of the tally.
    last_date: Option<(i64, i64, NaiveDate)>,
}

impl<'a> Tally<'a> {
    fn new(query: &UsageQuery, prices: &'a Pricing) -> Self {
        Self {
            group_by: query.group_by,
            calendar: Calendar::new(query.time_zone),
            models: ModelPrices::new(prices),
            totals: UsageFigures::default(),
            agents: BTreeMap::new(),
            model_totals: BTreeMap::new(),
            rows: HashMap::new(),
            last_date: None,
        }
    }

    fn add(&mut self, bucket: Bucket<'_>) {
        let model = self.models.index(bucket.model);
        let (tokens, cost) =
            self.models
                .price(bucket.agent, model, bucket.long_context, &bucket.raw);
        let responses = bucket.raw.responses;
        self.totals.add(&tokens, responses, cost);
        self.agents
            .entry(bucket.agent)
            .or_default()
            .add(&tokens, responses, cost);
        self.model_totals
            .entry(model)
            .or_default()
            .add(&tokens, responses, cost);
        let key = self.key(&bucket, model);
        let row = self.rows.entry(key).or_default();
        row.figures.add(&tokens, responses, cost);
        row.models
            .entry(model)
            .or_default()
            .add(&tokens, responses, cost);
    }

    fn key(&mut self, bucket: &Bucket<'_>, model: usize) -> RowKey {
        match self.group_by {
            GroupBy::Day => RowKey::Date(self.date(bucket.bucket)),
            GroupBy::Week => {
                let date = self.date(bucket.bucket);
                let back = u64::from(date.weekday().num_days_from_monday());
                RowKey::Date(date.checked_sub_days(Days::new(back)).unwrap_or(date))
            }
            GroupBy::Month => {
                RowKey::Date(self.date(bucket.bucket).with_day(1).unwrap_or_default())
            }
            GroupBy::Session => RowKey::Session(bucket.session_row, bucket.agent),
            GroupBy::Model => RowKey::Model(model),
            GroupBy::Agent => RowKey::Agent(bucket.agent),
            GroupBy::Project => RowKey::Project(bucket.cwd.to_owned()),
            GroupBy::Workspace => RowKey::Workspace(bucket.workspace.to_owned()),
        }
    }

    fn date(&mut self, bucket: i64) -> NaiveDate {
        let ms = bucket * BUCKET_MS;
        match self.last_date {
            Some((start, end, date)) if (start..end).contains(&ms) => date,
            _ => {
                let date = self.calendar.date_of_ms(ms);
                let start = self.calendar.start_of_day_ms(date);
                let end = date
                    .checked_add_days(Days::new(1))
                    .map_or(start, |next| self.calendar.start_of_day_ms(next));
                self.last_date = Some((start, end, date));
                date
            }
        }
    }

    /// The session rows that are row keys (their names are looked up for the report).
    fn session_rows(&self) -> Vec<i64> {
        self.rows
            .keys()
            .filter_map(|key| match key {
                RowKey::Session(row, _) => Some(*row),
                _ => None,
            })
            .collect()
    }

    fn finish(self, sessions: &HashMap<i64, String>) -> UsageReport {
        let models = self.models;
        let group_by = self.group_by;
        let mut rows: Vec<UsageRow> = self
            .rows
            .into_iter()
            .map(|(key, tally)| {
                let (key, agent) = match key {
                    RowKey::Date(date) if group_by == GroupBy::Month => {
                        (date.format("%Y-%m").to_string(), None)
                    }
                    RowKey::Date(date) => (date.format("%Y-%m-%d").to_string(), None),
                    RowKey::Session(row, agent) => {
                        (sessions.get(&row).cloned().unwrap_or_default(), Some(agent))
                    }
                    RowKey::Model(model) => (models.models[model].0.clone(), None),
                    RowKey::Agent(agent) => (agent.as_str().to_owned(), Some(agent)),
                    RowKey::Project(cwd) | RowKey::Workspace(cwd) => (cwd, None),
                };
                let mut by_model: Vec<ModelUsage> = tally
                    .models
                    .into_iter()
                    .map(|(model, figures)| models.usage(model, figures))
                    .collect();
                by_model.sort_by(|a, b| a.model.cmp(&b.model));
                UsageRow {
                    key,
                    agent,
                    figures: tally.figures,
                    by_model,
                }
            })
            .collect();
        rows.sort_by(|a, b| (&a.key, a.agent).cmp(&(&b.key, b.agent)));
        let mut by_model: Vec<ModelUsage> = self
            .model_totals
            .into_iter()
            .map(|(model, figures)| models.usage(model, figures))
            .collect();
        by_model.sort_by(|a, b| a.model.cmp(&b.model));
        let unpriced_models = by_model
            .iter()
            .filter(|usage| usage.priced_as.is_none())
            .map(|usage| usage.model.clone())
            .collect();
        UsageReport {
            totals: self.totals,
            by_agent: self
                .agents
                .into_iter()
                .map(|(agent, figures)| AgentUsage { agent, figures })
                .collect(),
            by_model,
            rows,
            unpriced_models,
        }
    }
}
