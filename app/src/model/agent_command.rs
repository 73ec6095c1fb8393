//! The command a restored pane offers to run again, when it ran an agent CLI: the agent's own
//! resume form, never the old command line. Re-running `claude --session-id X` fails ("already
//! in use"), `gemini --session-id X` too ("already exists"), and plain `claude` or `codex`
//! would start a new conversation.

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

/// Where the agent's program is in `argv` (itself, or the script an interpreter runs).
fn agent_position(argv: &[String]) -> Option<(usize, &'static str)> {
    argv.iter().take(2).enumerate().find_map(|(at, arg)| {
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
    use super::rerun_command;

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
