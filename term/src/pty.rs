//! Opening a PTY and starting the pane's child process on it.

use std::io::{Read, Write};

use portable_pty::{Child, ChildKiller, CommandBuilder, MasterPty, native_pty_system};

use crate::terminal::{PaneId, SpawnOptions, TerminalError};

pub(crate) struct SpawnedPty {
    pub master: Box<dyn MasterPty + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    pub killer: Box<dyn ChildKiller + Send + Sync>,
    pub reader: Box<dyn Read + Send>,
    pub writer: Box<dyn Write + Send>,
}

/// The user's login shell: `$SHELL`, else `/bin/bash`.
pub fn login_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|shell| !shell.is_empty() && std::path::Path::new(shell).exists())
        .unwrap_or_else(|| "/bin/bash".to_owned())
}

fn command_for(id: PaneId, options: &SpawnOptions) -> CommandBuilder {
    let mut command = match options.command.split_first() {
        Some((program, args)) => {
            let mut command = CommandBuilder::new(program);
            command.args(args);
            command
        }
        None => {
            let mut command = CommandBuilder::new(login_shell());
            command.arg("-l");
            command
        }
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let cwd = options
        .cwd
        .clone()
        .filter(|dir| dir.is_dir())
        .or(home)
        .unwrap_or_else(|| "/".into());
    command.cwd(cwd);
    command.env("TERM", "xterm-256color");
    command.env("COLORTERM", "truecolor");
    command.env("TERM_PROGRAM", "spaces");
    command.env("SPACES_PANE_ID", id.0.to_string());
    for (key, value) in &options.env {
        command.env(key, value);
    }
    command
}

pub(crate) fn spawn(id: PaneId, options: &SpawnOptions) -> Result<SpawnedPty, TerminalError> {
    let pair = native_pty_system()
        .openpty(options.size.pty_size())
        .map_err(TerminalError::open_pty)?;
    let command = command_for(id, options);
    let child = pair
        .slave
        .spawn_command(command)
        .map_err(|error| TerminalError::Spawn {
            command: display_command(options),
            source: error.into(),
        })?;
    // The slave stays open only in the child, so the reader sees EOF when the child is gone.
    drop(pair.slave);
    let killer = child.clone_killer();
    let reader = pair
        .master
        .try_clone_reader()
        .map_err(TerminalError::open_pty)?;
    let writer = pair.master.take_writer().map_err(TerminalError::open_pty)?;
    Ok(SpawnedPty {
        master: pair.master,
        child,
        killer,
        reader,
        writer,
    })
}

/// The command as a user would type it, for messages.
pub fn display_command(options: &SpawnOptions) -> String {
    if options.command.is_empty() {
        login_shell()
    } else {
        options.command.join(" ")
    }
}
