//! Where a pane is: its working directory, from `/proc` and from the OSC 7 reports of the
//! programs in it. Saved with the pane, restored there, and inherited by splits.

use std::path::{Path, PathBuf};

use spaces_term::Terminal;
use spaces_term::process::{ProcessInfo, process_info};

/// What a pane's directory is worked out from, refreshed with its foreground process.
#[derive(Debug, Default)]
pub struct CwdTracker {
    /// Working directory of the pane's own process (its shell).
    shell_cwd: Option<PathBuf>,
    /// The OSC 7 report seen while the pane's own shell was last in the foreground.
    report_at_prompt: Option<PathBuf>,
    /// A newer OSC 7 report, sent by something running inside the shell (`sudo -s`, a
    /// nested shell): where that program is, when `/proc` cannot say.
    nested_report: Option<PathBuf>,
}

impl CwdTracker {
    /// Takes in the pane's state now; `foreground` is its foreground process, just read.
    pub fn refresh(&mut self, terminal: &Terminal, foreground: Option<&ProcessInfo>) {
        self.shell_cwd = terminal
            .child_pid()
            .and_then(|pid| process_info(pid as i32))
            .and_then(|process| process.cwd);
        let reported = terminal.reported_cwd();
        if runs_nested(terminal, foreground) {
            self.nested_report = reported.filter(|r| Some(r) != self.report_at_prompt.as_ref());
        } else {
            self.report_at_prompt = reported;
            self.nested_report = None;
        }
    }

    /// The pane's working directory, by the best source there is (see [`pick_cwd`]).
    pub fn cwd(&self, terminal: &Terminal, foreground: Option<&ProcessInfo>) -> Option<PathBuf> {
        pick_cwd(CwdSources {
            nested: runs_nested(terminal, foreground),
            foreground,
            nested_report: self.nested_report.as_deref(),
            shell: self.shell_cwd.as_deref(),
            start: terminal.options().cwd.as_deref(),
        })
    }
}

/// Something other than the pane's own process is in the foreground.
fn runs_nested(terminal: &Terminal, foreground: Option<&ProcessInfo>) -> bool {
    let foreground = foreground.map(|process| process.pid);
    foreground.is_some() && foreground != terminal.child_pid().map(|pid| pid as i32)
}

/// Where a pane's working directory can come from.
struct CwdSources<'a> {
    /// A program other than the pane's own shell is in the foreground.
    nested: bool,
    foreground: Option<&'a ProcessInfo>,
    /// OSC 7 sent while that program ran.
    nested_report: Option<&'a Path>,
    /// The pane's own process (its shell), from `/proc`.
    shell: Option<&'a Path>,
    start: Option<&'a Path>,
}

/// The best source first: a nested shell's own directory (`bash` inside `bash`, `nix
/// develop`); then what a nested program reported with OSC 7 (a `sudo -s` shell, whose
/// `/proc` entry is not ours to read); then the pane's shell; then the foreground program;
/// then where the pane started.
fn pick_cwd(sources: CwdSources<'_>) -> Option<PathBuf> {
    let foreground_cwd = sources
        .foreground
        .and_then(|process| process.cwd.as_deref());
    let nested_shell = sources
        .foreground
        .filter(|process| sources.nested && spaces_term::process::is_shell(&process.name))
        .and(foreground_cwd);
    let nested_report = sources
        .nested_report
        .filter(|path| sources.nested && path.is_dir());
    nested_shell
        .or(nested_report)
        .or(sources.shell)
        .or(foreground_cwd)
        .or(sources.start)
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::{CwdSources, Path, PathBuf, ProcessInfo, pick_cwd};

    fn process(name: &str, cwd: Option<&str>) -> ProcessInfo {
        ProcessInfo {
            pid: 42,
            name: name.to_owned(),
            cwd: cwd.map(PathBuf::from),
            argv: vec![name.to_owned()],
        }
    }

    fn sources<'a>(
        nested: bool,
        foreground: Option<&'a ProcessInfo>,
        nested_report: Option<&'a str>,
    ) -> CwdSources<'a> {
        CwdSources {
            nested,
            foreground,
            nested_report: nested_report.map(Path::new),
            shell: Some(Path::new("/home")),
            start: Some(Path::new("/start")),
        }
    }

    #[test]
    fn the_shell_at_its_prompt_is_the_truth() {
        let shell = process("bash", Some("/home"));
        assert_eq!(
            pick_cwd(sources(false, Some(&shell), None)),
            Some("/home".into())
        );
        // A report from an earlier nested program does not override the shell.
        assert_eq!(
            pick_cwd(sources(false, Some(&shell), Some("/tmp"))),
            Some("/home".into())
        );
    }

    #[test]
    fn a_nested_shell_is_followed() {
        let inner = process("zsh", Some("/usr"));
        assert_eq!(
            pick_cwd(sources(true, Some(&inner), None)),
            Some("/usr".into())
        );
    }

    #[test]
    fn a_nested_report_stands_in_for_an_unreadable_process() {
        // `sudo -s`: the root shell's /proc entry cannot be read, its OSC 7 can.
        let root_shell = process("bash", None);
        assert_eq!(
            pick_cwd(sources(true, Some(&root_shell), Some("/tmp"))),
            Some("/tmp".into())
        );
        // A reported directory that does not exist here is not used.
        assert_eq!(
            pick_cwd(sources(true, Some(&root_shell), Some("/no/such/dir"))),
            Some("/home".into())
        );
    }

    #[test]
    fn a_program_in_the_foreground_keeps_the_shells_directory() {
        let vim = process("vim", Some("/usr/share"));
        assert_eq!(
            pick_cwd(sources(true, Some(&vim), None)),
            Some("/home".into())
        );
        let gone = CwdSources {
            shell: None,
            ..sources(true, Some(&vim), None)
        };
        assert_eq!(pick_cwd(gone), Some("/usr/share".into()));
        let nothing = CwdSources {
            shell: None,
            ..sources(true, None, None)
        };
        assert_eq!(pick_cwd(nothing), Some("/start".into()));
    }
}
