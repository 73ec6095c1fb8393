//! `spaces workspace export|import`: one workspace with its whole history in one file, for a
//! teammate to read. Works with or without the window (the database takes one writer at a
//! time and waits for it). The file format is the store's (`spaces_store::export`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::model::workspace_transfer::{describe_export, describe_import, export, import};

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
            // A running window commits what its panes printed first (without one, everything
            // is on disk already).
            let _no_window =
                crate::control::send_request(data_dir, &crate::control::Request::Flush);
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
