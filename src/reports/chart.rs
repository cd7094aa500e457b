//! The digest's chart: a small PNG bar chart drawn with tiny-skia. It carries no text, so it
//! needs no font and reads the same in every language; the digest's text names the bars and
//! their values.

use anyhow::{Context, Result, anyhow};
use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

/// Width of the image in pixels.
pub const WIDTH: u32 = 480;
/// Height of the image in pixels.
pub const HEIGHT: u32 = 240;
/// Blank space around the plot, pixels.
const MARGIN: f32 = 20.0;

/// The colour of each priority's bar, P1 to P4 (red, orange, blue, grey).
pub const PRIORITY_COLOURS: [[u8; 3]; 4] = [
    [0xc0, 0x39, 0x2b],
    [0xe6, 0x7e, 0x22],
    [0x29, 0x80, 0xb9],
    [0x7f, 0x8c, 0x8d],
];

/// Where each bar lies: its left edge, width and top (the baseline is `HEIGHT - MARGIN`).
pub fn layout(values: &[i64]) -> Vec<(f32, f32, f32)> {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f32;
    let plot_w = WIDTH as f32 - 2.0 * MARGIN;
    let plot_h = HEIGHT as f32 - 2.0 * MARGIN;
    let slot = plot_w / values.len().max(1) as f32;
    let base = HEIGHT as f32 - MARGIN;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = plot_h * (*v).max(0) as f32 / max;
            (MARGIN + slot * i as f32 + slot * 0.2, slot * 0.6, base - h)
        })
        .collect()
}

/// A bar per value, left to right, in the given colours (cycled), scaled to the largest, over
/// a baseline; as PNG bytes.
pub fn bar_chart_png(values: &[i64], colours: &[[u8; 3]]) -> Result<Vec<u8>> {
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT).ok_or_else(|| anyhow!("empty chart size"))?;
    pixmap.fill(Color::WHITE);
    let base = HEIGHT as f32 - MARGIN;
    for (i, (x, w, top)) in layout(values).into_iter().enumerate() {
        if top >= base {
            continue;
        }
        let [r, g, b] = colours
            .get(i % colours.len().max(1))
            .copied()
            .unwrap_or([0; 3]);
        let mut paint = Paint::default();
        paint.set_color_rgba8(r, g, b, 255);
        let rect = Rect::from_ltrb(x, top, x + w, base).context("bar outside the chart")?;
        pixmap.fill_rect(rect, &paint, Transform::identity(), None);
    }
    let mut axis = PathBuilder::new();
    axis.move_to(MARGIN, base);
    axis.line_to(WIDTH as f32 - MARGIN, base);
    let axis = axis.finish().context("axis path")?;
    let mut paint = Paint::default();
    paint.set_color_rgba8(0x33, 0x33, 0x33, 255);
    let stroke = Stroke {
        width: 2.0,
        ..Stroke::default()
    };
    pixmap.stroke_path(&axis, &paint, &stroke, Transform::identity(), None);
    pixmap
        .encode_png()
        .context("cannot encode the chart as PNG")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_drawn_to_scale_in_their_colours() {
        let values = [0, 3, 6, 1];
        let png = bar_chart_png(&values, &PRIORITY_COLOURS).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let img = Pixmap::decode_png(&png).unwrap();
        assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
        let at = |x: f32, y: f32| {
            let p = img.pixel(x as u32, y as u32).unwrap();
            [p.red(), p.green(), p.blue()]
        };
        let bars = layout(&values);
        let base = HEIGHT as f32 - MARGIN;
        // The tallest bar spans the plot; P3 at 6 is twice P2 at 3.
        assert_eq!(bars[2].2, MARGIN);
        assert!(((base - bars[1].2) * 2.0 - (base - bars[2].2)).abs() < 0.01);
        for (i, (x, w, top)) in bars.iter().enumerate() {
            let mid = x + w / 2.0;
            if values[i] > 0 {
                assert_eq!(at(mid, top + 2.0), PRIORITY_COLOURS[i], "inside bar {i}");
            }
            assert_eq!(at(mid, top - 2.0), [255, 255, 255], "above bar {i}");
        }
        // An empty chart is a baseline on white.
        let none = Pixmap::decode_png(&bar_chart_png(&[0, 0], &PRIORITY_COLOURS).unwrap()).unwrap();
        let p = none.pixel(WIDTH / 2, HEIGHT / 2).unwrap();
        assert_eq!([p.red(), p.green(), p.blue()], [255, 255, 255]);
    }
}
