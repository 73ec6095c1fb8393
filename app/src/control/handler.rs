//! Carries out control-socket requests against the window's state (on the UI thread).

use spaces_term::PaneId;

use super::protocol::{PaneInfo, Reply, Request, SplitDirection, StatusInfo, WorkspaceInfo};
use crate::ui::app::SpacesApp;
use crate::ui::layout::Direction;

pub fn handle(app: &mut SpacesApp, request: Request) -> Reply {
    run(app, request).unwrap_or_else(Reply::Error)
}

fn run(app: &mut SpacesApp, request: Request) -> Result<Reply, String> {
    match request {
        Request::List => Ok(Reply::Panes(list(app))),
        Request::Status => Ok(Reply::Status(StatusInfo {
            notices: app.notices().iter().map(|n| n.text.clone()).collect(),
            recording_problem: app.recording_problem().map(str::to_owned),
            // Only a database this session writes to; the notices say where a read-only
            // session was restored from.
            database: app
                .saves_to_disk()
                .then(|| app.database_path().display().to_string()),
            saving: app.saves_to_disk(),
            hook_events: app.agent_counts().clone(),
        })),
        Request::HookEvent {
            agent,
            pane,
            payload,
        } => {
            let agent = spaces_store::sessions::Agent::from_name(&agent)
                .ok_or_else(|| format!("unknown agent {agent:?}"))?;
            app.hook_event(agent, pane, &payload)
                .map(|_| Reply::Done)
                .map_err(|problem| format!("hook event ignored: {problem:?}"))
        }
        Request::SendText { pane, text, paste } => {
            let pane = resolve(app, pane)?;
            let entry = app.panes().get(pane).ok_or_else(|| no_pane(pane))?;
            if paste {
                entry.paste(&text);
            } else {
                entry.terminal.write(text.into_bytes());
            }
            Ok(Reply::Pane(pane))
        }
        Request::GetText {
            pane,
            start_line,
            end_line,
        } => {
            let pane = resolve(app, pane)?;
            let entry = app.panes().get(pane).ok_or_else(|| no_pane(pane))?;
            let rows = i32::from(entry.terminal.size().rows);
            let start = start_line.unwrap_or(0);
            let end = end_line.unwrap_or(rows - 1);
            if end < start {
                return Err(format!("--end-line {end} is before --start-line {start}"));
            }
            let lines = entry
                .terminal
                .read(|term| spaces_term::text::lines(term, start, end));
            Ok(Reply::Text { pane, lines })
        }
        Request::Split {
            pane,
            direction,
            command,
            cwd,
        } => {
            let target = resolve(app, pane)?;
            let direction = match direction {
                SplitDirection::Right => Direction::Right,
                SplitDirection::Down => Direction::Down,
            };
            let new = app
                .split(Some(target), direction, command, cwd)
                .ok_or_else(|| "could not start the new pane".to_owned())?;
            Ok(Reply::Pane(new))
        }
        Request::Spawn {
            cwd,
            command,
            workspace,
        } => {
            if let Some(dir) = &cwd
                && !dir.is_dir()
            {
                return Err(format!("{} is not a directory", dir.display()));
            }
            if let Some(name) = workspace {
                let id = workspace_id(app, &name)?;
                app.switch_workspace(id)?;
            }
            let new = app
                .spawn_tab(command, cwd)
                .ok_or_else(|| "could not start the new pane".to_owned())?;
            Ok(Reply::Pane(new))
        }
        Request::Focus { pane } => {
            let pane = resolve(app, Some(pane))?;
            app.focus(pane);
            Ok(Reply::Pane(pane))
        }
        Request::Close { pane } => {
            let pane = resolve(app, Some(pane))?;
            app.close_pane(pane);
            Ok(Reply::Pane(pane))
        }
        Request::WorkspaceList => Ok(Reply::Workspaces(
            app.workspaces()
                .all()
                .iter()
                .map(|record| workspace_info(app, record.id))
                .collect(),
        )),
        Request::WorkspaceNew { name, color, root } => {
            // The root is checked first: a bad one must not leave a half-made workspace.
            let root = root
                .map(|root| crate::model::workspace_setup::check_root(&root))
                .transpose()?
                .flatten();
            let id = app.create_workspace_in(&name, color.as_deref(), root)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceRename { name, new_name } => {
            let id = workspace_id(app, &name)?;
            app.rename_workspace(id, &new_name)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceColor { name, color } => {
            let id = workspace_id(app, &name)?;
            app.recolor_workspace(id, &color)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceSwitch { name } => {
            let id = workspace_id(app, &name)?;
            app.switch_workspace(id)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceArchive { name } => {
            let id = workspace_id(app, &name)?;
            app.archive_workspace(id)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceUnarchive { name } => {
            let id = workspace_id(app, &name)?;
            app.unarchive_workspace(id)?;
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::WorkspaceDelete { name } => {
            let id = workspace_id(app, &name)?;
            let info = workspace_info(app, id);
            app.delete_workspace(id)?;
            Ok(Reply::Workspace(info))
        }
        Request::WorkspaceImported { id } => {
            let id = spaces_store::WorkspaceId(id);
            let record = spaces_store::Database::open_readonly(app.database_path())
                .and_then(|database| database.workspace(id))
                .map_err(|error| format!("could not read the imported workspace: {error}"))?
                .ok_or_else(|| "the imported workspace is not in the database".to_owned())?;
            app.adopt_workspace(record);
            Ok(Reply::Workspace(workspace_info(app, id)))
        }
        Request::Flush => {
            app.flush_recording();
            Ok(Reply::Done)
        }
        Request::IndexNow => {
            // What the panes printed so far goes to disk first: the search that asked reads
            // the database next, and must find every line printed before it.
            app.flush_recording();
            if app.wake_search_indexer() {
                Ok(Reply::Done)
            } else {
                Err("this window does not index for search (nothing of it is saved)".to_owned())
            }
        }
        Request::WorkspaceNotes { name, set } => {
            let id = workspace_id(app, &name)?;
            if let Some(text) = set {
                if text.len() > MAX_NOTES_BYTES {
                    return Err(format!(
                        "notes are limited to {} MiB",
                        MAX_NOTES_BYTES / (1024 * 1024)
                    ));
                }
                app.set_workspace_notes(id, &text);
            }
            let notes = app
                .workspaces()
                .get(id)
                .map(|record| record.notes.clone())
                .unwrap_or_default();
            Ok(Reply::Notes(notes))
        }
    }
}

/// The most notes `workspace notes --set` takes.
const MAX_NOTES_BYTES: usize = 1024 * 1024;

fn workspace_id(app: &SpacesApp, name: &str) -> Result<spaces_store::WorkspaceId, String> {
    app.workspaces()
        .by_name(name)
        .map(|record| record.id)
        .ok_or_else(|| {
            let name: String = name.chars().take(80).collect();
            format!("no workspace named {name:?} (see `spaces cli workspace list`)")
        })
}

fn workspace_info(app: &SpacesApp, id: spaces_store::WorkspaceId) -> WorkspaceInfo {
    let record = app
        .workspaces()
        .get(id)
        .cloned()
        .expect("asked about an existing workspace");
    WorkspaceInfo {
        id: record.id.0,
        panes: app.panes().ids_in(record.id).len(),
        active: app.workspaces().active_id() == record.id,
        name: record.name,
        color: record.color,
        archived: record.archived,
        root: app
            .workspaces()
            .setup(record.id)
            .and_then(|setup| setup.root.clone()),
    }
}

fn no_pane(pane: PaneId) -> String {
    format!("no pane with id {pane} (see `spaces cli list`)")
}

/// The pane a request names, or the focused one.
fn resolve(app: &SpacesApp, pane: Option<PaneId>) -> Result<PaneId, String> {
    match pane {
        Some(id) if app.panes().get(id).is_some() => Ok(id),
        Some(id) => Err(no_pane(id)),
        None => app.focused().ok_or_else(|| "no pane is focused".to_owned()),
    }
}

fn list(app: &mut SpacesApp) -> Vec<PaneInfo> {
    let focused = app.focused();
    let order = app.panes_in_order();
    let names: Vec<String> = order
        .iter()
        .map(|pane| app.workspace_name_of(*pane))
        .collect();
    for id in &order {
        if let Some(entry) = app.panes_mut().get_mut(*id) {
            entry.refresh_process(std::time::Duration::ZERO);
        }
    }
    // Which agents run, as of the processes just read.
    app.refresh_agents();
    let panes = app.panes_mut();
    let mut out = Vec::new();
    for (id, workspace) in order.into_iter().zip(names) {
        let Some(entry) = panes.get_mut(id) else {
            continue;
        };
        let agent = entry.agent.as_ref();
        let size = entry.terminal.size();
        out.push(PaneInfo {
            id,
            workspace,
            title: entry.title(),
            cwd: entry.cwd().map(|p| p.display().to_string()),
            cols: size.cols,
            rows: size.rows,
            focused: focused == Some(id),
            process: entry.process.as_ref().map(|p| p.name.clone()),
            exited: entry.terminal.exit_info().map(|e| e.to_string()),
            rerun_offer: entry
                .rerun_offer
                .as_ref()
                .map(|c| crate::model::record::shell_join(c)),
            resume_problem: entry.resume_problem.clone(),
            agent: agent.map(|agent| agent.agent.as_str().to_owned()),
            session_id: agent.and_then(|agent| agent.session.clone()),
            agent_state: agent.map(|agent| agent.state.as_str().to_owned()),
            agent_usage: agent.and_then(|agent| agent.usage),
        });
    }
    out
}
