//! The egui_tiles `Behavior` for the pane grid: borrows the panes for one frame, draws each
//! visible pane with `terminal_view`, and titles the tabs.

use egui::WidgetText;
use egui_tiles::{SimplificationOptions, TileId, Tiles, UiResponse};
use spaces_term::PaneId;

use crate::model::Panes;
use crate::ui::terminal::{PaneRequest, PaneViews, ViewContext, pane_ui};

pub struct TileBehavior<'a> {
    pub panes: &'a Panes,
    /// Each pane's view state; a pane drawn for the first time gets a fresh one.
    pub views: &'a mut PaneViews,
    pub view: ViewContext<'a>,
}

impl egui_tiles::Behavior<PaneId> for TileBehavior<'_> {
    fn pane_ui(&mut self, ui: &mut egui::Ui, _tile_id: TileId, pane: &mut PaneId) -> UiResponse {
        if let Some(entry) = self.panes.get(*pane) {
            let view = self.views.entry(*pane).or_default();
            pane_ui(ui, *pane, entry, view, &mut self.view);
        } else {
            ui.centered_and_justified(|ui| ui.label("This pane is gone."));
        }
        UiResponse::None
    }

    fn tab_title_for_pane(&mut self, pane: &PaneId) -> WidgetText {
        let Some(entry) = self.panes.get(*pane) else {
            return "gone".into();
        };
        if let Some(agent) = &entry.agent {
            return agent_badge(agent, self.view.focused == Some(*pane)).into();
        }
        let mut title = entry.tab_title();
        if title.chars().count() > 40 {
            title = title.chars().take(39).collect::<String>() + "…";
        }
        let text = egui::RichText::new(title);
        if entry.terminal.exit_info().is_some() {
            text.italics().color(crate::ui::theme::EXITED_TAB).into()
        } else if self.view.focused == Some(*pane) {
            text.strong().into()
        } else {
            text.into()
        }
    }

    fn is_tab_closable(&self, _tiles: &Tiles<PaneId>, _tile_id: TileId) -> bool {
        true
    }

    fn on_tab_close(&mut self, tiles: &mut Tiles<PaneId>, tile_id: TileId) -> bool {
        if let Some(pane) = tiles.get_pane(&tile_id) {
            self.view.requests.push(PaneRequest::Close(*pane));
        }
        // The app closes the pane (and its tile) after the frame, in one place.
        false
    }

    fn on_tab_button(
        &mut self,
        tiles: &mut Tiles<PaneId>,
        tile_id: TileId,
        button_response: egui::Response,
    ) -> egui::Response {
        let pane = tiles.get_pane(&tile_id).copied();
        if button_response.clicked()
            && let Some(pane) = pane
        {
            self.view.requests.push(PaneRequest::Focus(pane));
        }
        match pane
            .and_then(|pane| self.panes.get(pane))
            .and_then(|entry| entry.agent.as_ref())
        {
            Some(agent) => button_response.on_hover_text(agent_details(agent)),
            None => button_response,
        }
    }

    fn simplification_options(&self) -> SimplificationOptions {
        crate::ui::layout::simplification()
    }

    fn gap_width(&self, _style: &egui::Style) -> f32 {
        2.0
    }

    fn tab_bar_height(&self, _style: &egui::Style) -> f32 {
        26.0
    }

    /// A thin line between panes, brighter while the pointer is on it or drags it.
    fn resize_stroke(
        &self,
        style: &egui::Style,
        resize_state: egui_tiles::ResizeState,
    ) -> egui::Stroke {
        match resize_state {
            egui_tiles::ResizeState::Idle => egui::Stroke::new(1.0, crate::ui::theme::PANE_DIVIDER),
            egui_tiles::ResizeState::Hovering => style.visuals.widgets.hovered.fg_stroke,
            egui_tiles::ResizeState::Dragging => style.visuals.widgets.active.fg_stroke,
        }
    }
}

/// A pane running an agent is titled by it: a dot in the state's colour, the agent, the
/// conversation's first prompt (or its id), and the state in words.
fn agent_badge(agent: &crate::model::agents::PaneAgent, focused: bool) -> egui::text::LayoutJob {
    use egui::text::{LayoutJob, TextFormat};
    let color = crate::ui::theme::agent_state(agent.state);
    let font = egui::FontId::proportional(13.0);
    let text_color = if focused {
        egui::Color32::WHITE
    } else {
        egui::Color32::from_gray(190)
    };
    let mut job = LayoutJob::default();
    job.append("\u{2022} ", 0.0, TextFormat::simple(font.clone(), color));
    let name = crate::ui::app::agent_label(agent.agent);
    let topic = agent
        .title
        .clone()
        .or_else(|| {
            agent
                .session
                .as_ref()
                .map(|id| id.chars().take(8).collect())
        })
        .unwrap_or_else(|| "new conversation".to_owned());
    let mut topic: String = topic;
    if topic.chars().count() > 28 {
        topic = topic.chars().take(27).collect::<String>() + "\u{2026}";
    }
    job.append(
        &format!("{name} \u{b7} {topic} "),
        0.0,
        TextFormat::simple(font.clone(), text_color),
    );
    job.append(
        agent.state.as_str(),
        0.0,
        TextFormat::simple(font.clone(), color),
    );
    if let Some(usage) = agent.usage.filter(|usage| usage.responses > 0) {
        job.append(
            &format!(" \u{b7} {}", crate::ui::usage::cost_text(&usage)),
            0.0,
            TextFormat::simple(font, text_color),
        );
    }
    job
}

/// What hovering an agent's tab says: the conversation, and its tokens and cost.
fn agent_details(agent: &crate::model::agents::PaneAgent) -> String {
    let mut text = format!(
        "{} \u{2014} {}",
        crate::ui::app::agent_label(agent.agent),
        agent.state.as_str()
    );
    if let Some(title) = &agent.title {
        text.push_str(&format!("\n{title}"));
    }
    if let Some(session) = &agent.session {
        text.push_str(&format!("\nsession {session}"));
    }
    if let Some(usage) = &agent.usage {
        text.push_str(&format!(
            "\n{}: {} responses; input {}, output {}, cache write {}, cache read {} tokens",
            crate::ui::usage::cost_text(usage),
            usage.responses,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_creation_tokens,
            usage.cache_read_tokens
        ));
    }
    text
}
