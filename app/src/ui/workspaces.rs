//! The workspace sidebar: each workspace with its colour, name and number of panes, the
//! active one highlighted, a dot on those whose panes printed since they were last shown; an
//! "Archived" section below. Rows are dragged to reorder; a right click offers rename,
//! colours, notes, archive and delete. It only draws and reports what the user asked for
//! (`SidebarAction`); the window carries it out.

use egui::{Color32, RichText, Sense};
use spaces_store::{WorkspaceId, WorkspaceRecord};

use crate::model::workspace_input::{self, PALETTE};
use crate::ui::theme;

/// Width of the sidebar when open.
const WIDTH: f32 = 190.0;

/// One unarchived workspace as the sidebar shows it.
pub struct Row<'a> {
    pub record: &'a WorkspaceRecord,
    pub panes: usize,
    pub active: bool,
    /// A pane printed something since the workspace was last shown.
    pub unseen_output: bool,
    /// An agent in one of its panes waits for the user.
    pub agent_waiting: bool,
}

/// What the user asked for in the sidebar (or its dialogs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SidebarAction {
    Switch(WorkspaceId),
    Create {
        name: String,
    },
    Rename(WorkspaceId, String),
    Recolor(WorkspaceId, String),
    /// Move to this index among the unarchived workspaces.
    Move(WorkspaceId, usize),
    ToggleNotes(WorkspaceId),
    Archive(WorkspaceId),
    Unarchive(WorkspaceId),
    /// Delete for good (confirmed).
    Delete(WorkspaceId),
    /// Show an archived workspace read-only.
    Browse(WorkspaceId),
    /// Search everything for these words.
    Search(String),
    /// Open the workspace's settings (root, environment, worktrees).
    Settings(WorkspaceId),
}

/// A name being typed: for a new workspace, or a new name for one.
struct NameEdit {
    target: Option<WorkspaceId>,
    text: String,
    focus: bool,
}

/// The sidebar's own state between frames.
pub struct Sidebar {
    pub open: bool,
    editing: Option<NameEdit>,
    /// Why the last name or colour was refused, shown until the next try.
    pub problem: Option<String>,
    /// The workspace whose deletion waits for a confirmation.
    confirm_delete: Option<WorkspaceId>,
    /// What is typed in the search box.
    search: String,
    /// The colour being picked with the custom picker.
    custom_color: Option<(WorkspaceId, [u8; 3])>,
}

impl Default for Sidebar {
    fn default() -> Self {
        Self {
            open: true,
            editing: None,
            problem: None,
            confirm_delete: None,
            search: String::new(),
            custom_color: None,
        }
    }
}

/// A workspace colour as egui's (grey when the text is not a colour).
pub fn color(record: &WorkspaceRecord) -> Color32 {
    workspace_input::parse_color(&record.color)
        .map_or(Color32::GRAY, |[r, g, b]| Color32::from_rgb(r, g, b))
}

impl Sidebar {
    /// Starts typing the name of a new workspace.
    pub fn start_new(&mut self) {
        self.open = true;
        self.editing = Some(NameEdit {
            target: None,
            text: String::new(),
            focus: true,
        });
    }

    /// Starts renaming `record`.
    pub fn start_rename(&mut self, record: &WorkspaceRecord) {
        self.open = true;
        self.editing = Some(NameEdit {
            target: Some(record.id),
            text: record.name.clone(),
            focus: true,
        });
    }

    /// Asks whether to delete `id` (offering to archive it instead).
    pub fn ask_delete(&mut self, id: WorkspaceId) {
        self.confirm_delete = Some(id);
    }

    /// Whether a name field has the keyboard.
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// Draws the sidebar (when open) and the delete confirmation.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        rows: &[Row<'_>],
        archived: &[&WorkspaceRecord],
    ) -> Vec<SidebarAction> {
        let mut actions = Vec::new();
        self.confirm_delete_dialog(ui.ctx(), rows, archived, &mut actions);
        if !self.open {
            return actions;
        }
        egui::Panel::left("workspaces")
            .resizable(false)
            .exact_size(WIDTH)
            .show(ui, |ui| {
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    ui.label(RichText::new("WORKSPACES").small().strong().weak());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("+")
                            .on_hover_text("New workspace")
                            .clicked()
                        {
                            self.start_new();
                        }
                    });
                });
                let search = ui.add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text("Search everything")
                        .desired_width(f32::INFINITY),
                );
                if search.lost_focus()
                    && ui.input(|input| input.key_pressed(egui::Key::Enter))
                    && !self.search.trim().is_empty()
                {
                    actions.push(SidebarAction::Search(self.search.trim().to_owned()));
                }
                ui.add_space(4.0);
                for (index, row) in rows.iter().enumerate() {
                    self.row(ui, index, row, &mut actions);
                }
                if let Some(edit) = &self.editing
                    && edit.target.is_none()
                {
                    self.name_field(ui, &mut actions);
                }
                if let Some(problem) = &self.problem {
                    ui.colored_label(theme::ERROR, problem);
                }
                self.custom_color_picker(ui, &mut actions);
                if !archived.is_empty() {
                    ui.add_space(10.0);
                    egui::CollapsingHeader::new(
                        RichText::new(format!("Archived ({})", archived.len()))
                            .small()
                            .weak(),
                    )
                    .id_salt("archived-workspaces")
                    .default_open(false)
                    .show(ui, |ui| {
                        for record in archived {
                            archived_row(ui, record, &mut actions);
                        }
                    });
                }
            });
        actions
    }

    fn row(
        &mut self,
        ui: &mut egui::Ui,
        index: usize,
        row: &Row<'_>,
        actions: &mut Vec<SidebarAction>,
    ) {
        let record = row.record;
        let renaming = self
            .editing
            .as_ref()
            .is_some_and(|edit| edit.target == Some(record.id));
        if renaming {
            self.name_field(ui, actions);
            return;
        }
        // One widget per row: click shows it, double click renames, right click opens its
        // menu, a drag carries its id to another row.
        let (rect, response) = ui.allocate_exact_size(
            egui::vec2(ui.available_width(), 24.0),
            Sense::click_and_drag(),
        );
        response.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::Button, true, row.active, &record.name)
        });
        let visuals = ui.style().interact_selectable(&response, row.active);
        if row.active || response.hovered() {
            ui.painter().rect_filled(rect, 4.0, visuals.weak_bg_fill);
        }
        let painter = ui.painter();
        let middle = rect.center().y;
        painter.circle_filled(egui::pos2(rect.min.x + 10.0, middle), 5.0, color(record));
        let name_color = if row.active {
            Color32::WHITE
        } else {
            visuals.text_color()
        };
        let font = egui::TextStyle::Body.resolve(ui.style());
        let name = painter.layout(
            record.name.clone(),
            font,
            name_color,
            (rect.width() - 56.0).max(10.0),
        );
        let name_pos = egui::pos2(rect.min.x + 22.0, middle - name.size().y / 2.0);
        painter.galley(name_pos, name, name_color);
        let small = egui::TextStyle::Small.resolve(ui.style());
        painter.text(
            egui::pos2(rect.max.x - 6.0, middle),
            egui::Align2::RIGHT_CENTER,
            row.panes.to_string(),
            small,
            ui.visuals().weak_text_color(),
        );
        if row.unseen_output {
            painter.circle_filled(egui::pos2(rect.max.x - 22.0, middle), 3.0, theme::ACCENT);
        }
        let response = if row.agent_waiting {
            // An agent waits here: an amber ring round the workspace's dot.
            painter.circle_stroke(
                egui::pos2(rect.min.x + 10.0, middle),
                7.5,
                egui::Stroke::new(2.0, theme::AGENT_WAITING),
            );
            response.on_hover_text("An agent here is waiting for you")
        } else {
            response
        };
        if response.drag_started() {
            response.dnd_set_drag_payload(record.id);
        }
        if response.dragged()
            && let Some(pointer) = ui.ctx().pointer_interact_pos()
        {
            // The row's name follows the pointer while it is dragged.
            let layer =
                egui::LayerId::new(egui::Order::Tooltip, egui::Id::unique("workspace-drag"));
            let painter = ui.ctx().layer_painter(layer);
            let font = egui::TextStyle::Body.resolve(ui.style());
            let galley = painter.layout_no_wrap(record.name.clone(), font, Color32::WHITE);
            let rect = egui::Rect::from_min_size(pointer + egui::vec2(12.0, -8.0), galley.size())
                .expand(4.0);
            painter.rect_filled(rect, 4.0, color(record).gamma_multiply(0.8));
            painter.galley(rect.min + egui::vec2(4.0, 4.0), galley, Color32::WHITE);
        }
        // Dropping another row here puts it at this row's place; a line shows where.
        if let Some(moved) = response.dnd_hover_payload::<WorkspaceId>()
            && *moved != record.id
        {
            let y = rect.min.y;
            ui.painter()
                .hline(rect.x_range(), y, egui::Stroke::new(2.0, theme::ACCENT));
        }
        if let Some(moved) = response.dnd_release_payload::<WorkspaceId>()
            && *moved != record.id
        {
            actions.push(SidebarAction::Move(*moved, index));
        }
        if response.clicked() {
            actions.push(SidebarAction::Switch(record.id));
        }
        if response.double_clicked() {
            self.start_rename(record);
        }
        let shortcut = if index < 9 {
            format!(" (Ctrl+{})", index + 1)
        } else {
            String::new()
        };
        let response = response.on_hover_text(format!(
            "{}{shortcut}: drag to reorder, right-click for more",
            record.name
        ));
        self.context_menu(&response, record, actions);
    }

    fn context_menu(
        &mut self,
        response: &egui::Response,
        record: &WorkspaceRecord,
        actions: &mut Vec<SidebarAction>,
    ) {
        response.context_menu(|ui| {
            if ui.button("Rename…").clicked() {
                self.start_rename(record);
                ui.close();
            }
            ui.menu_button("Colour", |ui| {
                ui.horizontal_wrapped(|ui| {
                    for swatch in PALETTE {
                        let [r, g, b] = workspace_input::parse_color(swatch).unwrap_or([128; 3]);
                        let (rect, response) =
                            ui.allocate_exact_size(egui::vec2(18.0, 18.0), Sense::click());
                        response.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Button, true, swatch)
                        });
                        ui.painter()
                            .rect_filled(rect, 3.0, Color32::from_rgb(r, g, b));
                        if response.on_hover_text(swatch).clicked() {
                            actions.push(SidebarAction::Recolor(record.id, swatch.to_owned()));
                            ui.close();
                        }
                    }
                });
                if ui.button("Custom…").clicked() {
                    let current = workspace_input::parse_color(&record.color).unwrap_or([128; 3]);
                    self.custom_color = Some((record.id, current));
                    ui.close();
                }
            });
            if ui.button("Notes").clicked() {
                actions.push(SidebarAction::ToggleNotes(record.id));
                ui.close();
            }
            if ui
                .button("Settings (root, environment, worktrees)…")
                .clicked()
            {
                actions.push(SidebarAction::Settings(record.id));
                ui.close();
            }
            ui.separator();
            if ui.button("Archive").clicked() {
                actions.push(SidebarAction::Archive(record.id));
                ui.close();
            }
            if ui.button("Delete…").clicked() {
                self.confirm_delete = Some(record.id);
                ui.close();
            }
        });
    }

    /// The field where a name is typed; Enter creates or renames, Escape cancels.
    fn name_field(&mut self, ui: &mut egui::Ui, actions: &mut Vec<SidebarAction>) {
        let Some(edit) = &mut self.editing else {
            return;
        };
        let field = ui.add(
            egui::TextEdit::singleline(&mut edit.text)
                .hint_text("Workspace name")
                .desired_width(f32::INFINITY),
        );
        if edit.focus {
            field.request_focus();
            edit.focus = false;
        }
        let (enter, escape) = ui.input(|input| {
            (
                input.key_pressed(egui::Key::Enter),
                input.key_pressed(egui::Key::Escape),
            )
        });
        if escape {
            self.editing = None;
            self.problem = None;
        } else if enter || field.lost_focus() && !edit.text.trim().is_empty() {
            let text = edit.text.clone();
            actions.push(match edit.target {
                Some(id) => SidebarAction::Rename(id, text),
                None => SidebarAction::Create { name: text },
            });
            self.editing = None;
        } else if field.lost_focus() {
            self.editing = None;
        }
    }

    fn custom_color_picker(&mut self, ui: &mut egui::Ui, actions: &mut Vec<SidebarAction>) {
        let Some((id, mut rgb)) = self.custom_color else {
            return;
        };
        ui.add_space(6.0);
        ui.label(RichText::new("Custom colour").small().weak());
        egui::color_picker::color_edit_button_srgb(ui, &mut rgb);
        self.custom_color = Some((id, rgb));
        ui.horizontal(|ui| {
            if ui.button("Apply").clicked() {
                let [r, g, b] = rgb;
                actions.push(SidebarAction::Recolor(
                    id,
                    format!("#{r:02x}{g:02x}{b:02x}"),
                ));
                self.custom_color = None;
            } else if ui.button("Cancel").clicked() {
                self.custom_color = None;
            }
        });
    }

    fn confirm_delete_dialog(
        &mut self,
        ctx: &egui::Context,
        rows: &[Row<'_>],
        archived: &[&WorkspaceRecord],
        actions: &mut Vec<SidebarAction>,
    ) {
        let Some(id) = self.confirm_delete else {
            return;
        };
        let record = rows
            .iter()
            .map(|row| row.record)
            .chain(archived.iter().copied())
            .find(|record| record.id == id);
        let Some(record) = record else {
            self.confirm_delete = None;
            return;
        };
        let mut close = false;
        egui::Window::new("Delete workspace?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "Delete \"{}\" with its panes, their whole history and its notes? This cannot be undone.",
                    record.name
                ));
                ui.label(
                    RichText::new("Archiving keeps everything and frees the sidebar all the same.")
                        .weak(),
                );
                ui.horizontal(|ui| {
                    if !record.archived && ui.button("Archive instead").clicked() {
                        actions.push(SidebarAction::Archive(id));
                        close = true;
                    }
                    if ui
                        .button(RichText::new("Delete").color(theme::ERROR))
                        .clicked()
                    {
                        actions.push(SidebarAction::Delete(id));
                        close = true;
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        close = true;
                    }
                });
            });
        if close {
            self.confirm_delete = None;
        }
    }
}

fn archived_row(ui: &mut egui::Ui, record: &WorkspaceRecord, actions: &mut Vec<SidebarAction>) {
    ui.horizontal(|ui| {
        let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 14.0), Sense::hover());
        ui.painter()
            .circle_stroke(dot.center(), 4.0, egui::Stroke::new(1.5, color(record)));
        let label = ui.selectable_label(false, RichText::new(&record.name).weak());
        if label.clicked() {
            actions.push(SidebarAction::Browse(record.id));
        }
        label.context_menu(|ui| {
            if ui.button("Open read-only").clicked() {
                actions.push(SidebarAction::Browse(record.id));
                ui.close();
            }
            if ui.button("Unarchive").clicked() {
                actions.push(SidebarAction::Unarchive(record.id));
                ui.close();
            }
        });
    });
}
