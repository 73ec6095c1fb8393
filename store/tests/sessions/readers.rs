//! Each format read from the hand-written fixtures: facts, messages, usage and the traps.

use spaces_store::sessions::read_transcript;
use spaces_store::{Agent, MessageRole, SessionFilter, TokenUsage};

use super::{fixture_root, indexed_home};

const CLAUDE_MAIN: &str = "3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c";

#[test]
fn every_fixture_is_indexed_without_a_problem_beyond_the_planted_ones() {
    let (_home, _database, report) = indexed_home();
    assert_eq!(report.files_found, 12, "{report:#?}");
    assert_eq!(report.duplicates_skipped, 1, "the archived Codex copy");
    assert_eq!(report.files_read, 12);
    assert_eq!(report.lines.malformed, 0, "{report:#?}");
    // some-future-line (Claude), brand_new_type (Codex), {"weird":true} (Gemini).
    assert_eq!(report.lines.unknown_type, 3, "{report:#?}");
    assert_eq!(report.files_with_problems, 0, "{report:#?}");
}

#[test]
fn claude_session_facts_follow_the_rules() {
    let (_home, database, _) = indexed_home();
    let session = database
        .session_summary(Agent::Claude, CLAUDE_MAIN)
        .expect("query")
        .expect("indexed");
    assert_eq!(session.cwd, "/home/alice/webapp");
    assert_eq!(
        session.title, "Add /healthz endpoint",
        "the summary line wins over the first prompt"
    );
    assert_eq!(session.git_branch, "feature/healthz", "the latest branch");
    assert_eq!(
        session.models,
        ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101"],
        "no <synthetic>"
    );
    assert_eq!(session.first_at_ms, Some(1_763_632_799_000));
    assert_eq!(session.last_at_ms, Some(1_763_633_102_000));
    assert_eq!(session.message_count, 9);
    assert_eq!(session.parent, None);
    assert!(!session.file_gone);
}

#[test]
fn a_claude_response_written_as_several_lines_keeps_its_usage_once() {
    let (_home, database, _) = indexed_home();
    let messages = database
        .session_messages(Agent::Claude, CLAUDE_MAIN)
        .expect("messages");
    let main: Vec<_> = messages.iter().filter(|m| m.subagent.is_none()).collect();
    let roles: Vec<MessageRole> = main.iter().map(|m| m.role).collect();
    use MessageRole::*;
    assert_eq!(
        roles,
        [
            System, User, System, Assistant, ToolCall, ToolResult, System, User, Assistant
        ]
    );
    let with_usage: Vec<_> = main.iter().filter_map(|m| m.usage).collect();
    assert_eq!(
        with_usage,
        [
            TokenUsage {
                input: 4,
                output: 85,
                cache_read: 15_000,
                cache_write: 1_200,
                ..TokenUsage::default()
            },
            TokenUsage {
                input: 10,
                output: 40,
                cache_read: 16_000,
                cache_write: 300,
                cache_write_1h: 300,
                ..TokenUsage::default()
            },
        ],
        "msg_1 counted once with its largest copy, the synthetic error not at all"
    );
    assert_eq!(
        main[5].tool_name.as_deref(),
        Some("Edit"),
        "a result is named after its call"
    );
    assert_eq!(main[6].text, "API Error: 529 overloaded");
    assert_eq!(main[6].model, None);
}

#[test]
fn claude_sub_agents_in_both_layouts_are_woven_into_their_parent() {
    let (_home, database, _) = indexed_home();
    let filter = SessionFilter {
        agent: Some(Agent::Claude),
        include_subagents: true,
        ..SessionFilter::default()
    };
    let sessions = database.list_sessions(&filter).expect("list");
    let children: Vec<_> = sessions
        .iter()
        .filter(|s| s.parent.as_deref() == Some(CLAUDE_MAIN))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(children.len(), 2, "{sessions:#?}");
    assert!(children.contains(&"agent-a1b2c3d4") && children.contains(&"agent-e5f6a7b8"));
    let top = database
        .list_sessions(&SessionFilter {
            agent: Some(Agent::Claude),
            ..SessionFilter::default()
        })
        .expect("list");
    assert!(
        top.iter().all(|s| s.parent.is_none()),
        "sub-agents are not listed by default"
    );

    let messages = database
        .session_messages(Agent::Claude, CLAUDE_MAIN)
        .expect("messages");
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    let position = |needle: &str| texts.iter().position(|t| t.contains(needle)).expect(needle);
    assert!(
        position("old_string") < position("Find every route"),
        "{texts:#?}"
    );
    assert!(position("Find every route") < position("has been updated"));
    assert!(position("Now write a test") < position("Check the migrations folder"));
    let sub = &messages[position("Found three routes")];
    assert!(sub.from_subagent);
    assert_eq!(sub.subagent.as_deref(), Some("agent-a1b2c3d4"));
}

#[test]
fn lines_copied_by_a_claude_resume_are_kept_once() {
    let (_home, database, _) = indexed_home();
    let resumed = database
        .session_summary(Agent::Claude, "7d2e4b10-1111-4222-8333-944455556666")
        .expect("q")
        .expect("indexed");
    assert_eq!(resumed.title, "Healthz follow-up", "a custom title wins");
    assert_eq!(
        resumed.message_count, 2,
        "the two copied lines are the original session's"
    );
    let texts: Vec<String> = database
        .session_messages(Agent::Claude, &resumed.id)
        .expect("messages")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(
        texts,
        [
            "Make the healthz timeout configurable",
            "Added HEALTHZ_TIMEOUT_MS, default 2000."
        ]
    );
}

#[test]
fn codex_prompts_from_every_source_once_and_injected_blocks_skipped() {
    let (_home, database, _) = indexed_home();
    let id = "019a9776-0a34-7842-8627-112b63d66e90";
    let session = database
        .session_summary(Agent::Codex, id)
        .expect("q")
        .expect("indexed");
    assert_eq!(
        session.cwd, "/home/alice/api",
        "the cwd the session started in, not a later turn's"
    );
    assert_eq!(session.title, "Rate-limit the login endpoint");
    assert_eq!(session.git_branch, "main");
    assert_eq!(session.models, ["gpt-5-codex", "gpt-5.1-codex"]);
    assert!(
        session
            .file
            .as_deref()
            .is_some_and(|f| f.contains("/sessions/2025/")),
        "the sessions/ copy wins"
    );
    let messages = database
        .session_messages(Agent::Codex, id)
        .expect("messages");
    let rows: Vec<(MessageRole, &str)> =
        messages.iter().map(|m| (m.role, m.text.as_str())).collect();
    assert_eq!(
        rows,
        [
            (MessageRole::User, "Rate-limit the login endpoint"),
            (MessageRole::ToolCall, "{\"command\":[\"rg\",\"fn login\"]}"),
            (MessageRole::ToolResult, "src/auth.rs:12: pub fn login()"),
            (
                MessageRole::Assistant,
                "Added a token bucket limiter to login."
            ),
            (MessageRole::User, "Now add a test in the auth crate"),
            (
                MessageRole::Assistant,
                "Test added in crates/auth/tests/limit.rs."
            ),
        ]
    );
    assert_eq!(messages[1].tool_name.as_deref(), Some("shell"));
    assert_eq!(messages[2].tool_name.as_deref(), Some("shell"));
    assert_eq!(
        messages[3].usage,
        Some(TokenUsage {
            input: 12_850,
            output: 412,
            cache_read: 9_984,
            reasoning: 256,
            ..TokenUsage::default()
        })
    );
    assert_eq!(messages[5].model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(
        messages[5].usage,
        Some(TokenUsage {
            input: 7_150,
            output: 188,
            cache_read: 5_016,
            reasoning: 44,
            ..TokenUsage::default()
        }),
        "without last_token_usage, the difference of totals"
    );
}

#[test]
fn old_codex_rollouts_assume_gpt5_and_new_ones_read_item_completed() {
    let (_home, database, _) = indexed_home();
    let old = database
        .session_summary(Agent::Codex, "0197aaaa-bbbb-4ccc-8ddd-eeeeffff0000")
        .expect("q")
        .expect("archived only");
    assert_eq!(old.models, ["gpt-5"]);
    assert!(old.model_assumed);
    assert_eq!(old.title, "Explain the flaky retry test");
    let new = database
        .session_summary(Agent::Codex, "019ad0c1-7e2f-7a10-9b3c-0d1e2f3a4b5c")
        .expect("q")
        .expect("indexed");
    assert_eq!(
        new.title, "Migrate the session cookie to SameSite=Lax",
        "not the AGENTS.md block"
    );
    assert!(!new.model_assumed);
    let texts: Vec<String> = database
        .session_messages(Agent::Codex, &new.id)
        .expect("m")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(
        texts,
        [
            "Migrate the session cookie to SameSite=Lax",
            "Cookie flags updated in server/session.ts.",
            "Also set Secure in production"
        ]
    );
}

#[test]
fn gemini_jsonl_rewinds_replacements_and_regrown_messages() {
    let (_home, database, _) = indexed_home();
    let id = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
    let session = database
        .session_summary(Agent::Gemini, id)
        .expect("q")
        .expect("indexed");
    assert_eq!(session.cwd, "/home/alice/webapp", "from .project_root");
    assert_eq!(session.title, "Add healthz endpoint", "$set.summary");
    assert_eq!(
        session.models,
        ["gemini-2.5-pro"],
        "the rewound flash answer is gone"
    );
    assert_eq!(
        session.last_at_ms,
        Some(1_776_679_325_000),
        "lastUpdated from $set"
    );
    let messages: Vec<_> = database
        .session_messages(Agent::Gemini, id)
        .expect("m")
        .into_iter()
        .filter(|m| m.subagent.is_none())
        .collect();
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "/model",
            "Add a /healthz endpoint to the express server",
            "Adding the route to server.ts.",
            "{\"file_path\":\"server.ts\"}",
            "Updated server.ts",
            "Keep express but add a timeout",
            "Request cancelled."
        ]
    );
    assert_eq!(
        messages[2].usage,
        Some(TokenUsage {
            input: 10_450,
            output: 120,
            cache_read: 8_192,
            reasoning: 310,
            ..TokenUsage::default()
        }),
        "the last copy of m2"
    );
    assert_eq!(messages[3].tool_name.as_deref(), Some("replace"));

    let replaced = database
        .session_summary(Agent::Gemini, "b2c3d4e5-0000-4000-8000-000000000001")
        .expect("q")
        .expect("indexed");
    assert_eq!(
        replaced.title, "Document the deploy script",
        "<session_context> is not a title; the cancelled prompt is gone"
    );
    assert_eq!(replaced.message_count, 3);
}

#[test]
fn gemini_sub_agents_slug_and_hash_folders_and_old_json_files() {
    let (_home, database, _) = indexed_home();
    let child = database
        .session_summary(Agent::Gemini, "c9d8e7f6-0000-4000-8000-000000000009")
        .expect("q")
        .expect("indexed");
    assert_eq!(
        child.parent.as_deref(),
        Some("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    );
    let docs = database
        .session_summary(Agent::Gemini, "d0c5d0c5-0000-4000-8000-000000000002")
        .expect("q")
        .expect("indexed");
    assert_eq!(docs.cwd, "/home/alice/docs site", "from projects.json");
    assert_eq!(
        docs.resume_command().shell,
        "cd '/home/alice/docs site' && gemini --resume d0c5d0c5-0000-4000-8000-000000000002"
    );
    let old = database
        .session_summary(Agent::Gemini, "0a0b0c0d-1111-4222-8333-444455556666")
        .expect("q")
        .expect("indexed");
    assert_eq!(
        old.cwd, "/home/alice/webapp",
        "the sha256 folder matched a path another agent recorded"
    );
    assert_eq!(old.title, "Why does the websocket reconnect loop");
    assert_eq!(old.message_count, 2);
}

#[test]
fn listing_filters_by_agent_and_folder_newest_first_with_paging() {
    let (_home, database, _) = indexed_home();
    let all = database
        .list_sessions(&SessionFilter::default())
        .expect("list");
    assert_eq!(
        all.len(),
        9,
        "{:#?}",
        all.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert!(
        all.windows(2)
            .all(|pair| pair[0].last_at_ms >= pair[1].last_at_ms)
    );
    let webapp = SessionFilter {
        cwd_prefix: Some("/home/alice/webapp/".into()),
        ..SessionFilter::default()
    };
    let in_webapp = database.list_sessions(&webapp).expect("list");
    assert_eq!(in_webapp.len(), 6);
    assert!(in_webapp.iter().all(|s| s.cwd == "/home/alice/webapp"));
    let api = SessionFilter {
        cwd_prefix: Some("/home/alice".into()),
        agent: Some(Agent::Codex),
        ..SessionFilter::default()
    };
    assert_eq!(database.list_sessions(&api).expect("list").len(), 3);
    let page = SessionFilter {
        limit: Some(3),
        offset: 3,
        ..SessionFilter::default()
    };
    let ids: Vec<_> = database
        .list_sessions(&page)
        .expect("page")
        .into_iter()
        .map(|s| s.id)
        .collect();
    let expected: Vec<_> = all[3..6].iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, expected);
}

#[test]
fn a_single_file_can_be_read_without_a_database() {
    let path = fixture_root().join("codex/archived_sessions/rollout-2025-06-02T08-30-00-0197aaaa-bbbb-4ccc-8ddd-eeeeffff0000.jsonl");
    let transcript = read_transcript(Agent::Codex, &path, 0).expect("read");
    assert_eq!(transcript.facts.id, "0197aaaa-bbbb-4ccc-8ddd-eeeeffff0000");
    assert_eq!(transcript.messages.len(), 2);
    assert_eq!(
        transcript.end_offset,
        std::fs::metadata(&path).expect("meta").len()
    );
}
