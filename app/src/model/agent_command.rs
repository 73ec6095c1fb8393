//! The command a restored pane offers to run again, when it ran an agent CLI: the agent's own
//! resume form, never the old command line. Re-running `claude --session-id X` fails ("already
//! in use"), `gemini --session-id X` too ("already exists"), and plain `claude` or `codex`
//! would start a new conversation.

use spaces_store::sessions::Agent;

/// The agents whose command lines are rewritten.
const AGENTS: &[&str] = &["claude", "codex", "gemini"];

/// `argv` as it should run again after a restart: an agent CLI's resume form (with the
/// session id when the command line names one, else the agent's "newest session here"), any
/// other program unchanged. The program part (`claude`, `node …/claude`, a wrapper script) is
/// kept as it was.
pub fn rerun_command(argv: &[String]) -> Vec<String> {
    let Some((at, agent)) = agent_position(argv) else {
        return argv.to_vec();
    };
    let program = &argv[..=at];
    let args = &argv[at + 1..];
    let resume: Vec<&str> = match agent {
        "claude" => match option_value(args, &["--session-id", "--resume", "-r"]) {
            Some(id) => vec!["--resume", id],
            None => vec!["--continue"],
        },
        "gemini" => match option_value(args, &["--session-id", "--resume", "-r"]) {
            Some(id) => vec!["--resume", id],
            None => vec!["--resume", "latest"],
        },
        _ => match codex_session(args) {
            Some(id) => vec!["resume", id],
            None => vec!["resume", "--last"],
        },
    };
    program
        .iter()
        .cloned()
        .chain(resume.into_iter().map(str::to_owned))
        .collect()
}

/// Which agent CLI `argv` runs (itself, or the script an interpreter such as `node` runs).
pub fn agent_of(argv: &[String]) -> Option<Agent> {
    agent_position(argv).and_then(|(_, name)| Agent::from_name(name))
}

/// The session a command line names, and whether it is a new one Spaces (or the user) chose
/// (`--session-id`) rather than one being resumed (which the agent may copy into a new file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamedSession {
    Chosen(String),
    Resumed(String),
}

/// The session `argv` names, if it names one.
pub fn named_session(argv: &[String]) -> Option<NamedSession> {
    let (at, agent) = agent_position(argv)?;
    let args = &argv[at + 1..];
    match agent {
        "codex" => codex_session(args).map(|id| NamedSession::Resumed(id.to_owned())),
        _ => {
            if let Some(id) = option_value(args, &["--session-id"]) {
                return Some(NamedSession::Chosen(id.to_owned()));
            }
            option_value(args, &["--resume", "-r"])
                .filter(|id| *id != "latest" && id.parse::<u32>().is_err())
                .map(|id| NamedSession::Resumed(id.to_owned()))
        }
    }
}

/// The command that resumes `session` of `agent` (in the directory it ran in), through the
/// same program `old` ran (`node …/claude`, a wrapper script) when `old` ran that agent.
pub fn resume_command(old: &[String], agent: Agent, session: &str) -> Vec<String> {
    let program: Vec<String> = match agent_position(old) {
        Some((at, name)) if name == agent.as_str() => old[..=at].to_vec(),
        _ => vec![agent.as_str().to_owned()],
    };
    let resume = match agent {
        Agent::Codex => "resume",
        Agent::Claude | Agent::Gemini => "--resume",
    };
    program
        .into_iter()
        .chain([resume.to_owned(), session.to_owned()])
        .collect()
}

/// Where the agent's program is in `argv` (itself, or the script an interpreter runs).
fn agent_position(argv: &[String]) -> Option<(usize, &'static str)> {
    /// Programs that run a script named next (`node …/bin/claude`, a `#!/bin/sh` wrapper).
    const INTERPRETERS: &[&str] = &["node", "nodejs", "bun", "deno", "sh", "bash", "dash", "zsh"];
    let name_of = |arg: &str| {
        std::path::Path::new(arg)
            .file_name()
            .and_then(|name| name.to_str())
            .map(str::to_owned)
    };
    let interpreted = argv
        .first()
        .and_then(|first| name_of(first))
        .is_some_and(|name| INTERPRETERS.contains(&name.as_str()));
    let looked_at = if interpreted { 2 } else { 1 };
    argv.iter()
        .take(looked_at)
        .enumerate()
        .find_map(|(at, arg)| {
            let name = std::path::Path::new(arg).file_name()?.to_str()?;
            AGENTS
                .iter()
                .find(|agent| name == **agent)
                .map(|agent| (at, *agent))
        })
}

/// The value of the first of `options` given (`--opt value` or `--opt=value`).
fn option_value<'a>(args: &'a [String], options: &[&str]) -> Option<&'a str> {
    args.iter().enumerate().find_map(|(at, arg)| {
        options.iter().find_map(|option| {
            if arg == option {
                args.get(at + 1)
                    .map(String::as_str)
                    .filter(|value| !value.starts_with('-'))
            } else {
                arg.strip_prefix(option)?.strip_prefix('=')
            }
        })
    })
}

/// Codex's session: `codex resume ID`.
fn codex_session(args: &[String]) -> Option<&str> {
    let at = args.iter().position(|arg| arg == "resume")?;
    args.get(at + 1)
        .map(String::as_str)
        .filter(|value| !value.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn the_agent_and_the_session_a_command_line_names() {
        assert_eq!(agent_of(&argv("node /usr/bin/codex")), Some(Agent::Codex));
        assert_eq!(agent_of(&argv("claude")), Some(Agent::Claude));
        assert_eq!(agent_of(&argv("vim claude")), None);
        assert_eq!(
            named_session(&argv("claude --session-id abc")),
            Some(NamedSession::Chosen("abc".into()))
        );
        assert_eq!(
            named_session(&argv("node /x/gemini -r abc")),
            Some(NamedSession::Resumed("abc".into()))
        );
        assert_eq!(named_session(&argv("gemini -r latest")), None);
        assert_eq!(named_session(&argv("gemini --resume 3")), None);
        assert_eq!(
            named_session(&argv("codex resume 0199")),
            Some(NamedSession::Resumed("0199".into()))
        );
        assert_eq!(named_session(&argv("codex resume --last")), None);
        assert_eq!(named_session(&argv("claude --continue")), None);
        assert_eq!(
            resume_command(&[], Agent::Codex, "x").join(" "),
            "codex resume x"
        );
        assert_eq!(
            resume_command(
                &argv("/bin/sh /t/claude --session-id a"),
                Agent::Claude,
                "b"
            )
            .join(" "),
            "/bin/sh /t/claude --resume b"
        );
        assert_eq!(
            resume_command(&argv("gemini"), Agent::Claude, "b").join(" "),
            "claude --resume b"
        );
    }

    fn rerun(line: &str) -> String {
        let argv: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        rerun_command(&argv).join(" ")
    }

    #[test]
    fn a_chosen_session_id_is_resumed_never_replayed() {
        assert_eq!(
            rerun("claude --session-id abc --model opus"),
            "claude --resume abc"
        );
        assert_eq!(rerun("claude --session-id=abc"), "claude --resume abc");
        assert_eq!(rerun("gemini --session-id abc"), "gemini --resume abc");
        assert_eq!(rerun("claude --resume abc"), "claude --resume abc");
        assert_eq!(rerun("claude -r abc"), "claude --resume abc");
        assert_eq!(rerun("codex resume 0199-abc"), "codex resume 0199-abc");
    }

    #[test]
    fn an_unknown_session_continues_the_newest_one_of_the_directory() {
        assert_eq!(rerun("claude"), "claude --continue");
        assert_eq!(rerun("claude fix the tests"), "claude --continue");
        assert_eq!(rerun("codex"), "codex resume --last");
        assert_eq!(rerun("gemini -m pro"), "gemini --resume latest");
    }

    #[test]
    fn the_program_part_is_kept_and_other_programs_are_unchanged() {
        assert_eq!(
            rerun("node /usr/lib/node_modules/x/bin/claude --session-id abc"),
            "node /usr/lib/node_modules/x/bin/claude --resume abc"
        );
        assert_eq!(
            rerun("/bin/sh /tmp/agents/claude --session-id abc"),
            "/bin/sh /tmp/agents/claude --resume abc"
        );
        assert_eq!(rerun("npm run dev"), "npm run dev");
        assert_eq!(rerun("htop"), "htop");
    }
}
