//! A live pane as the store keeps it: the record that lets a restart bring it back.

use spaces_store::{PaneRecord, WorkspaceId};
use spaces_term::{PaneId, SpawnOptions};

use crate::model::Pane;
use crate::model::persistence::store_id;

/// The record of a pane about to start.
pub fn new_record(pane: PaneId, options: &SpawnOptions, workspace: WorkspaceId) -> PaneRecord {
    let cwd = options
        .cwd
        .clone()
        .or_else(|| std::env::var_os("HOME").map(Into::into))
        .map(|dir| dir.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut record = PaneRecord::new_shell(
        store_id(pane),
        workspace,
        &cwd,
        options.size.cols,
        options.size.rows,
    );
    if !options.command.is_empty() {
        record.is_shell = false;
        record.command = options.command.clone();
    }
    record
}

/// The record of a running pane as it is now.
pub fn current_record(pane: PaneId, entry: &Pane) -> PaneRecord {
    let workspace = entry.workspace;
    let size = entry.terminal.size();
    let cwd = entry
        .cwd()
        .map(|dir| dir.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut record = match &entry.saved {
        Some(saved) => saved.clone(),
        None => PaneRecord::new_shell(store_id(pane), workspace, &cwd, size.cols, size.rows),
    };
    record.workspace_id = workspace;
    record.cwd = cwd;
    record.cols = size.cols;
    record.rows = size.rows;
    record.title = entry.title();
    let resuming = entry.agent.is_none()
        && entry
            .resume_pending_until
            .is_some_and(|until| std::time::Instant::now() < until);
    if resuming {
        // The restored agent has not started yet: keep what the saved record says it ran.
        record.updated_at_ms = spaces_store::unix_millis();
        return record;
    }
    match entry.foreground_command() {
        Some(command) => {
            record.is_shell = false;
            record.command = command;
        }
        None => {
            record.is_shell = true;
            record.command = Vec::new();
        }
    }
    // The conversation is kept while its agent runs: a restart resumes it.
    match entry.agent.as_ref().filter(|agent| agent.is_running()) {
        Some(agent) => {
            record.agent_kind = Some(agent.agent.as_str().to_owned());
            record.agent_session = agent.session.clone();
        }
        None => {
            record.agent_kind = None;
            record.agent_session = None;
        }
    }
    record.updated_at_ms = spaces_store::unix_millis();
    record
}

/// Whether `new` differs from what was saved in anything but its timestamp.
pub fn changed(saved: Option<&PaneRecord>, new: &PaneRecord) -> bool {
    match saved {
        Some(saved) => {
            let mut same_time = new.clone();
            same_time.updated_at_ms = saved.updated_at_ms;
            same_time != *saved
        }
        None => true,
    }
}

/// An argv as one shell command line, quoting what needs it.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_join_quotes_only_what_needs_it() {
        let argv = ["npm", "run", "dev server", "it's"].map(String::from);
        assert_eq!(shell_join(&argv), r"npm run 'dev server' 'it'\''s'");
    }

    #[test]
    fn timestamps_alone_are_not_a_change() {
        let record = PaneRecord::new_shell(spaces_store::PaneId(1), WorkspaceId(1), "/", 80, 24);
        let mut later = record.clone();
        later.updated_at_ms += 5000;
        assert!(!changed(Some(&record), &later));
        later.cwd = "/tmp".into();
        assert!(changed(Some(&record), &later));
        assert!(changed(None, &later));
    }
}
