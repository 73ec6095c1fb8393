//! Usage and cost end to end: the hand-written fixture home of `tests/fixtures/usage` (one
//! Claude session and its resumed copy, a Codex rollout, a Gemini chat with a rewind) indexed
//! into a fresh database and reported. Every expected figure is worked out by hand in the
//! comments from the fixture lines and the prices of `assets/pricing.toml`.

use std::path::{Path, PathBuf};

use chrono::{FixedOffset, NaiveDate};
use spaces_store::{
    Agent, Database, GroupBy, Pricing, SessionRoots, UsageFigures, UsageQuery, UsageReport,
    UsageTimeZone,
};

#[path = "support/tree.rs"]
mod tree;

use tree::copy_tree;

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/usage")
}

/// A private copy of the fixture home, indexed into a fresh database.
struct Indexed {
    home: tempfile::TempDir,
    database: Database,
}

impl Indexed {
    fn new() -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        copy_tree(&fixture_root(), home.path());
        let database = Database::open_in_memory().expect("database");
        let indexed = Self { home, database };
        indexed.index();
        indexed
    }

    fn roots(&self) -> SessionRoots {
        SessionRoots {
            claude: Some(self.home.path().join("claude")),
            codex: Some(self.home.path().join("codex")),
            gemini: Some(self.home.path().join("gemini/.gemini")),
        }
    }

    fn index(&self) {
        self.database
            .index_sessions(&self.roots(), &mut |_| {})
            .expect("index");
    }

    fn report(&self, query: &UsageQuery) -> UsageReport {
        self.database
            .usage_report(query, &Pricing::built_in())
            .expect("report")
    }
}

fn utc() -> UsageTimeZone {
    UsageTimeZone::Fixed(FixedOffset::east_opt(0).expect("offset"))
}

fn all_in_utc() -> UsageQuery {
    UsageQuery {
        time_zone: utc(),
        ..UsageQuery::default()
    }
}

fn agent_figures(report: &UsageReport, agent: Agent) -> UsageFigures {
    report
        .by_agent
        .iter()
        .find(|usage| usage.agent == agent)
        .map(|usage| usage.figures)
        .unwrap_or_else(|| panic!("no usage for {agent}"))
}

fn assert_cost(figures: &UsageFigures, dollars: f64) {
    let cost = figures.cost_usd.expect("priced");
    assert!(
        (cost - dollars).abs() < 1e-12,
        "cost {cost} is not {dollars}"
    );
}

fn assert_tokens(figures: &UsageFigures, input: u64, output: u64, creation: u64, read: u64) {
    assert_eq!(
        (
            figures.input_tokens,
            figures.output_tokens,
            figures.cache_creation_tokens,
            figures.cache_read_tokens
        ),
        (input, output, creation, read)
    );
}

#[test]
fn claude_counts_each_response_once_and_synthetic_messages_not_at_all() {
    let indexed = Indexed::new();
    let report = indexed.report(&all_in_utc());
    let claude = agent_figures(&report, Agent::Claude);
    // msg_1/req_1 is written on two lines (a1, a2) and copied by the resume into the second
    // file (a1 again): counted once. msg_synthetic counts nothing. So three responses:
    //   msg_1 sonnet-4-5: input 1000, output 500, cache write 2000 (5 min), cache read 10000
    //   msg_2 sonnet-4-5: input  200, output 100, cache write 4000 (1 h),   cache read 12000
    //   msg_3 haiku-4-5:  input   50, output  20, cache write    0,         cache read  1000
    // input 1000 + 200 + 50 = 1250; output 500 + 100 + 20 = 620;
    // cache writes 2000 + 4000 = 6000; cache reads 10000 + 12000 + 1000 = 23000.
    assert_tokens(&claude, 1250, 620, 6000, 23000);
    assert_eq!(claude.responses, 3);
    // sonnet-4-5 per million: input 3, output 15, read 0.30, write 5 min 3.75, write 1 h 6.
    //   msg_1: 1000*3 + 500*15 + 2000*3.75 + 10000*0.30 = 3000 + 7500 + 7500 + 3000 = 21000
    //   msg_2:  200*3 + 100*15 + 4000*6    + 12000*0.30 =  600 + 1500 + 24000 + 3600 = 29700
    // haiku-4-5 per million: input 1, output 5, read 0.10.
    //   msg_3:   50*1 +  20*5  + 1000*0.10              =   50 +  100 +   100        =   250
    // (21000 + 29700 + 250) / 1e6 = $0.05095
    assert_cost(&claude, 0.05095);
}

#[test]
fn codex_counts_per_turn_with_cached_input_and_reasoning_inside() {
    let indexed = Indexed::new();
    let codex = agent_figures(&indexed.report(&all_in_utc()), Agent::Codex);
    // Turn 1 (last_token_usage): input 10000 of which cached 8000, output 300 (reasoning 100
    //   inside). Turn 2 (last): input 20000, cached 15000, output 500.
    // Turn 3 (totals only): 40000/30000/1000 minus 30000/23000/800 = input 10000, cached 7000,
    //   output 200.
    // Uncached input: (10000-8000) + (20000-15000) + (10000-7000) = 2000 + 5000 + 3000 = 10000
    // Cached: 8000 + 15000 + 7000 = 30000; output: 300 + 500 + 200 = 1000 (reasoning inside).
    assert_tokens(&codex, 10000, 1000, 0, 30000);
    assert_eq!(codex.responses, 3);
    // gpt-5-codex per million: input 1.25, output 10, cached 0.125.
    //   10000*1.25 + 30000*0.125 + 1000*10 = 12500 + 3750 + 10000 = 26250 -> $0.02625
    assert_cost(&codex, 0.02625);
}

#[test]
fn gemini_counts_the_last_copy_and_keeps_rewound_answers() {
    let indexed = Indexed::new();
    let report = indexed.report(&all_in_utc());
    let gemini = agent_figures(&report, Agent::Gemini);
    // m2 is written twice; the last copy counts: input 6000 (cached 3000), output 200,
    //   thoughts 100. m4 was answered, then dropped by `$rewindTo: m3`: still billed:
    //   input 4000 (cached 1000), output 400, thoughts 100. m6: input 3000, output 100.
    // Uncached input: 3000 + 3000 + 3000 = 9000; cached: 3000 + 1000 = 4000;
    // output with thoughts: (200+100) + (400+100) + 100 = 900.
    assert_tokens(&gemini, 9000, 900, 0, 4000);
    assert_eq!(gemini.responses, 3);
    // gemini-2.5-pro per million: input 1.25, output 10, cached 0.125.
    //   m2: 3000*1.25 + 3000*0.125 + 300*10 = 3750 + 375 + 3000 = 7125
    // gemini-2.5-flash per million: input 0.30, output 2.50, cached 0.03.
    //   m4: 3000*0.30 + 1000*0.03 + 500*2.5 =  900 +  30 + 1250 = 2180
    //   m6: 3000*0.30 +              100*2.5 =  900 +        250 = 1150
    // (7125 + 2180 + 1150) / 1e6 = $0.010455
    assert_cost(&gemini, 0.010455);

    // The rewound answer is not part of the conversation any more.
    let messages = indexed
        .database
        .session_messages(Agent::Gemini, "c0ffee00-1111-4222-8333-444455556666")
        .expect("messages");
    assert!(messages.iter().all(|message| message.text != "Rewritten."));
    assert!(messages.iter().all(|message| !message.text.is_empty()));
    let summary = indexed
        .database
        .session_summary(Agent::Gemini, "c0ffee00-1111-4222-8333-444455556666")
        .expect("summary")
        .expect("indexed");
    assert_eq!(summary.message_count, messages.len() as i64);
}

#[test]
fn totals_models_and_a_second_index_run_do_not_count_twice() {
    let indexed = Indexed::new();
    let first = indexed.report(&all_in_utc());
    // Touch the Gemini chat so it is read again whole, and the Claude file so its tail is
    // read again: the sums must not move.
    let chat = indexed
        .home
        .path()
        .join("gemini/.gemini/tmp/webapp/chats/session-2025-11-22T08-00-c0ffee00.jsonl");
    let text = std::fs::read_to_string(&chat).expect("read");
    std::fs::write(&chat, format!("{text}\n")).expect("write");
    indexed.index();
    let second = indexed.report(&all_in_utc());
    assert_eq!(first, second);
    // Totals: input 1250 + 10000 + 9000 = 20250; output 620 + 1000 + 900 = 2520;
    // cache writes 6000; cache reads 23000 + 30000 + 4000 = 57000;
    // cost 0.05095 + 0.02625 + 0.010455 = $0.087655.
    assert_tokens(&first.totals, 20250, 2520, 6000, 57000);
    assert_cost(&first.totals, 0.087655);
    let models: Vec<(&str, Option<&str>)> = first
        .by_model
        .iter()
        .map(|usage| (usage.model.as_str(), usage.priced_as.as_deref()))
        .collect();
    assert_eq!(
        models,
        vec![
            ("claude-haiku-4-5-20251001", Some("claude-haiku-4-5")),
            ("claude-sonnet-4-5-20250929", Some("claude-sonnet-4-5")),
            ("gemini-2.5-flash", Some("gemini-2.5-flash")),
            ("gemini-2.5-pro", Some("gemini-2.5-pro")),
            ("gpt-5-codex", Some("gpt-5-codex")),
        ]
    );
    assert!(first.unpriced_models.is_empty());
}

#[test]
fn days_follow_the_time_zone_around_midnight() {
    let indexed = Indexed::new();
    let days = |offset_hours: i32| -> Vec<(String, u64)> {
        let query = UsageQuery {
            time_zone: UsageTimeZone::Fixed(
                FixedOffset::east_opt(offset_hours * 3600).expect("offset"),
            ),
            ..UsageQuery::default()
        };
        indexed
            .report(&query)
            .rows
            .into_iter()
            .map(|row| (row.key, row.figures.responses))
            .collect()
    };
    // In UTC: msg_1, msg_2 (10:00, 10:05) and the three Codex turns (11:00-11:02) on the
    // 20th; msg_3 at 23:30 on the 21st; the three Gemini answers at 08:00-08:02 on the 22nd.
    assert_eq!(
        days(0),
        vec![
            ("2025-11-20".to_owned(), 5),
            ("2025-11-21".to_owned(), 1),
            ("2025-11-22".to_owned(), 3)
        ]
    );
    // At UTC+1, msg_3 is at 00:30 on the 22nd: the 21st has nothing.
    assert_eq!(
        days(1),
        vec![("2025-11-20".to_owned(), 5), ("2025-11-22".to_owned(), 4)]
    );
    // At UTC-11, msg_1 and msg_2 are at 23:00 and 23:05 on the 19th, the Codex turns at
    // 00:00-00:02 on the 20th, msg_3 at 12:30 on the 21st, Gemini at 21:00 on the 21st.
    assert_eq!(
        days(-11),
        vec![
            ("2025-11-19".to_owned(), 2),
            ("2025-11-20".to_owned(), 3),
            ("2025-11-21".to_owned(), 4)
        ]
    );
    // since/until are days in the same zone: at UTC+1 the 22nd alone holds msg_3 and Gemini.
    let day = NaiveDate::from_ymd_opt(2025, 11, 22).expect("date");
    let query = UsageQuery {
        since: Some(day),
        until: Some(day),
        time_zone: UsageTimeZone::Fixed(FixedOffset::east_opt(3600).expect("offset")),
        ..UsageQuery::default()
    };
    assert_eq!(indexed.report(&query).totals.responses, 4);
}

#[test]
fn weeks_months_and_filters() {
    let indexed = Indexed::new();
    let keys = |query: UsageQuery| -> Vec<String> {
        indexed
            .report(&query)
            .rows
            .into_iter()
            .map(|row| row.key)
            .collect()
    };
    // 2025-11-20 is a Thursday: its week starts Monday the 17th; the 22nd is a Saturday.
    let week = UsageQuery {
        group_by: GroupBy::Week,
        ..all_in_utc()
    };
    assert_eq!(keys(week), vec!["2025-11-17"]);
    let month = UsageQuery {
        group_by: GroupBy::Month,
        ..all_in_utc()
    };
    assert_eq!(keys(month), vec!["2025-11"]);
    let projects = UsageQuery {
        group_by: GroupBy::Project,
        ..all_in_utc()
    };
    assert_eq!(
        keys(projects),
        vec!["/home/alice/api", "/home/alice/webapp"]
    );

    // Project filter: the Codex rollout is the only one in /home/alice/api.
    let api = indexed.report(&UsageQuery {
        project: Some("/home/alice/api/".to_owned()),
        ..all_in_utc()
    });
    assert_eq!(api.by_agent.len(), 1);
    assert_cost(&api.totals, 0.02625);
    // Model filter by a name prefix: sonnet-4-5 covers the dated name (msg_1, msg_2:
    // 0.021 + 0.0297 = $0.0507).
    let sonnet = indexed.report(&UsageQuery {
        model: Some("claude-sonnet-4-5".to_owned()),
        ..all_in_utc()
    });
    assert_cost(&sonnet.totals, 0.0507);
    // Agent filter.
    let gemini = indexed.report(&UsageQuery {
        agent: Some(Agent::Gemini),
        ..all_in_utc()
    });
    assert_cost(&gemini.totals, 0.010455);
}

#[test]
fn a_model_without_a_price_is_counted_and_listed_not_guessed() {
    let indexed = Indexed::new();
    let mut pricing = Pricing::default();
    let built_in = Pricing::built_in();
    // A table that knows only sonnet-4-5: haiku, Gemini and Codex are unpriced.
    let (_, sonnet) = built_in.price_of("claude-sonnet-4-5").expect("priced");
    pricing.insert("claude-sonnet-4-5", *sonnet);
    let report = indexed
        .database
        .usage_report(&all_in_utc(), &pricing)
        .expect("report");
    assert_eq!(
        report.unpriced_models,
        vec![
            "claude-haiku-4-5-20251001",
            "gemini-2.5-flash",
            "gemini-2.5-pro",
            "gpt-5-codex"
        ]
    );
    let haiku = report
        .by_model
        .iter()
        .find(|usage| usage.model == "claude-haiku-4-5-20251001")
        .expect("listed");
    assert_eq!(haiku.figures.cost_usd, None);
    assert_eq!(haiku.figures.input_tokens, 50);
    // Claude: only sonnet's $0.0507 is priced, and the figure says part is unpriced.
    let claude = agent_figures(&report, Agent::Claude);
    assert_cost(&claude, 0.0507);
    assert!(claude.unpriced);
    assert_eq!(claude.input_tokens, 1250);
    // Codex: nothing priced at all.
    assert_eq!(agent_figures(&report, Agent::Codex).cost_usd, None);
}

#[test]
fn the_pricing_file_in_the_data_directory_changes_the_cost() {
    let indexed = Indexed::new();
    let data = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        data.path().join("pricing.toml"),
        "[models.\"gpt-5-codex\"]\ninput = 2.0\noutput = 20.0\ncache_read = 0.5\n",
    )
    .expect("write");
    let (pricing, error) = Pricing::load(data.path());
    assert!(error.is_none());
    let report = indexed
        .database
        .usage_report(&all_in_utc(), &pricing)
        .expect("report");
    // 10000*2 + 30000*0.5 + 1000*20 = 20000 + 15000 + 20000 = 55000 -> $0.055
    assert_cost(&agent_figures(&report, Agent::Codex), 0.055);
    // The other agents keep the built-in prices.
    assert_cost(&agent_figures(&report, Agent::Claude), 0.05095);
}

#[test]
fn per_session_totals_and_sessions_per_day() {
    let indexed = Indexed::new();
    let sessions = indexed
        .database
        .sessions_usage(&Pricing::built_in())
        .expect("sessions");
    let cost_of = |id: &str| {
        sessions
            .iter()
            .find(|session| session.session_id == id)
            .and_then(|session| session.figures.cost_usd)
            .unwrap_or_else(|| panic!("no usage for {id}"))
    };
    // The first Claude session holds msg_1 and msg_2 (0.021 + 0.0297); the resumed one only
    // its new msg_3 (0.00025): the copied msg_1 is not counted twice.
    assert!((cost_of("aaaaaaaa-0000-4000-8000-000000000001") - 0.0507).abs() < 1e-12);
    assert!((cost_of("bbbbbbbb-0000-4000-8000-000000000002") - 0.00025).abs() < 1e-12);
    assert!((cost_of("019a9776-0a34-7842-8627-112b63d66e91") - 0.02625).abs() < 1e-12);
    let one = indexed
        .database
        .session_usage(
            Agent::Gemini,
            "c0ffee00-1111-4222-8333-444455556666",
            &Pricing::built_in(),
        )
        .expect("usage")
        .expect("has usage");
    assert_cost(&one, 0.010455);

    let days = indexed
        .database
        .sessions_per_day(&all_in_utc())
        .expect("days");
    let days: Vec<(String, u64, u64)> = days
        .into_iter()
        .map(|day| (day.day.to_string(), day.started, day.active))
        .collect();
    // Started: the first Claude session, the resumed one (its first line is the copy of
    // 10:00 on the 20th) and Codex on the 20th; Gemini on the 22nd.
    // Active: the 20th: first Claude session and Codex; the 21st: the resumed session;
    // the 22nd: Gemini.
    assert_eq!(
        days,
        vec![
            ("2025-11-20".to_owned(), 3, 2),
            ("2025-11-21".to_owned(), 0, 1),
            ("2025-11-22".to_owned(), 1, 1)
        ]
    );
}

/// The view's overview (one walk over the buckets) gives what the separate reports give.
#[test]
fn the_overview_is_the_separate_reports_in_one_walk() {
    let indexed = Indexed::new();
    let prices = Pricing::built_in();
    for query in [
        all_in_utc(),
        UsageQuery {
            agent: Some(Agent::Claude),
            ..all_in_utc()
        },
        UsageQuery {
            since: NaiveDate::from_ymd_opt(2025, 11, 21),
            ..all_in_utc()
        },
    ] {
        let overview = indexed
            .database
            .usage_overview(
                &query,
                [GroupBy::Day, GroupBy::Project, GroupBy::Model],
                &prices,
            )
            .expect("overview");
        for (report, group_by) in
            overview
                .reports
                .iter()
                .zip([GroupBy::Day, GroupBy::Project, GroupBy::Model])
        {
            let grouped = UsageQuery {
                group_by,
                ..query.clone()
            };
            let alone = indexed
                .database
                .usage_report(&grouped, &prices)
                .expect("report");
            assert_eq!(*report, alone, "{group_by:?}");
            assert!(
                !report.rows.is_empty(),
                "{group_by:?}: the test compares something"
            );
        }
        assert_eq!(
            overview.sessions_per_day,
            indexed.database.sessions_per_day(&query).expect("days")
        );
    }
}

#[test]
fn a_response_with_a_prompt_above_200k_tokens_pays_the_long_context_rates() {
    let indexed = Indexed::new();
    let project = indexed.home.path().join("claude/projects/-home-alice-big");
    std::fs::create_dir_all(&project).expect("create");
    std::fs::write(
        project.join("cccccccc-0000-4000-8000-000000000003.jsonl"),
        r#"{"type":"assistant","sessionId":"cccccccc-0000-4000-8000-000000000003","cwd":"/home/alice/big","uuid":"b1","parentUuid":null,"isSidechain":false,"timestamp":"2025-11-23T12:00:00.000Z","requestId":"req_big","message":{"id":"msg_big","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Read it all."}],"usage":{"input_tokens":10000,"cache_creation_input_tokens":0,"cache_read_input_tokens":195000,"output_tokens":1000}}}
"#,
    )
    .expect("write");
    indexed.index();
    let report = indexed.report(&UsageQuery {
        project: Some("/home/alice/big".to_owned()),
        ..all_in_utc()
    });
    // Prompt 10000 + 195000 = 205000 > 200000: sonnet-4-5's long rates (6, 22.5, 0.60):
    //   10000*6 + 1000*22.5 + 195000*0.60 = 60000 + 22500 + 117000 = 199500 -> $0.1995
    assert_cost(&report.totals, 0.1995);
}

#[test]
fn cost_by_workspace_follows_the_pane_links_then_the_directories() {
    use spaces_store::{PaneId, PaneRecord, WorkspaceId, WorkspaceRecord};
    const CODEX_SESSION: &str = "019a9776-0a34-7842-8627-112b63d66e91";
    let indexed = Indexed::new();
    let database = &indexed.database;
    for (id, name) in [(1, "web"), (2, "api")] {
        database
            .upsert_workspace(&WorkspaceRecord::new(WorkspaceId(id), name, "#5b9cf5", id))
            .expect("workspace");
    }
    let by_workspace = |query: UsageQuery| -> Vec<(String, f64)> {
        indexed
            .report(&UsageQuery {
                group_by: GroupBy::Workspace,
                ..query
            })
            .rows
            .into_iter()
            .map(|row| (row.key, row.figures.cost_usd.expect("priced")))
            .collect()
    };
    let close = |rows: &[(String, f64)], expected: &[(&str, f64)]| {
        assert_eq!(rows.len(), expected.len(), "{rows:?}");
        for ((key, cost), (want_key, want_cost)) in rows.iter().zip(expected) {
            assert_eq!(key, want_key);
            assert!(
                (cost - want_cost).abs() < 1e-12,
                "{key}: {cost} vs {want_cost}"
            );
        }
    };
    // Nothing links any session yet.
    close(&by_workspace(all_in_utc()), &[("(no workspace)", 0.087655)]);

    // The Codex session ran in a pane of "api" (in another directory than its own): the link
    // is kept after the agent exits and the pane record lets go of it.
    let mut codex_pane = PaneRecord::new_shell(PaneId(1), WorkspaceId(2), "/tmp/elsewhere", 80, 24);
    codex_pane.is_shell = false;
    codex_pane.agent_kind = Some("codex".into());
    codex_pane.agent_session = Some(CODEX_SESSION.into());
    database.upsert_pane(&codex_pane).expect("pane");
    codex_pane.agent_kind = None;
    codex_pane.agent_session = None;
    database.upsert_pane(&codex_pane).expect("pane");
    // A pane of "web" was in /home/alice/webapp, where the Claude and Gemini sessions ran.
    database
        .upsert_pane(&PaneRecord::new_shell(
            PaneId(2),
            WorkspaceId(1),
            "/home/alice/webapp",
            80,
            24,
        ))
        .expect("pane");
    // api: the Codex rollout ($0.02625); web: the rest ($0.087655 - $0.02625).
    close(
        &by_workspace(all_in_utc()),
        &[("api", 0.02625), ("web", 0.061405)],
    );
    let api_only = indexed.report(&UsageQuery {
        workspace: Some("api".into()),
        ..all_in_utc()
    });
    assert_cost(&api_only.totals, 0.02625);
    assert_eq!(api_only.by_agent.len(), 1);
}
