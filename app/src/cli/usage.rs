//! `spaces usage daily|weekly|monthly|session|model|workspace|project`: tokens and cost of the agents' sessions,
//! as a table or JSON, with or without the window. The index is brought up to date first.

use std::path::Path;

use anyhow::{Context as _, bail};
use chrono::{FixedOffset, NaiveDate};
use clap::{Args, Subcommand};
use spaces_store::usage::{GroupBy, Pricing, UsageFigures, UsageQuery, UsageReport, UsageTimeZone};

use super::sessions::{AgentName, open_index};

#[derive(Debug, Args)]
pub struct UsageArgs {
    #[command(subcommand)]
    pub period: UsagePeriod,
    /// First day included (YYYY-MM-DD).
    #[arg(long, global = true, value_parser = parse_day)]
    pub since: Option<NaiveDate>,
    /// Last day included (YYYY-MM-DD).
    #[arg(long, global = true, value_parser = parse_day)]
    pub until: Option<NaiveDate>,
    #[arg(long, global = true, value_enum)]
    pub agent: Option<AgentName>,
    /// Only the sessions of this workspace (the one their pane was in, else the one that had a
    /// pane in their directory).
    #[arg(long, global = true)]
    pub workspace: Option<String>,
    /// Days are counted in this time zone: `UTC` or an offset like `+02:00` (default: the
    /// local time zone, `TZ`).
    #[arg(long, global = true, value_parser = parse_zone)]
    pub timezone: Option<FixedOffset>,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, Subcommand)]
pub enum UsagePeriod {
    /// One row per day.
    Daily,
    /// One row per week (from its Monday).
    Weekly,
    /// One row per month.
    Monthly,
    /// One row per session.
    Session,
    /// One row per model.
    Model,
    /// One row per workspace.
    Workspace,
    /// One row per project (the sessions' working directory).
    Project,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2026-12-03"))
}

fn parse_zone(text: &str) -> Result<FixedOffset, String> {
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return FixedOffset::east_opt(0).ok_or_else(|| "no UTC".to_owned());
    }
    let invalid = || format!("`{text}` is not a time zone: use UTC or an offset like +02:00");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(invalid()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i32 = hours.parse().map_err(|_| invalid())?;
    let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(invalid)
}

pub fn run(data_dir: &Path, args: &UsageArgs) -> anyhow::Result<()> {
    let database = open_index(data_dir)?;
    let (prices, problem) = Pricing::load(data_dir);
    if let Some(problem) = problem {
        eprintln!("spaces: {problem} (using the built-in prices)");
    }
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        bail!("--since {since} is after --until {until}");
    }
    let query = UsageQuery {
        since: args.since,
        until: args.until,
        group_by: match args.period {
            UsagePeriod::Daily => GroupBy::Day,
            UsagePeriod::Weekly => GroupBy::Week,
            UsagePeriod::Monthly => GroupBy::Month,
            UsagePeriod::Session => GroupBy::Session,
            UsagePeriod::Model => GroupBy::Model,
            UsagePeriod::Workspace => GroupBy::Workspace,
            UsagePeriod::Project => GroupBy::Project,
        },
        agent: args.agent.map(Into::into),
        workspace: args.workspace.clone(),
        time_zone: args
            .timezone
            .map_or(UsageTimeZone::Local, UsageTimeZone::Fixed),
        ..UsageQuery::default()
    };
    let report = database
        .usage_report(&query, &prices)
        .context("reading the usage")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report, args.period);
    }
    Ok(())
}

fn cost(figures: &UsageFigures) -> String {
    match figures.cost_usd {
        Some(cost) if figures.unpriced => format!("${cost:.2}+"),
        Some(cost) => format!("${cost:.2}"),
        None => "unpriced".to_owned(),
    }
}

fn print_table(report: &UsageReport, period: UsagePeriod) {
    let key = match period {
        UsagePeriod::Daily => "DAY",
        UsagePeriod::Weekly => "WEEK",
        UsagePeriod::Monthly => "MONTH",
        UsagePeriod::Session => "SESSION",
        UsagePeriod::Model => "MODEL",
        UsagePeriod::Workspace => "WORKSPACE",
        UsagePeriod::Project => "PROJECT",
    };
    println!(
        "{key:<38} {:>12} {:>12} {:>14} {:>14} {:>11}",
        "INPUT", "OUTPUT", "CACHE WRITE", "CACHE READ", "COST"
    );
    let line = |label: &str, figures: &UsageFigures| {
        println!(
            "{label:<38} {:>12} {:>12} {:>14} {:>14} {:>11}",
            figures.input_tokens,
            figures.output_tokens,
            figures.cache_creation_tokens,
            figures.cache_read_tokens,
            cost(figures)
        );
    };
    for row in &report.rows {
        let label = match &row.agent {
            Some(agent) if matches!(period, UsagePeriod::Session) => {
                format!("{} {}", agent.as_str(), row.key)
            }
            _ => row.key.clone(),
        };
        line(&label, &row.figures);
    }
    line("TOTAL", &report.totals);
    for agent in &report.by_agent {
        line(&format!("  {}", agent.agent.as_str()), &agent.figures);
    }
    if !report.unpriced_models.is_empty() {
        println!(
            "unpriced (add them to pricing.toml in the data directory): {}",
            report.unpriced_models.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_and_days_parse_or_say_why() {
        assert_eq!(
            parse_zone("UTC"),
            FixedOffset::east_opt(0).ok_or_else(String::new)
        );
        assert_eq!(
            parse_zone("+02:00"),
            FixedOffset::east_opt(7200).ok_or_else(String::new)
        );
        assert_eq!(
            parse_zone("-05:30"),
            FixedOffset::east_opt(-19800).ok_or_else(String::new)
        );
        assert!(parse_zone("Mars/Olympus").is_err());
        assert!(parse_day("2026-12-03").is_ok());
        assert!(parse_day("03/12/2026").is_err());
    }
}
