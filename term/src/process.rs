//! What runs in a pane: the foreground process's name and working directory, from `/proc`.

use std::path::PathBuf;

/// The program in the foreground of a pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    /// The short name (`comm`), e.g. `bash`, `vim`, `claude`.
    pub name: String,
    pub cwd: Option<PathBuf>,
    /// The full command line, if readable.
    pub argv: Vec<String>,
}

/// Reads a process's details; `None` if it is gone or not ours to read.
pub fn process_info(pid: i32) -> Option<ProcessInfo> {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let name = std::fs::read_to_string(proc_dir.join("comm")).ok()?;
    let cwd = std::fs::read_link(proc_dir.join("cwd")).ok();
    let argv = std::fs::read(proc_dir.join("cmdline"))
        .map(|raw| {
            raw.split(|byte| *byte == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect()
        })
        .unwrap_or_default();
    Some(ProcessInfo {
        pid,
        name: name.trim_end().to_owned(),
        cwd,
        argv,
    })
}

/// Whether process `pid` runs this very executable: a child forked from it that has not
/// called `exec` yet.
pub fn is_copy_of_this_program(pid: i32) -> bool {
    static OURS: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    let ours = OURS.get_or_init(|| std::fs::read_link("/proc/self/exe").ok());
    let theirs = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
    ours.is_some() && theirs == *ours
}

/// Whether a program name is an interactive shell (so a restored pane can start it again
/// without asking).
pub fn is_shell(name: &str) -> bool {
    let base = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_start_matches('-');
    matches!(
        base,
        "bash"
            | "zsh"
            | "fish"
            | "sh"
            | "dash"
            | "ksh"
            | "tcsh"
            | "csh"
            | "nu"
            | "elvish"
            | "xonsh"
    )
}

/// A short name for what a pane runs, before its process can be read: `bash`, `htop`.
pub fn display_name(options: &crate::SpawnOptions) -> String {
    let program = options
        .command
        .first()
        .cloned()
        .unwrap_or_else(crate::pty::login_shell);
    program.rsplit('/').next().unwrap_or(&program).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_running_this_program_is_a_copy_and_another_is_not() {
        assert!(is_copy_of_this_program(std::process::id() as i32));
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let pid = child.id() as i32;
        // Until its exec the child is a copy of this program: wait for it to become `sleep`.
        let started = std::time::Instant::now();
        while process_info(pid).is_none_or(|info| info.name != "sleep")
            && started.elapsed() < std::time::Duration::from_secs(5)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let other = is_copy_of_this_program(pid);
        let _ignored = child.kill();
        let _ignored = child.wait();
        assert!(!other, "sleep is not a copy of the test binary");
    }

    #[test]
    fn reads_own_process() {
        let info = process_info(std::process::id() as i32).expect("own /proc entry");
        assert!(!info.name.is_empty());
        assert_eq!(info.cwd, std::env::current_dir().ok());
    }

    #[test]
    fn recognises_shells() {
        assert!(is_shell("bash"));
        assert!(is_shell("-zsh"));
        assert!(is_shell("/usr/bin/fish"));
        assert!(!is_shell("htop"));
        assert!(!is_shell("claude"));
    }
}
