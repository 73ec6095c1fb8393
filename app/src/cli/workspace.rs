//! `spaces workspace export|import`: one workspace with its whole history in one file, for a
//! teammate to read. Works with or without the window (the database takes one writer at a
//! time and waits for it). The file format is the store's (`spaces_store::export`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use spaces_store::{Database, ExportError, ExportSummary, IfExists, ImportSummary};

use crate::model::workspace_transfer::WorkspaceImportRules;

#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    #[command(subcommand)]
    pub command: WorkspaceCommand,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Write a workspace (archived or not) with its layout, panes, every byte of their
    /// history and their agent sessions to one file.
    Export {
        /// The workspace's name.
        name: String,
        /// The file to write.
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Add a workspace from a file written by `spaces workspace export`, as an archived
    /// workspace (renamed if its name is taken).
    Import {
        /// The file to read.
        file: PathBuf,
    },
}

pub fn run(data_dir: &Path, command: WorkspaceCommand) -> anyhow::Result<()> {
    match command {
        WorkspaceCommand::Export { name, file, force } => {
            let summary = export(data_dir, &name, &file, force)?;
            println!("{}", describe_export(&summary, &file));
        }
        WorkspaceCommand::Import { file } => {
            let summary = import(data_dir, &file)?;
            println!("{}", describe_import(&summary));
            // A running window shows it in its Archived section; without one there is
            // nobody to tell.
            let told = crate::control::send_request(
                data_dir,
                &crate::control::Request::WorkspaceImported {
                    id: summary.workspace.id.0,
                },
            );
            if let Err(error) = told {
                tracing::debug!(%error, "no window to tell about the import");
            }
        }
    }
    Ok(())
}

/// Exports the workspace called `name` to `file`.
pub fn export(
    data_dir: &Path,
    name: &str,
    file: &Path,
    force: bool,
) -> anyhow::Result<ExportSummary> {
    let path = spaces_store::database_path(data_dir);
    if !path.exists() {
        bail!(
            "no workspace named {name:?}: there is no database in {}",
            data_dir.display()
        );
    }
    let database = Database::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let Some(workspace) = database.workspace_by_name(name)? else {
        let names: Vec<String> = database
            .list_workspaces(true)?
            .into_iter()
            .map(|workspace| format!("{:?}", workspace.name))
            .collect();
        bail!(
            "no workspace named {name:?} (there are: {})",
            names.join(", ")
        );
    };
    let if_exists = if force {
        IfExists::Replace
    } else {
        IfExists::Refuse
    };
    match database.export_workspace(workspace.id, file, if_exists) {
        Ok(summary) => Ok(summary),
        Err(ExportError::Exists { path }) => bail!(
            "{} already exists (pass --force to replace it)",
            path.display()
        ),
        Err(error) => Err(error.into()),
    }
}

/// Imports the workspace in `file` into the database of `data_dir` (created if there is
/// none, once the file has been found good).
pub fn import(data_dir: &Path, file: &Path) -> anyhow::Result<ImportSummary> {
    let path = spaces_store::database_path(data_dir);
    if !path.exists() {
        Database::check_export(file)?;
        spaces_store::ensure_private_dir(data_dir)?;
    }
    let database = Database::open(&path).with_context(|| format!("opening {}", path.display()))?;
    Ok(database.import_workspace(file, &WorkspaceImportRules)?)
}

fn describe_export(summary: &ExportSummary, file: &Path) -> String {
    format!(
        "exported workspace {:?} to {} ({}): {}",
        summary.workspace,
        file.display(),
        bytes(summary.file_bytes),
        contents(
            summary.panes,
            summary.output_bytes,
            summary.input_bytes,
            summary.snapshots
        ) + &format!(", {}", count(summary.sessions, "agent session")),
    )
}

fn describe_import(summary: &ImportSummary) -> String {
    let name = if summary.workspace.name == summary.exported_name {
        format!("{:?}", summary.workspace.name)
    } else {
        format!(
            "{:?} as {:?} (the name was taken)",
            summary.exported_name, summary.workspace.name
        )
    };
    let mut sessions = count(summary.sessions_added, "agent session");
    if summary.sessions_known > 0 {
        sessions.push_str(&format!(" added, {} already known", summary.sessions_known));
    }
    format!(
        "imported workspace {name}, archived: {}, {sessions}",
        contents(
            summary.panes,
            summary.output_bytes,
            summary.input_bytes,
            summary.snapshots
        )
    )
}

fn contents(panes: u64, output: u64, input: u64, snapshots: u64) -> String {
    format!(
        "{}, {} of output, {} of input, {}",
        count(panes, "pane"),
        bytes(output),
        bytes(input),
        count(snapshots, "snapshot")
    )
}

fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `n` bytes for people: `512 B`, `1.5 KiB`, `20.0 MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(20 * 1024 * 1024), "20.0 MiB");
    }
}
