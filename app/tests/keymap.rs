//! Key bindings from `config.toml`: a rebound command answers its new shortcut and no longer
//! its old one, and a binding that cannot be read is reported while the others apply. Its own
//! test binary: the bindings in force are the process's, and the other UI tests expect the
//! defaults.

#[path = "support/window.rs"]
mod window;

use egui::Key;
use window::Window;

#[test]
fn a_rebound_command_answers_its_new_shortcut_only() {
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    std::fs::write(
        data_dir.path().join("config.toml"),
        "[keys]\nsplit_right = \"ctrl+shift+d\"\nnew_tab = \"ctrl+banana\"\n",
    )
    .expect("write config.toml");
    let mut window = Window::open_in(data_dir);
    assert!(
        window
            .app()
            .notices()
            .iter()
            .any(|notice| notice.text.contains("new_tab")),
        "the unreadable binding is reported"
    );
    window.shortcut(Key::E);
    assert_eq!(window.pane_count(), 1, "the old shortcut no longer splits");
    window.shortcut(Key::D);
    assert_eq!(window.pane_count(), 2, "the new one does");
    assert_eq!(
        spaces_app::ui::commands::Command::SplitRight.shortcut_text(),
        "Ctrl+Shift+D"
    );
}
