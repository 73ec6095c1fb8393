//! The agent watcher: a thread that, four times a second, finds the transcript of each pane
//! running an agent and reads what its last lines say. Links that are not exact yet (no
//! chosen id, no hook) are resolved here: Claude's live-session file for the pane's process,
//! else the newest transcript of the pane's directory that started after its process did and
//! that no other pane holds. Nothing here blocks the UI thread: reports go back on a channel
//! and wake the window.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;
use spaces_store::Database;
use spaces_store::sessions::live::{self, TailState};
use spaces_store::sessions::{Agent, SessionRoots};
use spaces_store::usage::{Pricing, UsageFigures};
use spaces_term::PaneId;

use super::Link;

/// How often transcripts are looked at.
const POLL: Duration = Duration::from_millis(250);
/// How long after a transcript was not found it is looked for again.
const SEARCH_AGAIN: Duration = Duration::from_millis(750);
/// How often linked sessions' tokens and cost are read again.
const USAGE_EVERY: Duration = Duration::from_secs(2);
/// A transcript that started this long before the agent's process is still its own (clocks
/// and file timestamps are coarse).
const START_SLACK_MS: i64 = 2_000;

/// A pane the watcher looks after: what runs there and what is known of its session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watched {
    pub pane: PaneId,
    pub agent: Agent,
    pub pid: i32,
    /// When the agent's process started (ms since the epoch).
    pub started_ms: i64,
    pub cwd: Option<PathBuf>,
    pub session: Option<String>,
    /// A link that needs no resolving (chosen id, hook, live file).
    pub exact: bool,
}

/// What the watcher found for one pane.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub pane: PaneId,
    pub pid: i32,
    pub session: Option<String>,
    /// How the session was found, when the watcher found it.
    pub link: Option<Link>,
    pub tail: Option<TailState>,
    pub title: Option<String>,
    /// The transcript was found (false: none yet, or the agent deleted it).
    pub has_transcript: bool,
    /// The session's tokens and cost as Spaces' index has them.
    pub usage: Option<UsageFigures>,
}

/// Where the watcher reads sessions' tokens and cost: Spaces' own database (the sessions
/// indexer keeps it current) and the prices.
pub struct UsageSource {
    pub database: PathBuf,
    pub data_dir: PathBuf,
}

/// The handle the model keeps.
pub struct Watcher {
    panes: Sender<Vec<Watched>>,
    pub reports: Receiver<Report>,
    last_sent: Vec<Watched>,
}

impl Watcher {
    pub fn start(
        roots: SessionRoots,
        usage: Option<UsageSource>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        let (panes, incoming) = crossbeam_channel::unbounded();
        let (send_reports, reports) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("agent-watcher".into())
            .spawn(move || {
                let mut usage = usage.map(Usage::new);
                run(&roots, usage.as_mut(), &incoming, &send_reports, &*wake);
            })?;
        Ok(Self {
            panes,
            reports,
            last_sent: Vec::new(),
        })
    }

    /// Tells the watcher which panes run agents now (only when that changed).
    pub fn watch(&mut self, panes: Vec<Watched>) {
        if panes != self.last_sent {
            self.last_sent = panes.clone();
            let _closed = self.panes.send(panes);
        }
    }
}

/// One pane's transcript as last read, to read it again only when it changed.
#[derive(Default)]
struct Seen {
    session: Option<String>,
    link: Option<Link>,
    path: Option<PathBuf>,
    stamp: Option<(u64, SystemTime)>,
    report: Option<Report>,
    /// When the transcript was last looked for and not found (a search walks the agent's
    /// folders: not every poll).
    missed_at: Option<Instant>,
}

/// The usage side of the watcher: a read-only connection opened when the database exists,
/// and the prices.
struct Usage {
    source: UsageSource,
    database: Option<Database>,
    prices: Pricing,
    checked: Option<Instant>,
}

impl Usage {
    fn new(source: UsageSource) -> Self {
        let (prices, _problem) = Pricing::load(&source.data_dir);
        Self {
            source,
            database: None,
            prices,
            checked: None,
        }
    }

    /// Whether it is time to read the figures again.
    fn due(&mut self) -> bool {
        let due = self.checked.is_none_or(|at| at.elapsed() >= USAGE_EVERY);
        if due {
            self.checked = Some(Instant::now());
        }
        due
    }

    fn of(&mut self, agent: Agent, session: &str) -> Option<UsageFigures> {
        if self.database.is_none() {
            self.database = Database::open_readonly(&self.source.database).ok();
        }
        let figures = self
            .database
            .as_ref()?
            .session_usage(agent, session, &self.prices);
        figures.unwrap_or_else(|error| {
            tracing::debug!(%error, "a session's usage could not be read");
            self.database = None;
            None
        })
    }
}

fn run(
    roots: &SessionRoots,
    mut usage: Option<&mut Usage>,
    incoming: &Receiver<Vec<Watched>>,
    reports: &Sender<Report>,
    wake: &(dyn Fn() + Send + Sync),
) {
    let mut watched: Vec<Watched> = Vec::new();
    let mut seen: BTreeMap<(PaneId, i32), Seen> = BTreeMap::new();
    loop {
        if watched.is_empty() {
            // No agent runs: sleep until one does.
            match incoming.recv() {
                Ok(panes) => watched = panes,
                Err(_) => return,
            }
        } else {
            match incoming.recv_timeout(POLL) {
                Ok(panes) => watched = panes,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
            }
        }
        while let Ok(panes) = incoming.try_recv() {
            watched = panes;
        }
        seen.retain(|(pane, pid), _| {
            watched
                .iter()
                .any(|entry| entry.pane == *pane && entry.pid == *pid)
        });
        let found = resolve_links(roots, &watched, &seen);
        let mut any = false;
        let read_usage = usage.as_mut().is_some_and(|usage| usage.due());
        for entry in &watched {
            let state = seen.entry((entry.pane, entry.pid)).or_default();
            if let Some((session, link)) = found.get(&entry.pane) {
                if state.session.as_ref() != Some(session) {
                    // Another session: look for its transcript at once.
                    state.path = None;
                    state.stamp = None;
                    state.missed_at = None;
                }
                state.session = Some(session.clone());
                state.link = *link;
            }
            let figures = match (&mut usage, &state.session) {
                (Some(usage), Some(session)) if read_usage => usage.of(entry.agent, session),
                _ => state.report.as_ref().and_then(|report| report.usage),
            };
            if let Some(mut report) = look(roots, entry, state) {
                report.usage = figures;
                if state.report.as_ref() == Some(&report) {
                    continue;
                }
                state.report = Some(report.clone());
                any = true;
                let _closed = reports.send(report);
            }
        }
        if any {
            wake();
        }
    }
}

/// The session of each pane: exact links as they are, the others resolved (each session to
/// one pane at most, panes taken in the order their agents started).
fn resolve_links(
    roots: &SessionRoots,
    watched: &[Watched],
    seen: &BTreeMap<(PaneId, i32), Seen>,
) -> BTreeMap<PaneId, (String, Option<Link>)> {
    let mut found = BTreeMap::new();
    let mut claimed: BTreeSet<(Agent, String)> = BTreeSet::new();
    for entry in watched.iter().filter(|entry| entry.exact) {
        if let Some(session) = &entry.session {
            claimed.insert((entry.agent, session.clone()));
            found.insert(entry.pane, (session.clone(), None));
        }
    }
    // Claude's live-session files name the session of a process exactly.
    for entry in watched.iter().filter(|entry| !entry.exact) {
        if entry.agent == Agent::Claude
            && let Some(session) = claude_live_session(roots, entry.pid)
            && claimed.insert((entry.agent, session.clone()))
        {
            found.insert(entry.pane, (session, Some(Link::LiveFile)));
        }
    }
    let mut pending: Vec<&Watched> = watched
        .iter()
        .filter(|entry| !entry.exact && !found.contains_key(&entry.pane))
        .collect();
    pending.sort_by_key(|entry| (entry.started_ms, entry.pane));
    for entry in pending {
        let Some(cwd) = &entry.cwd else { continue };
        // A guess stays put once made (and costs no more scans).
        let guessed = seen
            .get(&(entry.pane, entry.pid))
            .and_then(|state| Some((state.session.clone()?, state.link?)))
            .filter(|(session, link)| {
                *link == Link::Transcript && !claimed.contains(&(entry.agent, session.clone()))
            });
        if let Some((session, link)) = guessed {
            claimed.insert((entry.agent, session.clone()));
            found.insert(entry.pane, (session, Some(link)));
            continue;
        }
        // Only files written since the agent started can be its own.
        let candidates =
            live::transcripts_of_dir(roots, entry.agent, cwd, entry.started_ms - START_SLACK_MS);
        // A resumed session keeps its id while its file grows after the process started;
        // an agent that copied the history into a new file is found as a new transcript.
        let started_after = |t: &live::LiveTranscript| {
            t.started_ms + START_SLACK_MS >= entry.started_ms
                && !claimed.contains(&(entry.agent, t.session.clone()))
        };
        let mut newest_first: Vec<&live::LiveTranscript> =
            candidates.iter().filter(|t| started_after(t)).collect();
        // The oldest of the new ones goes to the earliest process.
        newest_first.reverse();
        let chosen = newest_first
            .first()
            .map(|t| (t.session.clone(), Link::Transcript));
        let kept = entry
            .session
            .as_ref()
            .filter(|session| !claimed.contains(&(entry.agent, (*session).clone())))
            .map(|session| (session.clone(), Link::Resumed));
        // A resumed id may still move to a new file.
        if let Some((session, link)) = chosen.or(kept) {
            claimed.insert((entry.agent, session.clone()));
            found.insert(entry.pane, (session, Some(link)));
        }
    }
    found
}

/// Reads the pane's transcript again if it changed; the report to send, if any.
fn look(roots: &SessionRoots, entry: &Watched, state: &mut Seen) -> Option<Report> {
    let session = state.session.clone()?;
    let missing = state.path.as_ref().is_none_or(|path| !path.exists());
    let searched_lately = state
        .missed_at
        .is_some_and(|at| at.elapsed() < SEARCH_AGAIN);
    if missing && !searched_lately {
        state.path = live::find_transcript(roots, entry.agent, &session);
        state.missed_at = state.path.is_none().then(Instant::now);
        state.stamp = None;
    } else if missing {
        state.path = None;
    }
    let Some(path) = state.path.clone() else {
        return Some(Report {
            pane: entry.pane,
            pid: entry.pid,
            session: Some(session),
            link: state.link,
            tail: None,
            title: None,
            has_transcript: false,
            usage: None,
        });
    };
    let stamp = std::fs::metadata(&path)
        .ok()
        .and_then(|metadata| Some((metadata.len(), metadata.modified().ok()?)));
    if stamp.is_some() && stamp == state.stamp {
        return state.report.clone();
    }
    state.stamp = stamp;
    Some(Report {
        pane: entry.pane,
        pid: entry.pid,
        session: Some(session),
        link: state.link,
        tail: live::tail_state(entry.agent, &path),
        title: live::first_prompt(entry.agent, &path),
        has_transcript: true,
        usage: None,
    })
}

/// The session of Claude process `pid`, from `<root>/sessions/<pid>.json`.
fn claude_live_session(roots: &SessionRoots, pid: i32) -> Option<String> {
    let root: &Path = roots.claude.as_deref()?;
    let text = std::fs::read_to_string(root.join("sessions").join(format!("{pid}.json"))).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value
        .get("sessionId")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transcript whose first line is `after_t0_ms` after [`t0`] (negative: before).
    fn claude_file(base: &Path, cwd: &str, session: &str, after_t0_ms: i64) {
        let at = chrono::DateTime::from_timestamp_millis(t0() + after_t0_ms)
            .expect("a time")
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let encoded: String = cwd
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let dir = base.join("claude/projects").join(encoded);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join(format!("{session}.jsonl")),
            format!(
                r#"{{"type":"user","sessionId":"{session}","cwd":"{cwd}","timestamp":"{at}","message":{{"content":"hi"}}}}"#
            ) + "\n",
        )
        .expect("write");
    }

    fn roots(base: &Path) -> SessionRoots {
        SessionRoots {
            claude: Some(base.join("claude")),
            codex: None,
            gemini: None,
        }
    }

    fn watched(pane: u64, pid: i32, started_ms: i64, cwd: &str) -> Watched {
        Watched {
            pane: PaneId(pane),
            agent: Agent::Claude,
            pid,
            started_ms,
            cwd: Some(cwd.into()),
            session: None,
            exact: false,
        }
    }

    /// When the agents of the tests started: a minute ago (the files written now count as
    /// changed after it, whatever the clock says).
    fn t0() -> i64 {
        spaces_store::unix_millis() - 60_000
    }

    #[test]
    fn two_panes_starting_in_one_directory_get_one_session_each() {
        let base = tempfile::tempdir().expect("tempdir");
        let roots = roots(base.path());
        let t0 = t0();
        claude_file(base.path(), "/w/app", "older", -3_600_000);
        claude_file(base.path(), "/w/app", "first", 300);
        claude_file(base.path(), "/w/app", "second", 600);
        let panes = [
            watched(2, 200, t0 + 100, "/w/app"),
            watched(1, 100, t0, "/w/app"),
        ];
        let found = resolve_links(&roots, &panes, &BTreeMap::new());
        assert_eq!(found[&PaneId(1)].0, "first");
        assert_eq!(found[&PaneId(2)].0, "second");
        // A third pane finds nothing left to claim: the old session is not guessed.
        let third = [
            panes[0].clone(),
            panes[1].clone(),
            watched(3, 300, t0 + 200, "/w/app"),
        ];
        let found = resolve_links(&roots, &third, &BTreeMap::new());
        assert!(!found.contains_key(&PaneId(3)), "{found:?}");
    }

    #[test]
    fn exact_links_are_kept_and_never_claimed_twice() {
        let base = tempfile::tempdir().expect("tempdir");
        let roots = roots(base.path());
        let t0 = t0();
        claude_file(base.path(), "/w/app", "chosen", 300);
        let mut exact = watched(1, 100, t0, "/w/app");
        exact.session = Some("chosen".into());
        exact.exact = true;
        let guess = watched(2, 200, t0, "/w/app");
        let found = resolve_links(&roots, &[exact, guess], &BTreeMap::new());
        assert_eq!(found[&PaneId(1)], ("chosen".into(), None));
        assert!(!found.contains_key(&PaneId(2)));
    }

    #[test]
    fn a_resumed_session_copied_into_a_new_file_is_followed() {
        let base = tempfile::tempdir().expect("tempdir");
        let roots = roots(base.path());
        let t0 = t0();
        claude_file(base.path(), "/w/app", "old-id", -3_600_000);
        let mut resumed = watched(1, 100, t0, "/w/app");
        resumed.session = Some("old-id".into());
        // Before the agent writes anything new, the named session stands.
        let found = resolve_links(&roots, std::slice::from_ref(&resumed), &BTreeMap::new());
        assert_eq!(found[&PaneId(1)], ("old-id".into(), Some(Link::Resumed)));
        // The agent copied the history into a new file: that one is the pane's now.
        claude_file(base.path(), "/w/app", "new-id", 1000);
        let found = resolve_links(&roots, &[resumed], &BTreeMap::new());
        assert_eq!(found[&PaneId(1)], ("new-id".into(), Some(Link::Transcript)));
    }

    #[test]
    fn claude_live_session_files_link_exactly() {
        let base = tempfile::tempdir().expect("tempdir");
        let roots = roots(base.path());
        let t0 = t0();
        claude_file(base.path(), "/w/app", "by-time", 300);
        let sessions = base.path().join("claude/sessions");
        std::fs::create_dir_all(&sessions).expect("mkdir");
        std::fs::write(
            sessions.join("100.json"),
            r#"{"pid":100,"sessionId":"by-pid","cwd":"/w/app","status":"idle"}"#,
        )
        .expect("write");
        let found = resolve_links(
            &roots,
            &[watched(1, 100, t0, "/w/app"), watched(2, 200, t0, "/w/app")],
            &BTreeMap::new(),
        );
        assert_eq!(found[&PaneId(1)], ("by-pid".into(), Some(Link::LiveFile)));
        assert_eq!(found[&PaneId(2)].0, "by-time");
    }
}
