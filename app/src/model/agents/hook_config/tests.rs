use serde_json::Value as Json;

use super::*;

pub(super) const PROGRAM: &str = "/opt/spaces/bin/spaces";

pub(super) fn program() -> &'static Path {
    Path::new(PROGRAM)
}

pub(super) fn backup_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".spaces-backup");
    PathBuf::from(name)
}

fn read_json(path: &Path) -> Json {
    serde_json::from_slice(&fs::read(path).expect("test step")).expect("test step")
}

fn keys(value: &Json) -> Vec<&str> {
    value
        .as_object()
        .expect("test step")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Our hook commands in each event, in file order.
fn our_commands(agent: HookAgent, root: &Json) -> Vec<(String, Vec<String>)> {
    let suffix = command_suffix(agent);
    root["hooks"]
        .as_object()
        .expect("test step")
        .iter()
        .map(|(event, groups)| {
            let ours = groups
                .as_array()
                .expect("test step")
                .iter()
                .flat_map(|group| group["hooks"].as_array().expect("test step"))
                .filter(|hook| is_our_hook(&suffix, hook))
                .map(|hook| hook["command"].as_str().expect("test step").to_owned())
                .collect();
            (event.clone(), ours)
        })
        .collect()
}

#[test]
fn quotes_the_program_for_the_shell() {
    assert_eq!(shell_quote("/usr/bin/spaces"), "/usr/bin/spaces");
    assert_eq!(
        shell_quote("/a-b_c.d/e:f@g%h+i=j,k"),
        "/a-b_c.d/e:f@g%h+i=j,k"
    );
    assert_eq!(
        shell_quote("/Applications/My Spaces/spaces"),
        "'/Applications/My Spaces/spaces'"
    );
    assert_eq!(shell_quote("/it's/spaces"), r"'/it'\''s/spaces'");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("/a$b"), "'/a$b'");
    assert_eq!(
        hook_command(HookAgent::Claude, "/x y/spaces"),
        "'/x y/spaces' hooks event --agent claude"
    );
}

#[test]
fn settings_paths_follow_the_agents_variables() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    };
    let home = &[("HOME", "/home/u")];
    assert_eq!(
        settings_path_in(HookAgent::Claude, env(home)),
        Some(PathBuf::from("/home/u/.claude/settings.json"))
    );
    assert_eq!(
        settings_path_in(HookAgent::Codex, env(home)),
        Some(PathBuf::from("/home/u/.codex/config.toml"))
    );
    assert_eq!(
        settings_path_in(HookAgent::Gemini, env(home)),
        Some(PathBuf::from("/home/u/.gemini/settings.json"))
    );
    let set = &[
        ("HOME", "/home/u"),
        ("CLAUDE_CONFIG_DIR", "/c"),
        ("CODEX_HOME", "/x"),
        ("GEMINI_CLI_HOME", "/g"),
    ];
    assert_eq!(
        settings_path_in(HookAgent::Claude, env(set)),
        Some(PathBuf::from("/c/settings.json"))
    );
    assert_eq!(
        settings_path_in(HookAgent::Codex, env(set)),
        Some(PathBuf::from("/x/config.toml"))
    );
    assert_eq!(
        settings_path_in(HookAgent::Gemini, env(set)),
        Some(PathBuf::from("/g/.gemini/settings.json"))
    );
    let empty = &[
        ("HOME", "/home/u"),
        ("CODEX_HOME", ""),
        ("CLAUDE_CONFIG_DIR", ""),
    ];
    assert_eq!(
        settings_path_in(HookAgent::Codex, env(empty)),
        Some(PathBuf::from("/home/u/.codex/config.toml"))
    );
    assert_eq!(
        settings_path_in(HookAgent::Claude, env(empty)),
        Some(PathBuf::from("/home/u/.claude/settings.json"))
    );
    for agent in HookAgent::ALL {
        assert_eq!(settings_path_in(agent, env(&[])), None);
    }
    assert_eq!(
        settings_path_in(HookAgent::Claude, env(&[("CLAUDE_CONFIG_DIR", "/c")])),
        Some(PathBuf::from("/c/settings.json"))
    );
}

#[test]
fn install_creates_a_missing_file_and_uninstall_deletes_it() {
    for agent in HookAgent::ALL {
        let dir = tempfile::tempdir().expect("test step");
        let name = if agent == HookAgent::Codex {
            "config.toml"
        } else {
            "settings.json"
        };
        let path = dir.path().join("new-dir").join(name);
        assert!(!is_installed(agent, &path).expect("test step"));
        assert_eq!(
            uninstall(agent, &path).expect("test step"),
            Outcome::NotInstalled
        );

        assert_eq!(
            install(agent, &path, program()).expect("test step"),
            Outcome::Installed
        );
        assert!(is_installed(agent, &path).expect("test step"));
        assert!(!backup_of(&path).exists());
        let bytes = fs::read(&path).expect("test step");
        assert!(bytes.ends_with(b"\n"));
        let modified = fs::metadata(&path)
            .expect("test step")
            .modified()
            .expect("test step");

        assert_eq!(
            install(agent, &path, program()).expect("test step"),
            Outcome::AlreadyInstalled
        );
        assert_eq!(fs::read(&path).expect("test step"), bytes);
        assert_eq!(
            fs::metadata(&path)
                .expect("test step")
                .modified()
                .expect("test step"),
            modified
        );

        assert_eq!(
            uninstall(agent, &path).expect("test step"),
            Outcome::Removed
        );
        assert!(!path.exists());
        assert!(!backup_of(&path).exists());
        assert_eq!(
            uninstall(agent, &path).expect("test step"),
            Outcome::NotInstalled
        );
        // Only the settings file itself was ever written there.
        let left: Vec<_> = fs::read_dir(dir.path().join("new-dir"))
            .expect("test step")
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn a_created_claude_file_holds_one_group_per_event() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    let program = Path::new("/Applications/Spaces 'beta'/spaces");
    install(HookAgent::Claude, &path, program).expect("test step");
    let text = fs::read_to_string(&path).expect("test step");
    assert!(text.starts_with("{\n  \"hooks\": {\n    \"SessionStart\": [\n"));
    let root: Json = serde_json::from_str(&text).expect("test step");
    assert_eq!(keys(&root["hooks"]), CLAUDE_EVENTS);
    let command = r"'/Applications/Spaces '\''beta'\''/spaces' hooks event --agent claude";
    for event in CLAUDE_EVENTS {
        assert_eq!(
            root["hooks"][*event],
            serde_json::json!([
                { "matcher": "", "hooks": [{ "type": "command", "command": command }] }
            ])
        );
    }
}

const CLAUDE_FIXTURE: &str = r#"{
"permissions": {
    "allow": ["Bash(git status)", "Read"],
    "deny": []
},
"model": "opus",
"hooks": {
    "Stop": [
        {
            "hooks": [{"type": "command", "command": "say done", "timeout": 10}]
        }
    ],
    "PreToolUse": [
        {
            "matcher": "Bash",
            "hooks": [
                {"type": "command", "command": "~/bin/check-bash.sh"}
            ]
        }
    ]
},
"env": {"ZED": "1", "ALPHA": "2"},
"cleanupPeriodDays": 1.5e1
}"#;

#[test]
fn claude_install_keeps_the_users_settings_and_uninstall_restores_the_bytes() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, CLAUDE_FIXTURE).expect("test step");
    let before: Json = serde_json::from_str(CLAUDE_FIXTURE).expect("test step");
    assert!(!is_installed(HookAgent::Claude, &path).expect("test step"));

    assert_eq!(
        install(HookAgent::Claude, &path, program()).expect("test step"),
        Outcome::Installed
    );
    assert_eq!(
        fs::read_to_string(backup_of(&path)).expect("test step"),
        CLAUDE_FIXTURE
    );
    let text = fs::read_to_string(&path).expect("test step");
    assert!(text.ends_with("}\n"));
    assert!(text.contains("\n  \"model\": \"opus\",\n"));
    let after: Json = serde_json::from_str(&text).expect("test step");
    assert_eq!(
        keys(&after),
        ["permissions", "model", "hooks", "env", "cleanupPeriodDays"]
    );
    for key in ["permissions", "model", "env", "cleanupPeriodDays"] {
        assert_eq!(after[key], before[key]);
    }
    assert_eq!(keys(&after["env"]), ["ZED", "ALPHA"]);
    // Their events first, in their order, then ours; their groups unchanged and first.
    let mut expected_events = vec!["Stop", "PreToolUse"];
    expected_events.extend(
        CLAUDE_EVENTS
            .iter()
            .filter(|event| !["Stop", "PreToolUse"].contains(event)),
    );
    assert_eq!(keys(&after["hooks"]), expected_events);
    for event in ["Stop", "PreToolUse"] {
        let groups = after["hooks"][event].as_array().expect("test step");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0], before["hooks"][event][0]);
    }
    let command = format!("{PROGRAM} hooks event --agent claude");
    for (_, ours) in our_commands(HookAgent::Claude, &after) {
        assert_eq!(ours, [command.as_str()]);
    }
    assert!(is_installed(HookAgent::Claude, &path).expect("test step"));
    assert_eq!(
        install(HookAgent::Claude, &path, program()).expect("test step"),
        Outcome::AlreadyInstalled
    );
    assert_eq!(fs::read_to_string(&path).expect("test step"), text);

    assert_eq!(
        uninstall(HookAgent::Claude, &path).expect("test step"),
        Outcome::Removed
    );
    assert_eq!(
        fs::read_to_string(&path).expect("test step"),
        CLAUDE_FIXTURE
    );
    assert!(!backup_of(&path).exists());
    assert!(!is_installed(HookAgent::Claude, &path).expect("test step"));
    assert_eq!(
        uninstall(HookAgent::Claude, &path).expect("test step"),
        Outcome::NotInstalled
    );
    assert_eq!(
        fs::read_to_string(&path).expect("test step"),
        CLAUDE_FIXTURE
    );
}

#[test]
fn uninstall_keeps_changes_made_since_the_install() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, CLAUDE_FIXTURE).expect("test step");
    install(HookAgent::Claude, &path, program()).expect("test step");
    let mut edited = read_json(&path);
    edited["model"] = "sonnet".into();
    fs::write(
        &path,
        serde_json::to_vec_pretty(&edited).expect("test step"),
    )
    .expect("test step");

    assert_eq!(
        uninstall(HookAgent::Claude, &path).expect("test step"),
        Outcome::Removed
    );
    let mut expected: Json = serde_json::from_str(CLAUDE_FIXTURE).expect("test step");
    expected["model"] = "sonnet".into();
    let after = read_json(&path);
    assert_eq!(after, expected);
    assert_eq!(keys(&after["hooks"]), ["Stop", "PreToolUse"]);
    assert!(!backup_of(&path).exists());
}

#[test]
fn uninstall_keeps_empty_containers_the_user_had() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    let original = "{\"hooks\": {\"Stop\": []}, \"a\": 1}";
    fs::write(&path, original).expect("test step");
    install(HookAgent::Claude, &path, program()).expect("test step");
    let mut edited = read_json(&path);
    edited["a"] = 2.into();
    fs::write(&path, serde_json::to_vec(&edited).expect("test step")).expect("test step");
    uninstall(HookAgent::Claude, &path).expect("test step");
    assert_eq!(
        read_json(&path),
        serde_json::json!({"hooks": {"Stop": []}, "a": 2})
    );
}

#[test]
fn an_empty_file_counts_as_an_empty_object() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, "").expect("test step");
    assert_eq!(
        install(HookAgent::Gemini, &path, program()).expect("test step"),
        Outcome::Installed
    );
    assert_eq!(fs::read(backup_of(&path)).expect("test step"), b"");
    assert_eq!(
        uninstall(HookAgent::Gemini, &path).expect("test step"),
        Outcome::Removed
    );
    assert_eq!(fs::read(&path).expect("test step"), b"");
    assert!(!backup_of(&path).exists());
}

const GEMINI_FIXTURE: &str = concat!(
    "{\n",
    "  \"ui\": {\"theme\": \"GitHub\"},\n",
    "  \"hooks\": {\n",
    "    \"enabled\": true,\n",
    "    \"disabled\": [\"slow-hook\"],\n",
    "    \"BeforeTool\": [{\"matcher\": \"run_shell_command\", \"hooks\": [{\"name\": \"guard\", \"type\": \"command\", \"command\": \"./guard.sh\", \"timeout\": 5000}]}],\n",
    "    \"AfterAgent\": [{\"matcher\": \"*\", \"sequential\": true, \"hooks\": [{\"type\": \"command\", \"command\": \"notify-send done\"}]}]\n",
    "  },\n",
    "  \"general\": {\"vimMode\": true}\n",
    "}"
);

#[test]
fn gemini_install_keeps_the_users_settings_and_uninstall_restores_the_bytes() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, GEMINI_FIXTURE).expect("test step");
    let before: Json = serde_json::from_str(GEMINI_FIXTURE).expect("test step");

    assert_eq!(
        install(HookAgent::Gemini, &path, program()).expect("test step"),
        Outcome::Installed
    );
    let after = read_json(&path);
    assert_eq!(keys(&after), ["ui", "hooks", "general"]);
    assert_eq!(after["ui"], before["ui"]);
    assert_eq!(after["general"], before["general"]);
    let hooks = &after["hooks"];
    assert_eq!(hooks["enabled"], true);
    assert_eq!(hooks["disabled"], before["hooks"]["disabled"]);
    assert_eq!(hooks["BeforeTool"], before["hooks"]["BeforeTool"]);
    assert_eq!(hooks["AfterAgent"][0], before["hooks"]["AfterAgent"][0]);
    assert_eq!(hooks["AfterAgent"].as_array().expect("test step").len(), 2);
    assert_eq!(
        &keys(hooks)[..4],
        ["enabled", "disabled", "BeforeTool", "AfterAgent"]
    );
    let command = format!("{PROGRAM} hooks event --agent gemini");
    for event in GEMINI_EVENTS {
        let ours: Vec<_> = hooks[*event]
            .as_array()
            .expect("test step")
            .iter()
            .flat_map(|group| group["hooks"].as_array().expect("test step"))
            .filter(|hook| hook["command"] == command.as_str())
            .collect();
        assert_eq!(ours.len(), 1, "{event}");
    }
    assert!(is_installed(HookAgent::Gemini, &path).expect("test step"));
    // Claude's hooks are not Gemini's.
    assert!(!is_installed(HookAgent::Claude, &path).expect("test step"));
    assert_eq!(
        install(HookAgent::Gemini, &path, program()).expect("test step"),
        Outcome::AlreadyInstalled
    );

    assert_eq!(
        uninstall(HookAgent::Gemini, &path).expect("test step"),
        Outcome::Removed
    );
    assert_eq!(
        fs::read_to_string(&path).expect("test step"),
        GEMINI_FIXTURE
    );
    assert!(!backup_of(&path).exists());
}

#[test]
fn a_moved_program_replaces_our_old_hooks() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, CLAUDE_FIXTURE).expect("test step");
    install(HookAgent::Claude, &path, Path::new("/old place/spaces")).expect("test step");
    assert_eq!(
        install(HookAgent::Claude, &path, program()).expect("test step"),
        Outcome::Installed
    );
    let text = fs::read_to_string(&path).expect("test step");
    assert!(!text.contains("old place"));
    let command = format!("{PROGRAM} hooks event --agent claude");
    let after = read_json(&path);
    for (_, ours) in our_commands(HookAgent::Claude, &after) {
        assert_eq!(ours, [command.as_str()]);
    }
    assert_eq!(
        after["hooks"]["Stop"].as_array().expect("test step").len(),
        2
    );
    // The backup is still the file from before the first install.
    assert_eq!(
        fs::read_to_string(backup_of(&path)).expect("test step"),
        CLAUDE_FIXTURE
    );
    uninstall(HookAgent::Claude, &path).expect("test step");
    assert_eq!(
        fs::read_to_string(&path).expect("test step"),
        CLAUDE_FIXTURE
    );
}

#[test]
fn a_moved_program_in_a_file_we_created_is_still_deleted_on_uninstall() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    install(HookAgent::Claude, &path, Path::new("/old/spaces")).expect("test step");
    install(HookAgent::Claude, &path, program()).expect("test step");
    assert!(!backup_of(&path).exists());
    uninstall(HookAgent::Claude, &path).expect("test step");
    assert!(!path.exists());
}

#[test]
fn stale_hooks_in_events_we_no_longer_use_are_removed() {
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    let stale = serde_json::json!({"hooks": {"OldEvent": [
        {"matcher": "", "hooks": [{"type": "command", "command": "/old/spaces hooks event --agent claude"}]}
    ]}});
    fs::write(&path, serde_json::to_vec(&stale).expect("test step")).expect("test step");
    assert!(is_installed(HookAgent::Claude, &path).expect("test step"));
    assert_eq!(
        install(HookAgent::Claude, &path, program()).expect("test step"),
        Outcome::Installed
    );
    let after = read_json(&path);
    assert_eq!(keys(&after["hooks"]), CLAUDE_EVENTS);
}

pub(super) const CODEX_FIXTURE: &str = r#"# Codex settings
model = "gpt-5-codex"   # the default
approval_policy = "on-request"

# Providers
[model_providers.local]
name = "Local"
base_url = "http://localhost:8080/v1"

[profiles.fast]
model = "gpt-5-mini"
"#;

#[test]
fn invalid_or_unexpected_files_are_refused_untouched() {
    let cases: &[(HookAgent, &str, &str)] = &[
        (
            HookAgent::Claude,
            "settings.json",
            "{\"model\": \"opus\",,}",
        ),
        (HookAgent::Gemini, "settings.json", "// comment\n{}"),
        (HookAgent::Claude, "settings.json", "{\"hooks\": 5}"),
        (HookAgent::Claude, "settings.json", "[1, 2]"),
        (
            HookAgent::Claude,
            "settings.json",
            "{\"hooks\": {\"Stop\": {}}}",
        ),
        (
            HookAgent::Gemini,
            "settings.json",
            "{\"hooks\": {\"AfterTool\": 1}}",
        ),
        (HookAgent::Codex, "config.toml", "model = \"o3\"\n[broken\n"),
        (HookAgent::Codex, "config.toml", "notify = \"python3\"\n"),
        (HookAgent::Codex, "config.toml", "notify = [\"a\", 1]\n"),
    ];
    for (agent, name, content) in cases {
        let dir = tempfile::tempdir().expect("test step");
        let path = dir.path().join(name);
        fs::write(&path, content).expect("test step");
        let error = install(*agent, &path, program()).expect_err("refused");
        let message = error.to_string();
        assert!(
            message.contains(&path.display().to_string()),
            "{content}: {message}"
        );
        assert!(
            matches!(
                error,
                HookConfigError::Invalid { .. } | HookConfigError::Shape { .. }
            ),
            "{content}: {error:?}"
        );
        assert!(uninstall(*agent, &path).is_err(), "{content}");
        assert!(is_installed(*agent, &path).is_err(), "{content}");
        assert_eq!(fs::read_to_string(&path).expect("test step"), *content);
        let left: Vec<_> = fs::read_dir(dir.path()).expect("test step").collect();
        assert_eq!(left.len(), 1, "{content}: {left:?}");
    }
    let dir = tempfile::tempdir().expect("test step");
    let path = dir.path().join("settings.json");
    fs::write(&path, "{\"hooks\": 5}").expect("test step");
    let message = install(HookAgent::Claude, &path, program())
        .expect_err("refused")
        .to_string();
    assert!(message.contains("`hooks`"), "{message}");
}

#[cfg(unix)]
#[test]
fn writes_keep_permissions_and_go_through_symlinks() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("test step");
    let target = dir.path().join("dotfiles-settings.json");
    fs::write(&target, "{\"model\": \"opus\"}\n").expect("test step");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).expect("test step");
    let link = dir.path().join("settings.json");
    std::os::unix::fs::symlink(&target, &link).expect("test step");

    install(HookAgent::Claude, &link, program()).expect("test step");
    assert!(
        fs::symlink_metadata(&link)
            .expect("test step")
            .file_type()
            .is_symlink()
    );
    assert!(is_installed(HookAgent::Claude, &target).expect("test step"));
    let mode = fs::metadata(&target)
        .expect("test step")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        fs::read_to_string(backup_of(&link)).expect("test step"),
        "{\"model\": \"opus\"}\n"
    );

    uninstall(HookAgent::Claude, &link).expect("test step");
    assert!(
        fs::symlink_metadata(&link)
            .expect("test step")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(&target).expect("test step"),
        "{\"model\": \"opus\"}\n"
    );
    let mode = fs::metadata(&target)
        .expect("test step")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}
