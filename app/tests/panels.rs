//! UI tests of the agent panels: the sessions panel (list, search, open, resume, a new
//! session appearing by itself) and the Usage view, on fixture agent homes.

#[path = "support/window.rs"]
mod window;

use egui::{Event, Key};
use egui_kittest::kittest::Queryable as _;
use window::Window;

/// A window whose sessions index reads the store's fixture transcripts.
fn window_with_fixture_sessions() -> Window {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/sessions");
    Window::open_configured(tempfile::tempdir().expect("tempdir"), |config| {
        config.session_roots = Some(spaces_store::sessions::SessionRoots {
            claude: Some(fixtures.join("claude")),
            codex: Some(fixtures.join("codex")),
            gemini: Some(fixtures.join("gemini/.gemini")),
        });
    })
}

/// The sessions panel lists every fixture session, search finds a phrase with its snippet,
/// a session opens as a conversation, and Resume where the directory is gone says so and
/// offers another one instead of starting a broken pane.
#[test]
fn the_sessions_panel_lists_searches_opens_and_resumes() {
    let mut window = window_with_fixture_sessions();
    window.shortcut(Key::S);
    window.wait_for("the sessions listed", |w| {
        w.has_label("Add /healthz endpoint")
            && w.has_label("Rate-limit the login endpoint")
            && w.has_label("Fix the broken sidebar links")
    });

    window.text_field_right_of_sidebar().click();
    window.harness.run_steps(2);
    window.harness.event(Event::Text("SameSite".to_owned()));
    window.wait_for("the search hit", |w| {
        !w.has_label("Rate-limit the login endpoint")
            && w.has_label("Migrate the session cookie to SameSite=Lax")
    });

    window
        .harness
        .get_all_by_label("Migrate the session cookie to SameSite=Lax")
        .next()
        .expect("the hit's title")
        .click();
    window.harness.run_steps(3);
    window.wait_for("the conversation", |w| {
        w.has_label("Cookie flags updated in server/session.ts.")
    });

    let panes_before = window.pane_count();
    window
        .harness
        .get_all_by_label("Resume")
        .next()
        .expect("a Resume button")
        .click();
    window.harness.run_steps(3);
    window.wait_for("the resume problem", |w| {
        w.has_label("Cannot resume this session here")
    });
    assert_eq!(
        window.pane_count(),
        panes_before,
        "nothing started half-way"
    );
}

/// A session an agent writes while the window runs appears in the panel by itself.
#[test]
fn a_new_session_appears_in_the_panel_by_itself() {
    let roots = tempfile::tempdir().expect("roots");
    let claude = roots.path().join("claude");
    std::fs::create_dir_all(claude.join("projects/-tmp")).expect("mkdir");
    let mut window = Window::open_configured(tempfile::tempdir().expect("tempdir"), |config| {
        config.session_roots = Some(spaces_store::sessions::SessionRoots {
            claude: Some(claude.clone()),
            codex: None,
            gemini: None,
        });
    });
    window.shortcut(Key::S);
    window.wait_for("the empty list", |w| w.has_label("No sessions found."));
    std::fs::write(
        claude.join("projects/-tmp/5a5a5a5a-0000-4000-8000-000000000001.jsonl"),
        concat!(
            r#"{"type":"user","sessionId":"5a5a5a5a-0000-4000-8000-000000000001","cwd":"/tmp","uuid":"n1","parentUuid":null,"isSidechain":false,"timestamp":"2026-12-03T10:00:00.000Z","message":{"role":"user","content":"Written while the window runs"}}"#,
            "\n"
        ),
    )
    .expect("write a transcript");
    window.wait_for("the new session", |w| {
        w.has_label("Written while the window runs")
    });
}

/// The analytics view on the store's usage fixtures (figures worked out by hand in
/// store/tests/usage.rs): the totals, each day's row and its cost in the table, per agent.
#[test]
fn the_usage_view_shows_the_known_figures() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/usage");
    let mut window = Window::open_configured(tempfile::tempdir().expect("tempdir"), |config| {
        config.session_roots = Some(spaces_store::sessions::SessionRoots {
            claude: Some(fixtures.join("claude")),
            codex: Some(fixtures.join("codex")),
            gemini: Some(fixtures.join("gemini/.gemini")),
        });
    });
    // A command typed at the shell prompt, recorded, shows in the usage patterns.
    window.type_line("echo patterns-$((6*7))");
    window.wait_for("the command ran", |w| w.screen().contains("\npatterns-42"));
    window.harness.state_mut().save_and_stop_recording();
    window.shortcut(Key::U);
    window.wait_for("the view", |w| w.has_label("Usage and cost"));
    window.click("All");
    window.wait_for("the totals", |w| w.has_label("Total $0.09"));
    window.wait_for("the typed command", |w| w.has_label("echo  ×1"));
    assert!(
        window.has_label_containing(": 5 min"),
        "the workspace was active for one five-minute span"
    );
    for label in [
        "2025-11-20",
        "2025-11-21",
        "2025-11-22",
        "$0.08",
        "claude: $0.05",
        "codex: $0.03",
    ] {
        assert!(window.has_label(label), "{label} is not shown");
    }
    assert!(
        window.has_label_containing("20250 input, 2520 output, 6000 cache write, 57000 cache read")
    );
    // No pane of this window ran those sessions or was in their folders.
    assert!(window.has_label("Cost by workspace"));
    assert!(
        window.has_label_containing("(no workspace): $0.09"),
        "the workspace row"
    );
}
