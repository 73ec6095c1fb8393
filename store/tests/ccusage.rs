//! Spaces' usage report against ccusage's, on the same fixture home
//! (`tests/fixtures/usage`): per agent, cost within 0.5% and cache tokens exactly equal.
//!
//! ccusage comes from the npm registry, so the test is ignored by default. Run it with:
//! `CARGO_TARGET_DIR=target cargo test -p spaces-store --test ccusage -- --ignored`
//! (it needs `npm` and network access to registry.npmjs.org; without them it fails, saying so).

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::FixedOffset;
use spaces_store::{
    Agent, Database, Pricing, SessionRoots, UsageFigures, UsageQuery, UsageTimeZone,
};

/// The ccusage release compared with. 20.0.26 (the newest when written) was published without
/// its linux-x64 binary package; 20.0.24 has it (`@ccusage/ccusage-linux-x64`).
const CCUSAGE: &str = "ccusage@20.0.24";

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/usage")
}

/// Installs ccusage under `prefix`; panics with the reason when it cannot.
fn install_ccusage(prefix: &Path) -> PathBuf {
    let output = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(prefix)
        .arg(CCUSAGE)
        .output()
        .unwrap_or_else(|error| panic!("ccusage could not be installed: npm did not run: {error}"));
    assert!(
        output.status.success(),
        "ccusage could not be installed (no network or no npm registry?): npm install {CCUSAGE} \
         failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = prefix.join("node_modules/.bin/ccusage");
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .expect("run ccusage --version");
    assert!(
        version.status.success(),
        "ccusage was installed but does not run (its native package is missing?): {}{}",
        String::from_utf8_lossy(&version.stdout),
        String::from_utf8_lossy(&version.stderr)
    );
    binary
}

/// ccusage's totals for one agent: (cost, cache creation tokens, cache read tokens).
fn ccusage_totals(binary: &Path, agent: Agent, empty_home: &Path) -> (f64, u64, u64) {
    let root = fixture_root();
    let output = Command::new(binary)
        .args([
            agent.as_str(),
            "daily",
            "--offline",
            "--json",
            "--mode",
            "calculate",
        ])
        .env("HOME", empty_home)
        .env("CLAUDE_CONFIG_DIR", root.join("claude"))
        .env("CODEX_HOME", root.join("codex"))
        .env("GEMINI_DATA_DIR", root.join("gemini/.gemini"))
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .expect("run ccusage");
    assert!(
        output.status.success(),
        "ccusage {agent} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("ccusage prints JSON");
    let totals = &json["totals"];
    let cost = totals["totalCost"]
        .as_f64()
        .or_else(|| totals["costUSD"].as_f64())
        .unwrap_or_else(|| panic!("no cost in ccusage's {agent} totals: {totals}"));
    let count = |field: &str| totals[field].as_u64().unwrap_or(0);
    (cost, count("cacheCreationTokens"), count("cacheReadTokens"))
}

fn spaces_figures(database: &Database, agent: Agent) -> UsageFigures {
    let query = UsageQuery {
        time_zone: UsageTimeZone::Fixed(FixedOffset::east_opt(0).expect("offset")),
        ..UsageQuery::default()
    };
    let report = database
        .usage_report(&query, &Pricing::built_in())
        .expect("report");
    report
        .by_agent
        .iter()
        .find(|usage| usage.agent == agent)
        .map(|usage| usage.figures)
        .unwrap_or_else(|| panic!("Spaces found no usage for {agent}"))
}

#[test]
#[ignore = "downloads ccusage from npm: scripts/test runs it (--ignored) as a step of its own"]
fn spaces_and_ccusage_agree_per_agent() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let binary = install_ccusage(&scratch.path().join("npm"));
    let empty_home = scratch.path().join("home");
    std::fs::create_dir_all(&empty_home).expect("home");

    let database = Database::open_in_memory().expect("database");
    let root = fixture_root();
    let roots = SessionRoots {
        claude: Some(root.join("claude")),
        codex: Some(root.join("codex")),
        gemini: Some(root.join("gemini/.gemini")),
    };
    database.index_sessions(&roots, &mut |_| {}).expect("index");

    for agent in Agent::ALL {
        let (cost, creation, read) = ccusage_totals(&binary, agent, &empty_home);
        let ours = spaces_figures(&database, agent);
        let our_cost = ours.cost_usd.expect("priced");
        eprintln!(
            "{agent}: ccusage ${cost:.6} ({creation} cache writes, {read} cache reads), \
             Spaces ${our_cost:.6} ({} cache writes, {} cache reads)",
            ours.cache_creation_tokens, ours.cache_read_tokens
        );
        assert!(
            (our_cost - cost).abs() <= cost.abs() * 0.005,
            "{agent}: Spaces says ${our_cost}, ccusage ${cost} (more than 0.5% apart)"
        );
        assert_eq!(
            ours.cache_creation_tokens, creation,
            "{agent}: cache writes"
        );
        assert_eq!(ours.cache_read_tokens, read, "{agent}: cache reads");
    }
}
