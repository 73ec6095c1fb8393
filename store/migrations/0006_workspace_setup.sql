-- 0006: what a workspace sets up for its panes, and the git worktrees made for it.
-- Why: a workspace isolates a project: new panes start in its root directory with its
-- environment variables (the app also reads a `.env` file in the root), and "new pane in a
-- git worktree" makes a worktree of the root's repository for one task, listed on the
-- workspace until the user removes it. Kept apart from `workspaces` so the workspace record
-- (and the export format built on it) stays as it was. NEVER EDIT THIS FILE once released.

CREATE TABLE workspace_setup (
    workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    -- Absolute directory new panes start in; NULL: none (they start where the focused pane is).
    root          TEXT,
    -- A JSON object of variables every new pane of the workspace gets.
    env_json      TEXT    NOT NULL DEFAULT '{}',
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE workspace_worktrees (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- The worktree's directory (absolute).
    path          TEXT    NOT NULL,
    branch        TEXT    NOT NULL,
    -- The repository it belongs to (the workspace's root when it was made).
    repository    TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, path)
) STRICT;
