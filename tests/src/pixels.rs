//! The screen's pixels, for checks that only show in the picture (a banner's colour).

use std::process::{Command, Stdio};

use anyhow::{Context as _, bail, ensure};

use crate::{Spaces, require_tool};

/// The whole screen as RGB bytes, row by row.
#[derive(Clone, Debug)]
pub struct Pixels {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Pixels {
    /// How many pixels are within `tolerance` (per channel) of `color`.
    pub fn count_near(&self, color: [u8; 3], tolerance: u8) -> usize {
        self.rgb
            .chunks_exact(3)
            .filter(|pixel| {
                pixel
                    .iter()
                    .zip(color)
                    .all(|(&have, want)| have.abs_diff(want) <= tolerance)
            })
            .count()
    }
}

impl Spaces {
    /// Captures the screen with ImageMagick's `import` (as a binary PPM).
    pub fn pixels(&self) -> anyhow::Result<Pixels> {
        require_tool("import", "imagemagick")?;
        let output = Command::new("import")
            .args(["-window", "root", "-depth", "8", "ppm:-"])
            .env("DISPLAY", self.display())
            .stdin(Stdio::null())
            .output()
            .context("running import")?;
        if !output.status.success() {
            bail!(
                "`import -window root ppm:-` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        parse_ppm(&output.stdout)
    }
}

/// Parses a binary PPM (`P6`, maxval 255) without comments.
fn parse_ppm(data: &[u8]) -> anyhow::Result<Pixels> {
    let mut fields = Vec::new();
    let mut position = 0;
    while fields.len() < 4 {
        while data.get(position).is_some_and(u8::is_ascii_whitespace) {
            position += 1;
        }
        let start = position;
        while data.get(position).is_some_and(|b| !b.is_ascii_whitespace()) {
            position += 1;
        }
        ensure!(position > start, "the PPM header ends early");
        fields.push(std::str::from_utf8(&data[start..position])?.to_owned());
    }
    ensure!(fields[0] == "P6", "not a binary PPM: {:?}", fields[0]);
    ensure!(fields[3] == "255", "PPM maxval {} is not 255", fields[3]);
    let width: usize = fields[1].parse().context("PPM width")?;
    let height: usize = fields[2].parse().context("PPM height")?;
    let rgb = data
        .get(position + 1..)
        .context("the PPM has no pixels")?
        .to_vec();
    ensure!(
        rgb.len() == width * height * 3,
        "the PPM has {} bytes of pixels, not {}",
        rgb.len(),
        width * height * 3
    );
    Ok(Pixels { width, height, rgb })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_ppm_is_read_and_counted() {
        let mut data = b"P6\n2 1\n255\n".to_vec();
        data.extend_from_slice(&[150, 200, 240, 0, 0, 0]);
        let pixels = parse_ppm(&data).expect("parses");
        assert_eq!((pixels.width, pixels.height), (2, 1));
        assert_eq!(pixels.count_near([152, 198, 240], 3), 1);
        assert_eq!(pixels.count_near([150, 200, 240], 0), 1);
        assert_eq!(pixels.count_near([10, 10, 10], 3), 0);
    }
}
