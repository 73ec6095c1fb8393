//! The size of a terminal grid in cells, and in pixels per cell for size reports.

use alacritty_terminal::grid::Dimensions;
use portable_pty::PtySize;

/// A terminal's size: columns and rows of cells, and the pixel size of one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermSize {
    pub cols: u16,
    pub rows: u16,
    pub cell_width: u16,
    pub cell_height: u16,
}

impl TermSize {
    /// The smallest grid we ever create: panes squeezed to nothing still get a usable terminal.
    pub const MIN_COLS: u16 = 2;
    pub const MIN_ROWS: u16 = 1;

    pub fn new(cols: u16, rows: u16) -> Self {
        Self {
            cols: cols.max(Self::MIN_COLS),
            rows: rows.max(Self::MIN_ROWS),
            cell_width: 8,
            cell_height: 16,
        }
    }

    pub fn with_cell_pixels(mut self, width: u16, height: u16) -> Self {
        self.cell_width = width;
        self.cell_height = height;
        self
    }

    pub(crate) fn pty_size(self) -> PtySize {
        PtySize {
            rows: self.rows,
            cols: self.cols,
            pixel_width: self.cols.saturating_mul(self.cell_width),
            pixel_height: self.rows.saturating_mul(self.cell_height),
        }
    }

    pub(crate) fn window_size(self) -> alacritty_terminal::event::WindowSize {
        alacritty_terminal::event::WindowSize {
            num_lines: self.rows,
            num_cols: self.cols,
            cell_width: self.cell_width,
            cell_height: self.cell_height,
        }
    }
}

impl Dimensions for TermSize {
    fn total_lines(&self) -> usize {
        self.screen_lines()
    }

    fn screen_lines(&self) -> usize {
        usize::from(self.rows)
    }

    fn columns(&self) -> usize {
        usize::from(self.cols)
    }
}
