//! How to resume a session: the command line, where to run it, and a shell-ready string.

use serde::Serialize;

use super::Agent;
use super::query::SessionSummary;

/// The command that resumes a session, in the folder it ran in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResumeCommand {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// The folder to run it in (the CLIs find the session from there); `None` when unknown.
    pub cwd: Option<String>,
    /// `cd '<cwd>' && <argv>`, quoted for a POSIX shell.
    pub shell: String,
}

impl SessionSummary {
    /// `claude --resume ID`, `codex resume ID` or `gemini --resume ID`, run in the session's
    /// cwd. A sub-agent cannot be resumed on its own: its parent session is resumed instead.
    pub fn resume_command(&self) -> ResumeCommand {
        let id = self.parent.clone().unwrap_or_else(|| self.id.clone());
        let argv: Vec<String> = match self.agent {
            Agent::Claude => vec!["claude".into(), "--resume".into(), id],
            Agent::Codex => vec!["codex".into(), "resume".into(), id],
            Agent::Gemini => vec!["gemini".into(), "--resume".into(), id],
        };
        let cwd = (!self.cwd.is_empty()).then(|| self.cwd.clone());
        let command = argv
            .iter()
            .map(|arg| shell_quote(arg))
            .collect::<Vec<_>>()
            .join(" ");
        let shell = match &cwd {
            Some(cwd) => format!("cd {} && {command}", shell_quote(cwd)),
            None => command,
        };
        ResumeCommand { argv, cwd, shell }
    }
}

/// `text` as one POSIX shell word: left bare when it holds only safe characters, else in
/// single quotes (a quote inside written as `'\''`).
pub(crate) fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&byte));
    if safe {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(agent: Agent, cwd: &str, parent: Option<&str>) -> SessionSummary {
        SessionSummary {
            agent,
            id: "3f1c2a9e".into(),
            cwd: cwd.into(),
            title: String::new(),
            git_branch: String::new(),
            models: Vec::new(),
            model_assumed: false,
            first_at_ms: None,
            last_at_ms: None,
            message_count: 0,
            parent: parent.map(str::to_owned),
            file: None,
            file_gone: false,
        }
    }

    #[test]
    fn each_agent_resumes_in_its_folder_with_quoting() {
        let claude = summary(Agent::Claude, "/home/a/web", None).resume_command();
        assert_eq!(claude.argv, ["claude", "--resume", "3f1c2a9e"]);
        assert_eq!(claude.shell, "cd /home/a/web && claude --resume 3f1c2a9e");
        let codex = summary(Agent::Codex, "/home/a/it's here", None).resume_command();
        assert_eq!(
            codex.shell,
            "cd '/home/a/it'\\''s here' && codex resume 3f1c2a9e"
        );
        let gemini = summary(Agent::Gemini, "", None).resume_command();
        assert_eq!(gemini.shell, "gemini --resume 3f1c2a9e");
        assert_eq!(gemini.cwd, None);
        let child = summary(Agent::Claude, "/w", Some("parent-id")).resume_command();
        assert_eq!(child.argv, ["claude", "--resume", "parent-id"]);
    }
}
