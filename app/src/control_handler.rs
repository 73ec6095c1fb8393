//! Carries out control-socket requests against the window's state (on the UI thread).

use serde_json::{Value, json};
use spaces_term::PaneId;
use spaces_term::input::{self, InputModes};

use crate::app::SpacesApp;
use crate::control::{Reply, Request, SplitDirection};
use crate::layout::Direction;

pub fn handle(app: &mut SpacesApp, request: Request) -> Reply {
    match run(app, request) {
        Ok(value) => Reply::Ok(value),
        Err(message) => Reply::Error(message),
    }
}

fn run(app: &mut SpacesApp, request: Request) -> Result<Value, String> {
    match request {
        Request::List => Ok(list(app)),
        Request::Status => Ok(json!({
            "notices": app.notices(),
            "recording_problem": app.recording_problem(),
            // Only a database this session writes to; the notices say where a read-only
            // session was restored from.
            "database": app
                .saves_to_disk()
                .then(|| app.database_path().display().to_string()),
            "saving": app.saves_to_disk(),
        })),
        Request::SendText { pane, text, paste } => {
            let pane = resolve(app, pane)?;
            let entry = app.panes().get(pane).ok_or_else(|| no_pane(pane))?;
            let modes = InputModes::from_term_mode(*entry.terminal.term().lock().mode());
            let bytes = if paste {
                input::encode_paste(&text, modes)
            } else {
                text.into_bytes()
            };
            entry.terminal.write(bytes);
            Ok(json!({ "pane": pane.0 }))
        }
        Request::GetText {
            pane,
            start_line,
            end_line,
        } => {
            let pane = resolve(app, pane)?;
            let entry = app.panes().get(pane).ok_or_else(|| no_pane(pane))?;
            let term = entry.terminal.term().lock();
            let rows = i32::from(entry.terminal.size().rows);
            let start = start_line.unwrap_or(0);
            let end = end_line.unwrap_or(rows - 1);
            if end < start {
                return Err(format!("--end-line {end} is before --start-line {start}"));
            }
            let lines = spaces_term::text::lines(&term, start, end);
            Ok(json!({ "pane": pane.0, "lines": lines }))
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
            Ok(json!({ "pane": new.0 }))
        }
        Request::Spawn { cwd, command } => {
            if let Some(dir) = &cwd
                && !dir.is_dir()
            {
                return Err(format!("{} is not a directory", dir.display()));
            }
            let new = app
                .spawn_tab(command, cwd)
                .ok_or_else(|| "could not start the new pane".to_owned())?;
            Ok(json!({ "pane": new.0 }))
        }
        Request::Focus { pane } => {
            let pane = resolve(app, Some(pane))?;
            app.focus(pane);
            Ok(json!({ "pane": pane.0 }))
        }
        Request::Close { pane } => {
            let pane = resolve(app, Some(pane))?;
            app.close_pane(pane);
            Ok(json!({ "pane": pane.0 }))
        }
    }
}

fn no_pane(pane: PaneId) -> String {
    format!("no pane with id {pane} (see `spaces cli list`)")
}

/// The pane a request names, or the focused one.
fn resolve(app: &SpacesApp, pane: Option<u64>) -> Result<PaneId, String> {
    match pane {
        Some(id) if app.panes().get(PaneId(id)).is_some() => Ok(PaneId(id)),
        Some(id) => Err(no_pane(PaneId(id))),
        None => app.focused().ok_or_else(|| "no pane is focused".to_owned()),
    }
}

fn list(app: &mut SpacesApp) -> Value {
    let focused = app.focused();
    let order = crate::layout::panes(app.tree());
    let panes = app.panes_mut();
    let mut out = Vec::new();
    for id in order {
        let Some(entry) = panes.get_mut(id) else {
            continue;
        };
        entry.refresh_process(std::time::Duration::ZERO);
        let size = entry.terminal.size();
        out.push(json!({
            "id": id.0,
            "workspace": "default",
            "title": entry.title(),
            "cwd": entry.cwd().map(|p| p.display().to_string()),
            "cols": size.cols,
            "rows": size.rows,
            "focused": focused == Some(id),
            "process": entry.process.as_ref().map(|p| p.name.clone()),
            "exited": entry.terminal.exit_info().map(|e| e.to_string()),
            "rerun_offer": entry.rerun_offer.as_ref().map(|c| crate::pane_record::shell_join(c)),
        }));
    }
    Value::Array(out)
}
