//! The export and import dialogs of the Workspace menu: a file path, then the work on a
//! thread (the store writes or reads the whole history), then what happened.

use std::path::PathBuf;

use egui::RichText;
use spaces_store::WorkspaceRecord;

use crate::model::threads::Background;
use crate::model::workspace_transfer;
use crate::ui::theme;

/// What the dialog does.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Job {
    Export { workspace: String },
    Import,
}

/// How a job ended: the line to show, and the imported workspace to list.
type Outcome = Result<(String, Option<WorkspaceRecord>), String>;

#[derive(Default)]
pub struct TransferDialog {
    job: Option<Job>,
    path: String,
    replace: bool,
    running: Option<Background<Outcome>>,
    said: Option<Result<String, String>>,
}

impl TransferDialog {
    /// Asks where to export `workspace` (a file in the home directory by default).
    pub fn export(&mut self, workspace: &str) {
        let home = std::env::var_os("HOME").map_or_else(PathBuf::new, PathBuf::from);
        let file: String = workspace
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.path = home
            .join(format!("{file}.spaces-workspace"))
            .to_string_lossy()
            .into_owned();
        self.start(Job::Export {
            workspace: workspace.to_owned(),
        });
    }

    /// Asks which file to import.
    pub fn import(&mut self) {
        self.path.clear();
        self.start(Job::Import);
    }

    fn start(&mut self, job: Job) {
        self.job = Some(job);
        self.replace = false;
        self.running = None;
        self.said = None;
    }

    /// Draws the dialog; returns a workspace an import added.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        data_dir: &std::path::Path,
        recorder: Option<&spaces_store::Recorder>,
    ) -> Option<WorkspaceRecord> {
        let job = self.job.clone()?;
        let mut imported = None;
        let finished = self.running.as_ref().and_then(Background::take);
        if let Some(outcome) = finished {
            self.running = None;
            self.said = Some(outcome.map(|(line, record)| {
                imported = record;
                line
            }));
        }
        let title = match &job {
            Job::Export { workspace } => format!("Export workspace {workspace}"),
            Job::Import => "Import a workspace".to_owned(),
        };
        let mut open = true;
        let mut go = false;
        egui::Window::new(title)
            .pivot(egui::Align2::CENTER_TOP)
            .default_pos(crate::ui::theme::dialog_position(ctx))
            .id(egui::Id::unique("workspace-transfer"))
            .open(&mut open)
            .collapsible(false)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(match job {
                    Job::Export { .. } => {
                        "One file with the layout, notes, every pane's whole history and the agent sessions it links to."
                    }
                    Job::Import => {
                        "A file written by Export (or `spaces workspace export`); it is added as an archived workspace."
                    }
                });
                ui.add(
                    egui::TextEdit::singleline(&mut self.path)
                        .hint_text("/path/to/file.spaces-workspace")
                        .desired_width(f32::INFINITY),
                );
                if matches!(job, Job::Export { .. }) {
                    ui.checkbox(&mut self.replace, "Replace the file if it exists");
                }
                ui.horizontal(|ui| {
                    let label = match job {
                        Job::Export { .. } => "Export",
                        Job::Import => "Import",
                    };
                    let idle = self.running.is_none();
                    if ui.add_enabled(idle, egui::Button::new(label)).clicked() {
                        go = true;
                    }
                    if !idle {
                        ui.spinner();
                    }
                });
                match &self.said {
                    Some(Ok(line)) => {
                        ui.label(RichText::new(line).color(theme::INFO));
                    }
                    Some(Err(error)) => {
                        ui.colored_label(theme::ERROR, error);
                    }
                    None => {}
                }
            });
        if go {
            self.run(ctx, job, data_dir.to_owned(), recorder.cloned());
        }
        if !open {
            self.job = None;
        }
        imported
    }

    /// Runs the job on a thread: an export first commits what the panes printed.
    fn run(
        &mut self,
        ctx: &egui::Context,
        job: Job,
        data_dir: PathBuf,
        recorder: Option<spaces_store::Recorder>,
    ) {
        let file = PathBuf::from(self.path.trim());
        let replace = self.replace;
        self.said = None;
        let work = move || {
            let outcome = match job {
                Job::Export { workspace } => {
                    if let Some(recorder) = recorder
                        && let Err(error) = recorder.flush()
                    {
                        tracing::warn!(%error, "exporting without the newest output");
                    }
                    workspace_transfer::export(&data_dir, &workspace, &file, replace)
                        .map(|summary| (workspace_transfer::describe_export(&summary, &file), None))
                }
                Job::Import => workspace_transfer::import(&data_dir, &file).map(|summary| {
                    let line = workspace_transfer::describe_import(&summary);
                    (line, Some(summary.workspace))
                }),
            };
            outcome.map_err(|error| format!("{error:#}"))
        };
        let ctx = ctx.clone();
        self.running = Some(Background::spawn(
            "workspace-transfer",
            work,
            move || ctx.request_repaint(),
            |error| Err(format!("could not start: {error}")),
        ));
    }
}
