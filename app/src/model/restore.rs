//! Bringing panes back after a restart: the newest snapshot of each pane plus a replay of the
//! output recorded after it, into a terminal whose events are swallowed, then a divider and a
//! fresh shell in the pane's last working directory.

use std::path::PathBuf;

use spaces_store::sessions::{Agent, SessionRoots, live};
use spaces_store::{Database, OutputChunk, PaneRecord, SnapshotRecord};
use spaces_term::replay::{Replayer, reset_for_new_process};
use spaces_term::{SpawnOptions, Term, TermSize};

/// Most output replayed for one pane. Past this (a pane that printed for a long time without
/// a usable snapshot) only the newest output is replayed, so a restore stays quick.
const MAX_REPLAY_BYTES: u64 = 64 * 1024 * 1024;

/// What a restored pane does about its agent's conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentResume {
    /// Run this in the pane's new shell (or offer it, per the settings).
    Resume(Vec<String>),
    /// Why it cannot be resumed, for a banner.
    Problem(String),
}

/// How restored panes treat their agents' conversations.
#[derive(Clone, Debug, Default)]
pub struct ResumePolicy {
    /// Where the agents keep their transcripts (to check the conversation is still there).
    pub roots: SessionRoots,
    /// Resume by itself (else offer it in the pane's banner).
    pub automatic: bool,
}

/// Everything needed to bring one pane back, read before the window shows.
pub struct RestorePlan {
    pub record: PaneRecord,
    snapshot: Option<SnapshotRecord>,
    tail: Vec<OutputChunk>,
    /// Where the pane's stream ended: the new process continues from here.
    pub end_offset: u64,
    /// When the pane last printed (or was last saved), for the divider.
    last_activity_ms: i64,
    /// Variables the new process gets (its workspace's environment), set by the caller.
    pub env: Vec<(String, String)>,
}

impl RestorePlan {
    /// Reads the snapshot and the output after it for `record`.
    pub fn load(database: &Database, record: PaneRecord) -> spaces_store::Result<Self> {
        let pane = record.id;
        let totals = database.output_range_total(pane)?;
        let end = totals.end_offset;
        let mut snapshot = database.latest_snapshot(pane)?;
        let start = snapshot
            .as_ref()
            .map_or(totals.first_offset, |s| s.output_offset);
        let mut from = start;
        if end.saturating_sub(start) > MAX_REPLAY_BYTES {
            // Too much to replay: start from the newest output only, at a line boundary.
            snapshot = None;
            from = end - MAX_REPLAY_BYTES;
        }
        let mut tail = database.output_since(pane, from)?;
        if snapshot.is_none()
            && from > totals.first_offset
            && let Some(first) = tail.first_mut()
            && let Some(newline) = first.bytes.iter().position(|&b| b == b'\n')
        {
            first.bytes.drain(..=newline);
        }
        let last_activity_ms = tail
            .last()
            .map(|chunk| chunk.created_at_ms)
            .into_iter()
            .chain(snapshot.as_ref().map(|s| s.created_at_ms))
            .chain(Some(record.updated_at_ms))
            .max()
            .unwrap_or(record.updated_at_ms);
        Ok(Self {
            record,
            snapshot,
            tail,
            end_offset: end,
            last_activity_ms,
            env: Vec::new(),
        })
    }

    /// How the new process starts: the default command of new panes (the login shell) in
    /// the pane's last directory.
    pub fn spawn_options(&self, base: SpawnOptions) -> SpawnOptions {
        let cwd = PathBuf::from(&self.record.cwd);
        SpawnOptions {
            cwd: cwd.is_dir().then_some(cwd),
            size: TermSize::new(self.record.cols, self.record.rows),
            initial_offset: self.end_offset,
            env: base.env.iter().chain(&self.env).cloned().collect(),
            ..base
        }
    }

    /// The command the pane ran when it was saved, if it was not a plain shell: offered to
    /// the user again, never re-run by itself. An agent CLI is offered its resume form.
    pub fn rerun_offer(&self) -> Option<Vec<String>> {
        (!self.record.is_shell && !self.record.command.is_empty())
            .then(|| super::agent_command::rerun_command(&self.record.command))
    }

    /// What becomes of the conversation of the agent the pane ran when it was saved (`None`
    /// when it ran none, or its session was never linked): its resume command, or why it
    /// cannot be resumed (the agent deleted it, the CLI or the directory is gone).
    pub fn agent_resume(&self, roots: &SessionRoots) -> Option<AgentResume> {
        if self.record.is_shell {
            return None;
        }
        let agent = Agent::from_name(self.record.agent_kind.as_deref()?)?;
        let session = self.record.agent_session.as_deref()?;
        let argv = super::agent_command::resume_command(&self.record.command, agent, session);
        if live::find_transcript(roots, agent, session).is_none() {
            return Some(AgentResume::Problem(format!(
                "{agent}'s conversation {session} was not resumed: it is gone (the agent deleted it, or nothing was ever sent in it)"
            )));
        }
        if let Err(problem) = super::sessions::check_resumable(&argv, Some(&self.record.cwd)) {
            return Some(AgentResume::Problem(format!(
                "{agent}'s conversation {session} was not resumed: {problem}"
            )));
        }
        Some(AgentResume::Resume(argv))
    }

    /// Fills `term` with the pane's old screen and scrollback. Runs with the terminal's
    /// events muted: queries in the old output are never answered. Returns the bytes that
    /// mark the restore point (modes reset, a new line, the divider), already applied, for
    /// the pane to lead its stream with (`Terminal::lead_with`).
    pub fn replay_into(&self, term: &mut Term) -> Vec<u8> {
        let size = TermSize::new(self.record.cols, self.record.rows);
        if let Some(snapshot) = &self.snapshot
            && let Err(error) = spaces_term::snapshot::restore_into(term, &snapshot.data)
        {
            tracing::warn!(pane = self.record.id.0, %error, "snapshot unreadable; replaying output only");
        }
        let mut replayer = Replayer::default();
        for chunk in &self.tail {
            replayer.feed(term, &chunk.bytes);
        }
        replayer.finish(term);
        term.resize(size);
        let mut marker = reset_for_new_process(term);
        let divider = divider_line(self.last_activity_ms, usize::from(size.cols));
        spaces_term::replay::replay_bytes(term, divider.as_bytes());
        marker.extend_from_slice(divider.as_bytes());
        marker
    }

    pub fn pane(&self) -> spaces_term::PaneId {
        crate::model::persistence::pane_id(self.record.id)
    }
}

/// Loads the plans of every pane in `records`, reporting the ones that failed.
pub fn load_plans(
    database: &Database,
    records: Vec<PaneRecord>,
    notices: &mut Vec<super::Notice>,
) -> Vec<RestorePlan> {
    let mut plans = Vec::with_capacity(records.len());
    for record in records {
        let id = record.id;
        match RestorePlan::load(database, record) {
            Ok(plan) => plans.push(plan),
            Err(error) => notices.push(super::Notice::error(format!(
                "could not restore pane {id}: {error}"
            ))),
        }
    }
    plans
}

/// A dim rule with the time the pane's history ends, e.g. `── restored from 2026-11-22 14:03 ──`.
fn divider_line(at_ms: i64, cols: usize) -> String {
    let when = chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|utc| {
            utc.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "an earlier session".to_owned());
    let label = format!(" restored from {when} ");
    let side = cols.saturating_sub(label.chars().count()) / 2;
    let rule = "─".repeat(side.min(40));
    format!("\x1b[2m{rule}{label}{rule}\x1b[0m\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(command: &[&str], agent: Option<(&str, &str)>, cwd: &str) -> RestorePlan {
        let mut record = PaneRecord::new_shell(
            spaces_store::PaneId(1),
            spaces_store::WorkspaceId(1),
            cwd,
            80,
            24,
        );
        record.is_shell = command.is_empty();
        record.command = command.iter().map(|arg| (*arg).to_owned()).collect();
        record.agent_kind = agent.map(|(kind, _)| kind.to_owned());
        record.agent_session = agent.map(|(_, session)| session.to_owned());
        RestorePlan {
            record,
            snapshot: None,
            tail: Vec::new(),
            end_offset: 0,
            last_activity_ms: 0,
            env: Vec::new(),
        }
    }

    #[test]
    fn a_linked_agent_resumes_its_own_session_or_says_why_not() {
        let base = tempfile::tempdir().expect("tempdir");
        let cwd = base.path().join("web");
        std::fs::create_dir_all(&cwd).expect("mkdir");
        let cwd = cwd.to_str().expect("utf-8");
        let roots = SessionRoots {
            claude: Some(base.path().join("claude")),
            codex: None,
            gemini: None,
        };
        let transcript = base.path().join("claude/projects/-web/s1.jsonl");
        std::fs::create_dir_all(transcript.parent().expect("parent")).expect("mkdir");
        std::fs::write(&transcript, "{}\n").expect("write");

        // A plain shell, or an agent never linked: nothing to resume.
        assert_eq!(plan(&[], None, cwd).agent_resume(&roots), None);
        assert_eq!(plan(&["claude"], None, cwd).agent_resume(&roots), None);
        // Linked: the same program, resuming the linked session.
        let linked = plan(&["/bin/sh", "/x/claude"], Some(("claude", "s1")), cwd);
        assert_eq!(
            linked.agent_resume(&roots),
            Some(AgentResume::Resume(
                ["/bin/sh", "/x/claude", "--resume", "s1"]
                    .map(String::from)
                    .to_vec()
            ))
        );
        // The agent deleted the conversation.
        let gone = plan(&["/bin/sh", "/x/claude"], Some(("claude", "s2")), cwd);
        assert!(
            matches!(gone.agent_resume(&roots), Some(AgentResume::Problem(p)) if p.contains("s2") && p.contains("gone"))
        );
        // The CLI is gone.
        let no_cli = plan(&["/nonexistent/claude"], Some(("claude", "s1")), cwd);
        assert!(
            matches!(no_cli.agent_resume(&roots), Some(AgentResume::Problem(p)) if p.contains("not on PATH"))
        );
        // The directory is gone.
        let no_dir = plan(
            &["/bin/sh", "/x/claude"],
            Some(("claude", "s1")),
            "/nonexistent/dir",
        );
        assert!(
            matches!(no_dir.agent_resume(&roots), Some(AgentResume::Problem(p)) if p.contains("no longer exists"))
        );
    }
}
