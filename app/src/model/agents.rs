//! Agents in panes: which agent CLI each pane runs, which conversation it is (the "link"),
//! and whether the agent is working, waiting for the user, idle or gone.
//!
//! The link is found exactly where possible and never guessed twice:
//! 1. the command line names the session (`claude --session-id X`, which Spaces passes when it
//!    starts an agent, or `--resume X`);
//! 2. the agents' hooks (`spaces hooks install`) report it, with the pane from `SPACES_PANE_ID`
//!    (Codex: by thread id and directory, its hooks run in a shared daemon);
//! 3. otherwise the watcher thread ([`watcher`]) finds it: Claude's live-session file for the
//!    process, else the newest transcript of the pane's directory started after the process,
//!    each session to one pane.
//!
//! States come from hook events when the pane's agent sends them, else from the transcript's
//! last lines together with the pane's output going quiet.

pub mod hook_config;
pub mod hook_event;
pub mod notifications;
pub mod watcher;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use spaces_store::sessions::live::TailState;
use spaces_store::sessions::{Agent, SessionRoots};
use spaces_term::PaneId;

use self::hook_event::{HookEvent, HookProblem};
use self::watcher::{Report, Watched, Watcher};
use super::Panes;
use super::agent_command::{NamedSession, agent_of, named_session};

/// Output quiet this long turns "answered" into idle and a pending tool into a permission
/// prompt (a working agent animates its spinner).
const QUIET: Duration = Duration::from_millis(1500);
/// More hook events than this in one second are dropped (and counted).
const MAX_EVENTS_PER_SECOND: u32 = 200;

/// What an agent is doing. Serialized as `"working"`, `"waiting"`, `"idle"`, `"exited"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentState {
    Working,
    /// Waiting for the user: a question, or a permission prompt.
    Waiting,
    /// Finished its turn.
    Idle,
    Exited,
}

impl AgentState {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Working => "working",
            AgentState::Waiting => "waiting",
            AgentState::Idle => "idle",
            AgentState::Exited => "exited",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            AgentState::Working,
            AgentState::Waiting,
            AgentState::Idle,
            AgentState::Exited,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }
}

/// How a pane's session was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// The command line chose a new id (`--session-id`).
    Chosen,
    /// A hook event named it.
    Hook,
    /// Claude's live-session file for the pane's process.
    LiveFile,
    /// The command line resumes it (the agent may still copy it into a new file).
    Resumed,
    /// The newest transcript of the pane's directory after the agent started.
    Transcript,
}

impl Link {
    /// Links nothing later may replace (a hook still may).
    fn is_exact(self) -> bool {
        matches!(self, Link::Chosen | Link::Hook | Link::LiveFile)
    }
}

/// The agent running in one pane.
#[derive(Clone, Debug)]
pub struct PaneAgent {
    pub agent: Agent,
    pub session: Option<String>,
    pub link: Option<Link>,
    /// The conversation's first prompt, short.
    pub title: Option<String>,
    /// Its tokens and cost so far.
    pub usage: Option<spaces_store::usage::UsageFigures>,
    pub state: AgentState,
    /// The agent's process (its process group leader in the pane).
    pid: i32,
    started_ms: i64,
    /// The last state a hook reported: once an agent sends hooks, they decide its state.
    hook_state: Option<AgentState>,
    tail: Option<TailState>,
    /// When the pane last printed, and how much it had printed then.
    output: (u64, Instant),
}

impl PaneAgent {
    fn new(agent: Agent, pid: i32, argv: &[String], printed: u64) -> Self {
        let (session, link) = match named_session(argv) {
            Some(NamedSession::Chosen(id)) => (Some(id), Some(Link::Chosen)),
            Some(NamedSession::Resumed(id)) => (Some(id), Some(Link::Resumed)),
            None => (None, None),
        };
        Self {
            agent,
            session,
            link,
            title: None,
            usage: None,
            state: AgentState::Idle,
            pid,
            started_ms: process_started_ms(pid).unwrap_or_else(spaces_store::unix_millis),
            hook_state: None,
            tail: None,
            output: (printed, Instant::now()),
        }
    }

    /// Whether the pane runs the agent still (its record keeps the link only then).
    pub fn is_running(&self) -> bool {
        self.state != AgentState::Exited
    }

    /// The state from what is known now: hooks win, else the transcript and the output.
    fn current_state(&self, now: Instant) -> AgentState {
        if self.state == AgentState::Exited {
            return AgentState::Exited;
        }
        if let Some(state) = self.hook_state {
            return state;
        }
        let quiet = now.duration_since(self.output.1) >= QUIET;
        match self.tail {
            None => AgentState::Idle,
            Some(TailState::Prompted) => AgentState::Working,
            Some(TailState::ApprovalAsked) => AgentState::Waiting,
            Some(TailState::ToolPending) if quiet => AgentState::Waiting,
            Some(TailState::Answered { asks: true } | TailState::TurnDone { asks: true })
                if quiet =>
            {
                AgentState::Waiting
            }
            Some(TailState::Answered { .. }) if quiet => AgentState::Idle,
            Some(TailState::TurnDone { .. }) => AgentState::Idle,
            Some(TailState::ToolPending | TailState::Answered { .. }) => AgentState::Working,
        }
    }

    /// Takes the state that what is known now gives; whether the agent has just started
    /// waiting.
    fn settle(&mut self, now: Instant) -> bool {
        let state = self.current_state(now);
        let started_waiting = state != self.state && state == AgentState::Waiting;
        self.state = state;
        started_waiting
    }

    /// Whether the state may change by time alone (output going quiet).
    fn waits_for_quiet(&self) -> bool {
        self.hook_state.is_none()
            && self.state == AgentState::Working
            && matches!(
                self.tail,
                Some(TailState::ToolPending | TailState::Answered { .. })
            )
    }
}

/// Hook events taken and ignored, by reason, for `spaces cli status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookCounts {
    pub accepted: u64,
    /// Ignored events by reason ("malformed", "unknown pane"...).
    pub ignored: BTreeMap<String, u64>,
}

/// The model's side of agents: the watcher thread and what hooks reported.
pub struct Agents {
    watcher: Option<Watcher>,
    counts: HookCounts,
    /// Events taken in the current second, for the flood limit.
    second: (Instant, u32),
    /// Panes whose agent started waiting since the last call to `take_newly_waiting`.
    newly_waiting: Vec<PaneId>,
}

impl Agents {
    /// Starts the watcher on the agents' folders (`None`: no watcher, hooks and command
    /// lines only), reading sessions' tokens and cost from `usage` when given.
    pub fn start(
        roots: Option<SessionRoots>,
        usage: Option<watcher::UsageSource>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let watcher = roots.and_then(|roots| match Watcher::start(roots, usage, wake) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                tracing::warn!(%error, "the agent watcher did not start");
                None
            }
        });
        Self {
            watcher,
            counts: HookCounts::default(),
            second: (Instant::now(), 0),
            newly_waiting: Vec::new(),
        }
    }

    /// Brings every pane's agent up to date: which agent runs (from its foreground process),
    /// what the watcher found, and the state. Cheap: call it every frame. Returns when the
    /// state may change by time alone, for the window to look again then.
    pub fn update(&mut self, panes: &mut Panes) -> Option<Duration> {
        let now = Instant::now();
        let mut watch = Vec::new();
        for (&id, pane) in panes.iter_mut() {
            let printed = pane.terminal.bytes_read();
            let running = pane
                .process
                .as_ref()
                .and_then(|process| Some((agent_of(&process.argv)?, process)));
            match running {
                Some((agent, process)) => {
                    let same = pane
                        .agent
                        .as_ref()
                        .is_some_and(|known| known.pid == process.pid && known.agent == agent);
                    if !same {
                        pane.agent =
                            Some(PaneAgent::new(agent, process.pid, &process.argv, printed));
                        pane.resume_pending_until = None;
                    }
                }
                None => {
                    // Back at the shell (or another program): the agent has gone.
                    let gone = pane.process.is_some() || pane.terminal.exit_info().is_some();
                    if let Some(known) = pane.agent.as_mut().filter(|_| gone) {
                        known.state = AgentState::Exited;
                    }
                }
            }
            let cwd = pane.cwd();
            let Some(known) = pane.agent.as_mut() else {
                continue;
            };
            if printed != known.output.0 {
                known.output = (printed, now);
            }
            if known.is_running() {
                watch.push(Watched {
                    pane: id,
                    agent: known.agent,
                    pid: known.pid,
                    started_ms: known.started_ms,
                    cwd,
                    session: known.session.clone(),
                    exact: known.link.is_some_and(Link::is_exact),
                });
            }
        }
        if let Some(watcher) = &mut self.watcher {
            while let Ok(report) = watcher.reports.try_recv() {
                apply_report(panes, report);
            }
            watcher.watch(watch);
        }
        let mut recheck = None;
        for (&id, pane) in panes.iter_mut() {
            let Some(known) = pane.agent.as_mut() else {
                continue;
            };
            if known.settle(now) {
                self.newly_waiting.push(id);
            }
            if known.waits_for_quiet() {
                let left = QUIET.saturating_sub(now.duration_since(known.output.1));
                recheck = Some(recheck.map_or(left, |at: Duration| at.min(left)));
            }
        }
        recheck.map(|left| left + Duration::from_millis(20))
    }

    /// Takes one hook event from `spaces hooks event`: `pane` is the `SPACES_PANE_ID` it ran
    /// with (ignored for Codex, whose hooks run in a shared daemon).
    pub fn hook_event(
        &mut self,
        panes: &mut Panes,
        agent: Agent,
        pane: Option<PaneId>,
        payload: &str,
    ) -> Result<PaneId, HookProblem> {
        let outcome = self.take_event(panes, agent, pane, payload);
        match &outcome {
            Ok(_) => self.counts.accepted += 1,
            Err(problem) => {
                tracing::debug!(?problem, "hook event ignored");
                *self
                    .counts
                    .ignored
                    .entry(problem.counter().to_owned())
                    .or_default() += 1;
            }
        }
        outcome
    }

    fn take_event(
        &mut self,
        panes: &mut Panes,
        agent: Agent,
        pane: Option<PaneId>,
        payload: &str,
    ) -> Result<PaneId, HookProblem> {
        let now = Instant::now();
        if now.duration_since(self.second.0) >= Duration::from_secs(1) {
            self.second = (now, 0);
        }
        self.second.1 += 1;
        if self.second.1 > MAX_EVENTS_PER_SECOND {
            return Err(HookProblem::Flood);
        }
        let event = hook_event::parse(agent, payload)?;
        let target = match agent {
            Agent::Codex => codex_pane(panes, &event).ok_or(HookProblem::Unmatched)?,
            Agent::Claude | Agent::Gemini => {
                let pane = pane.ok_or(HookProblem::UnknownPane)?;
                if panes.get(pane).is_none() {
                    return Err(HookProblem::UnknownPane);
                }
                pane
            }
        };
        // Never a second pane on one session.
        let held_elsewhere = panes.iter_mut().any(|(&id, other)| {
            id != target
                && other.agent.as_ref().is_some_and(|known| {
                    known.is_running()
                        && known.agent == agent
                        && known.link.is_some_and(Link::is_exact)
                        && known.session.as_deref() == Some(&event.session)
                })
        });
        if held_elsewhere {
            return Err(HookProblem::Unmatched);
        }
        let entry = panes.get_mut(target).ok_or(HookProblem::UnknownPane)?;
        let printed = entry.terminal.bytes_read();
        let pid = entry.process.as_ref().map_or(0, |process| process.pid);
        let known = entry
            .agent
            .get_or_insert_with(|| PaneAgent::new(agent, pid, &[], printed));
        if known.agent != agent {
            *known = PaneAgent::new(agent, pid, &[], printed);
        }
        if known.session.as_deref() != Some(&event.session) {
            known.title = None;
            known.tail = None;
            known.usage = None;
        }
        known.session = Some(event.session.clone());
        known.link = Some(Link::Hook);
        known.hook_state = Some(event.state);
        if known.settle(now) {
            self.newly_waiting.push(target);
        }
        Ok(target)
    }

    /// Panes whose agent started waiting since the last call (for notifications).
    pub fn take_newly_waiting(&mut self) -> Vec<PaneId> {
        std::mem::take(&mut self.newly_waiting)
    }

    pub fn counts(&self) -> &HookCounts {
        &self.counts
    }
}

/// The Codex pane an event is for: the one linked to its thread, else the only Codex pane
/// in its directory without an exact link.
fn codex_pane(panes: &mut Panes, event: &HookEvent) -> Option<PaneId> {
    let mut by_dir = Vec::new();
    for (&id, pane) in panes.iter_mut() {
        let Some(known) = pane
            .agent
            .as_ref()
            .filter(|known| known.agent == Agent::Codex && known.is_running())
        else {
            continue;
        };
        if known.session.as_deref() == Some(&event.session) {
            return Some(id);
        }
        let exact = known.link.is_some_and(Link::is_exact);
        if !exact && event.cwd.is_some() && pane.cwd() == event.cwd {
            by_dir.push(id);
        }
    }
    match by_dir.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

fn apply_report(panes: &mut Panes, report: Report) {
    let Some(known) = panes
        .get_mut(report.pane)
        .and_then(|pane| pane.agent.as_mut())
        .filter(|known| known.pid == report.pid && known.is_running())
    else {
        return;
    };
    let exact = known.link.is_some_and(Link::is_exact);
    if let Some(link) = report.link
        && !exact
    {
        known.session = report.session.clone();
        known.link = Some(link);
    }
    if known.session == report.session {
        known.tail = report.tail;
        known.usage = report.usage;
        known.title = report.title.or(known.title.take());
    }
}

/// When process `pid` started, in ms since the epoch (`/proc/<pid>/stat` field 22, in clock
/// ticks after boot; Linux's tick is 100 Hz on every architecture Spaces runs on).
fn process_started_ms(pid: i32) -> Option<i64> {
    const TICKS_PER_SECOND: i64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name may hold spaces and parentheses: fields count from the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let ticks: i64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    let boot_seconds: i64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())?;
    Some(boot_seconds * 1000 + ticks * 1000 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_started_before_now() {
        let started = process_started_ms(i32::try_from(std::process::id()).expect("pid"))
            .expect("start time");
        let now = spaces_store::unix_millis();
        assert!(
            started <= now + 1000 && started > now - 3_600_000,
            "{started} vs {now}"
        );
    }

    fn agent_with(tail: Option<TailState>, quiet: bool) -> PaneAgent {
        let mut agent = PaneAgent::new(Agent::Claude, 0, &[], 0);
        agent.tail = tail;
        if quiet {
            agent.output.1 = Instant::now() - QUIET - Duration::from_millis(1);
        }
        agent
    }

    #[test]
    fn states_from_the_transcript_and_the_output() {
        use AgentState::{Idle, Waiting, Working};
        let cases = [
            (None, false, Idle),
            (Some(TailState::Prompted), true, Working),
            (Some(TailState::ToolPending), false, Working),
            (Some(TailState::ToolPending), true, Waiting),
            (Some(TailState::Answered { asks: false }), false, Working),
            (Some(TailState::Answered { asks: false }), true, Idle),
            (Some(TailState::Answered { asks: true }), true, Waiting),
            (Some(TailState::TurnDone { asks: false }), false, Idle),
            (Some(TailState::TurnDone { asks: true }), true, Waiting),
            (Some(TailState::ApprovalAsked), false, Waiting),
        ];
        for (tail, quiet, expected) in cases {
            let agent = agent_with(tail, quiet);
            assert_eq!(
                agent.current_state(Instant::now()),
                expected,
                "{tail:?} quiet={quiet}"
            );
        }
    }

    #[test]
    fn hooks_decide_once_they_speak() {
        let mut agent = agent_with(Some(TailState::Prompted), false);
        agent.hook_state = Some(AgentState::Waiting);
        assert_eq!(agent.current_state(Instant::now()), AgentState::Waiting);
        agent.state = AgentState::Exited;
        assert_eq!(agent.current_state(Instant::now()), AgentState::Exited);
    }
}
