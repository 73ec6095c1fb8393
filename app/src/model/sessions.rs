//! The agents' sessions for the window: a worker thread that keeps Spaces' index of Claude,
//! Codex and Gemini sessions current (a full pass at start, with progress; then again within
//! moments of any change in the agents' folders, watched with `notify`), and answers the
//! sessions panel's queries on its own database connection, so the UI never waits for SQL.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select};
use spaces_store::Database;
use spaces_store::sessions::{
    Agent, IndexProgress, IndexReport, SearchHit, SessionFilter, SessionMessage, SessionRoots,
    SessionSummary,
};
use spaces_store::usage::{
    Activity, GroupBy, Pricing, SessionUsage, SessionsOnDay, UsageQuery, UsageReport,
};

use crate::model::threads::lock;

/// Changes in the agents' folders are gathered this long before indexing them (an agent
/// appends many lines in a burst).
const SETTLE: Duration = Duration::from_millis(150);
/// How often folders of agents that were not there yet are looked for.
const ROOTS_CHECK: Duration = Duration::from_secs(2);

/// What the panel asks.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionQuery {
    List(SessionFilter),
    Search {
        text: String,
        filter: SessionFilter,
    },
    Conversation {
        agent: Agent,
        id: String,
    },
    /// The analytics view: a report by day and one by project, with sessions per day.
    Usage(UsageQuery),
    /// Every session's tokens and cost (the sessions panel shows them).
    SessionCosts,
}

/// The answer to a query.
#[derive(Clone, Debug)]
pub enum SessionAnswer {
    Sessions(Vec<SessionSummary>),
    Hits(Vec<SearchHit>),
    Conversation {
        session: Option<Box<SessionSummary>>,
        messages: Vec<SessionMessage>,
    },
    Usage(Box<UsageAnswer>),
    SessionCosts(Vec<SessionUsage>),
    Failed(String),
}

/// What the analytics view shows for one query.
#[derive(Clone, Debug)]
pub struct UsageAnswer {
    /// Rows per day, with totals, per agent and per model.
    pub by_day: UsageReport,
    /// Rows per project (session working directory).
    pub by_project: UsageReport,
    /// Rows per workspace (the pane a session was linked to, else its directory's).
    pub by_workspace: UsageReport,
    pub sessions_per_day: Vec<SessionsOnDay>,
    /// Active time per workspace and agent, most-run shell commands.
    pub activity: Activity,
    /// A problem with the user's `pricing.toml`, if any.
    pub pricing_problem: Option<String>,
}

/// How indexing is going, for the panel's status line.
#[derive(Clone, Debug, Default)]
pub struct IndexStatus {
    /// While a pass runs: how far it is.
    pub progress: Option<IndexProgress>,
    /// The first pass has finished (what is listed is complete).
    pub ready: bool,
    /// Bumped after each pass that changed something: the panel asks again.
    pub version: u64,
    /// "3 lines not understood in 2 files", when the last pass met bad input.
    pub problems: Option<String>,
    /// Indexing does not work at all (the database cannot be opened).
    pub error: Option<String>,
}

struct Shared {
    status: Mutex<IndexStatus>,
    /// Answers not taken yet, with the serial numbers of their queries.
    answers: Mutex<Vec<(u64, SessionAnswer)>>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

/// The handle the window keeps.
pub struct Sessions {
    shared: Arc<Shared>,
    queries: Sender<(u64, SessionQuery)>,
    serial: u64,
}

impl Sessions {
    /// Starts the worker on the database at `database` reading the agents' `roots`; `wake`
    /// is called whenever there is something new to show.
    pub fn start(
        database: PathBuf,
        roots: SessionRoots,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            status: Mutex::new(IndexStatus::default()),
            answers: Mutex::new(Vec::new()),
            wake,
        });
        let (queries, incoming) = crossbeam_channel::bounded(16);
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("sessions-index".into())
            .spawn(move || run(&database, &roots, &worker, &incoming))?;
        Ok(Self {
            shared,
            queries,
            serial: 0,
        })
    }

    /// Asks `query`; returns its serial number, which its answer carries.
    pub fn ask(&mut self, query: SessionQuery) -> u64 {
        self.serial += 1;
        if self.queries.try_send((self.serial, query)).is_err() {
            tracing::debug!("the sessions worker is busy; the query waits for the next frame");
        }
        self.serial
    }

    /// The answer to the query `serial`, once it arrived (taken: later calls get `None`).
    /// Answers to older queries of the same asker are dropped by it asking again.
    pub fn take(&self, serial: u64) -> Option<SessionAnswer> {
        let mut answers = lock(&self.shared.answers);
        let index = answers.iter().position(|(number, _)| *number == serial)?;
        Some(answers.remove(index).1)
    }

    pub fn status(&self) -> IndexStatus {
        lock(&self.shared.status).clone()
    }
}

fn run(
    path: &Path,
    roots: &SessionRoots,
    shared: &Shared,
    queries: &Receiver<(u64, SessionQuery)>,
) {
    let database = match Database::open(path) {
        Ok(database) => database,
        Err(error) => {
            lock(&shared.status).error = Some(format!("the sessions index is off: {error}"));
            (shared.wake)();
            return;
        }
    };
    let (changes_tx, changes) = crossbeam_channel::unbounded();
    let mut watcher = watcher(changes_tx);
    let mut watched = Vec::new();
    watch_new_roots(watcher.as_mut(), roots, &mut watched);
    index(&database, roots, shared);
    let ticks = crossbeam_channel::tick(ROOTS_CHECK);
    loop {
        // Only while an agent's folder is missing: one installed later shows up then.
        let missing = [&roots.claude, &roots.codex, &roots.gemini]
            .into_iter()
            .flatten()
            .any(|root| !watched.contains(root));
        let roots_check = if missing && watcher.is_some() {
            ticks.clone()
        } else {
            crossbeam_channel::never()
        };
        select! {
            recv(roots_check) -> _ => {
                if watch_new_roots(watcher.as_mut(), roots, &mut watched) {
                    index(&database, roots, shared);
                }
            },
            recv(queries) -> query => match query {
                Ok((serial, query)) => {
                    let answer = answer(&database, path, query);
                    let mut answers = lock(&shared.answers);
                    // Answers nobody took (a query asked again meanwhile) do not pile up.
                    if answers.len() >= 16 {
                        answers.remove(0);
                    }
                    answers.push((serial, answer));
                    drop(answers);
                    (shared.wake)();
                }
                Err(_) => break,
            },
            recv(changes) -> change => {
                if change.is_err() {
                    break;
                }
                // Let a burst of appends settle, then index once.
                std::thread::sleep(SETTLE);
                while changes.try_recv().is_ok() {}
                index(&database, roots, shared);
            }
        }
    }
}

/// The watcher of the agents' folders; `None` when watching is not possible, and then only
/// the first pass runs.
fn watcher(changes: Sender<notify::Result<notify::Event>>) -> Option<notify::RecommendedWatcher> {
    match notify::recommended_watcher(changes) {
        Ok(watcher) => Some(watcher),
        Err(error) => {
            tracing::warn!(%error, "cannot watch the agents' folders; sessions are indexed at start only");
            None
        }
    }
}

/// Starts watching (recursively) every root that exists now and is not watched yet; whether
/// it started any.
fn watch_new_roots(
    watcher: Option<&mut notify::RecommendedWatcher>,
    roots: &SessionRoots,
    watched: &mut Vec<PathBuf>,
) -> bool {
    use notify::Watcher as _;
    let Some(watcher) = watcher else {
        return false;
    };
    let mut started = false;
    let new: Vec<PathBuf> = [&roots.claude, &roots.codex, &roots.gemini]
        .into_iter()
        .flatten()
        .filter(|root| root.is_dir() && !watched.contains(root))
        .cloned()
        .collect();
    for root in &new {
        match watcher.watch(root, notify::RecursiveMode::Recursive) {
            Ok(()) => {
                watched.push(root.clone());
                started = true;
            }
            Err(error) => tracing::warn!(%error, root = %root.display(), "cannot watch"),
        }
    }
    started
}

/// One incremental pass, with its progress and outcome in the shared status.
fn index(database: &Database, roots: &SessionRoots, shared: &Shared) {
    let mut report_progress = |progress: IndexProgress| {
        lock(&shared.status).progress = Some(progress);
        (shared.wake)();
    };
    let result = database.index_sessions(roots, &mut report_progress);
    let mut status = lock(&shared.status);
    status.progress = None;
    status.ready = true;
    match result {
        Ok(report) => {
            if changed(&report) {
                status.version += 1;
            }
            status.problems = problems(&report);
        }
        Err(error) => status.error = Some(format!("indexing failed: {error}")),
    }
    drop(status);
    (shared.wake)();
}

fn changed(report: &IndexReport) -> bool {
    report.files_read > 0 || report.files_gone > 0 || report.sessions_updated > 0
}

/// The bad input of a pass, in words.
pub fn problems(report: &IndexReport) -> Option<String> {
    let lines = report.lines_not_understood();
    let files = report.files_with_problems;
    (lines > 0 || files > 0).then(|| {
        format!(
            "{lines} lines not understood in {files} file{}",
            if files == 1 { "" } else { "s" }
        )
    })
}

fn answer(database: &Database, path: &Path, query: SessionQuery) -> SessionAnswer {
    // Prices are read for each usage query, so an edited pricing.toml applies at once.
    let prices = || Pricing::load(path.parent().unwrap_or(Path::new(".")));
    let result = match query {
        SessionQuery::Usage(query) => {
            let (prices, problem) = prices();
            usage_answer(database, &query, &prices, problem.map(|p| p.to_string()))
        }
        SessionQuery::SessionCosts => database
            .sessions_usage(&prices().0)
            .map(SessionAnswer::SessionCosts),
        SessionQuery::List(filter) => database.list_sessions(&filter).map(SessionAnswer::Sessions),
        SessionQuery::Search { text, filter } => database
            .search_sessions(&text, &filter, 500)
            .map(SessionAnswer::Hits),
        SessionQuery::Conversation { agent, id } => {
            database.session_summary(agent, &id).and_then(|session| {
                let messages = database.session_messages(agent, &id)?;
                Ok(SessionAnswer::Conversation {
                    session: session.map(Box::new),
                    messages,
                })
            })
        }
    };
    result.unwrap_or_else(|error| SessionAnswer::Failed(error.to_string()))
}

/// How many of each workspace's most-run commands the analytics view lists.
const TOP_COMMANDS: usize = 8;

/// What the analytics view shows for `query`: its report by day, by project and by
/// workspace, and sessions per day.
pub fn usage_answer(
    database: &Database,
    query: &UsageQuery,
    prices: &Pricing,
    pricing_problem: Option<String>,
) -> spaces_store::Result<SessionAnswer> {
    let overview = database.usage_overview(
        query,
        [GroupBy::Day, GroupBy::Project, GroupBy::Workspace],
        prices,
    )?;
    let [by_day, by_project, by_workspace] = overview.reports;
    let sessions_per_day = overview.sessions_per_day;
    let activity = database.activity(query, TOP_COMMANDS)?;
    Ok(SessionAnswer::Usage(Box::new(UsageAnswer {
        by_day,
        by_project,
        by_workspace,
        sessions_per_day,
        activity,
        pricing_problem,
    })))
}

/// A fresh session id for an agent that lets the caller choose one (`--session-id`).
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The command that starts a new `agent` conversation, with an id Spaces chose where the CLI
/// takes one (so the pane's link is known from the start).
pub fn new_agent_command(agent: Agent) -> Vec<String> {
    match agent {
        Agent::Claude => vec!["claude".into(), "--session-id".into(), new_session_id()],
        Agent::Gemini => vec!["gemini".into(), "--session-id".into(), new_session_id()],
        Agent::Codex => vec!["codex".into()],
    }
}

/// Nothing is started half-way: the directory must still exist and the agent's CLI be on
/// `PATH`.
pub fn check_resumable(argv: &[String], cwd: Option<&str>) -> Result<(), String> {
    if let Some(cwd) = cwd
        && !Path::new(cwd).is_dir()
    {
        return Err(format!("the directory {cwd} no longer exists"));
    }
    let program = argv.first().map(String::as_str).unwrap_or_default();
    if find_on_path(program).is_none() {
        return Err(format!("`{program}` is not on PATH"));
    }
    Ok(())
}

/// Where `program` is on `PATH`, if anywhere.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    if program.contains('/') {
        return Some(PathBuf::from(program)).filter(|path| path.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}
