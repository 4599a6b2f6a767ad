//! Charts as inline SVG, written directly rather than through a plotting crate.
//!
//! Why no crate: the report needs four plain shapes (step lines, stacked bars, a ladder, a
//! node-link drawing) whose every mark must carry what a plotting crate's SVG backend does not
//! emit: an ARIA role and `<title>` per chart, a class and data attributes per mark for the
//! script and the browser tests, dash patterns and marker shapes so nothing depends on colour,
//! and text escaped by the same template engine (maud) as the rest of the page. `plotters`'
//! SVG backend writes anonymous `<path>`/`<text>` elements and estimates text size without
//! fonts; wrapping it would take more code than these few functions.
//!
//! Coordinates are screen pixels in `f64`; figures reach here already computed (exact
//! `Decimal`s converted for drawing only, never for arithmetic that is reported).

use maud::{Markup, html};
use rust_decimal::{Decimal, prelude::ToPrimitive};

/// Width of every chart's view box.
pub(super) const WIDTH: f64 = 720.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const PLOT_H: f64 = 220.0;

/// Colours for series; every series also has its own dash pattern and marker.
const COLOURS: [&str; 8] =
    ["#0b5cad", "#b42318", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83", "#6e7781", "#bf3989"];
const DASHES: [&str; 6] = ["", "7 4", "2 3", "10 3 2 3", "4 2", "1 4"];

/// A decimal for drawing.
pub(super) fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// An integer for drawing.
pub(super) fn fu(value: u64) -> f64 {
    f(Decimal::from(value))
}

/// A style for series `i`: colour, dash pattern, marker shape (0 circle, 1 square, 2 triangle).
const fn style(i: usize) -> (&'static str, &'static str, usize) {
    (COLOURS[i % COLOURS.len()], DASHES[i % DASHES.len()], i % 3)
}

/// A marker of shape `shape` at `(x, y)`.
fn marker(shape: usize, x: f64, y: f64, colour: &str) -> Markup {
    match shape {
        0 => html! { circle.mark.point cx=(r(x)) cy=(r(y)) r="3" fill=(colour) {} },
        1 => {
            html! { rect.mark.point x=(r(x - 3.0)) y=(r(y - 3.0)) width="6" height="6" fill=(colour) {} }
        }
        _ => html! {
            polygon.mark.point points=(format!("{},{} {},{} {},{}", r(x), r(y - 4.0), r(x - 4.0), r(y + 3.0), r(x + 4.0), r(y + 3.0))) fill=(colour) {}
        },
    }
}

/// Rounded for compact markup.
fn r(v: f64) -> String {
    format!("{:.1}", v)
}

/// About five round tick values covering `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).abs().max(1e-12);
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(mag * 10.0);
    let mut t = (lo / step).floor() * step;
    let mut out = Vec::new();
    while t <= hi + step * 0.5 && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

/// An axis: its label and how a tick value reads.
pub(super) struct Axis {
    /// The axis title.
    pub(super) label: String,
    /// Tick text.
    pub(super) fmt: fn(f64) -> String,
}

/// A named series of points.
pub(super) struct Line {
    /// Legend text.
    pub(super) label: String,
    /// `(x, y)` in data units; drawn as steps (a value holds until the next point).
    pub(super) points: Vec<(f64, f64)>,
}

/// The frame shared by charts: `<svg>` with its title and description for assistive technology.
fn frame(id: &str, title: &str, desc: &str, height: f64, body: Markup) -> Markup {
    html! {
        svg.chart id=(id) role="img" viewBox=(format!("0 0 {WIDTH} {}", r(height)))
            aria-labelledby=(format!("{id}-t {id}-d")) xmlns="http://www.w3.org/2000/svg" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (desc) }
            (body)
        }
    }
}

/// A legend below the plot, one entry per series with its line sample and marker.
fn legend(labels: &[String], top: f64) -> (Markup, f64) {
    // Two columns unless a label would run into the next.
    let per_row = if labels.iter().any(|l| l.chars().count() > 44) { 1 } else { 2 };
    let col_w = (WIDTH - LEFT) / 2.0;
    let markup = html! {
        g.legend {
            @for (i, label) in labels.iter().enumerate() {
                @let (colour, dash, shape) = style(i);
                @let x = LEFT + col_w * fu((i % per_row) as u64);
                @let y = top + 16.0 * fu((i / per_row) as u64);
                line x1=(r(x)) y1=(r(y)) x2=(r(x + 26.0)) y2=(r(y)) stroke=(colour) stroke-width="2" stroke-dasharray=(dash) {}
                (marker(shape, x + 13.0, y, colour))
                text x=(r(x + 32.0)) y=(r(y + 4.0)) { (label) }
            }
        }
    };
    (markup, 16.0 * fu(labels.len().div_ceil(per_row) as u64))
}

/// Axes with gridlines and tick labels for data ranges `x` and `y`; returns the markup and the
/// data-to-pixel maps.
fn axes(
    x: (f64, f64),
    y: (f64, f64),
    x_axis: &Axis,
    y_axis: &Axis,
) -> (Markup, impl Fn(f64) -> f64, impl Fn(f64) -> f64) {
    axes_with(x, y, x_axis, y_axis, true)
}

/// [`axes`], with or without ticks on the x axis (bars label their own categories).
fn axes_with(
    x: (f64, f64),
    y: (f64, f64),
    x_axis: &Axis,
    y_axis: &Axis,
    x_ticks: bool,
) -> (Markup, impl Fn(f64) -> f64, impl Fn(f64) -> f64) {
    let (x0, x1) = if x.1 > x.0 { x } else { (x.0, x.0 + 1.0) };
    let (y0, y1) = if y.1 > y.0 { y } else { (y.0 - 1.0, y.0 + 1.0) };
    let plot_w = WIDTH - LEFT - RIGHT;
    let sx = move |v: f64| LEFT + (v - x0) / (x1 - x0) * plot_w;
    let sy = move |v: f64| TOP + PLOT_H - (v - y0) / (y1 - y0) * PLOT_H;
    let markup = html! {
        g.axes aria-hidden="true" {
            @for t in ticks(y0, y1).into_iter().filter(|t| *t >= y0 - 1e-9 && *t <= y1 + 1e-9) {
                line.grid x1=(r(LEFT)) x2=(r(LEFT + plot_w)) y1=(r(sy(t))) y2=(r(sy(t))) {}
                text x=(r(LEFT - 6.0)) y=(r(sy(t) + 4.0)) text-anchor="end" { ((y_axis.fmt)(t)) }
            }
            @for t in ticks(x0, x1).into_iter().filter(|t| x_ticks && *t >= x0 - 1e-9 && *t <= x1 + 1e-9) {
                line.axis x1=(r(sx(t))) x2=(r(sx(t))) y1=(r(TOP + PLOT_H)) y2=(r(TOP + PLOT_H + 4.0)) {}
                text x=(r(sx(t))) y=(r(TOP + PLOT_H + 16.0)) text-anchor="middle" { ((x_axis.fmt)(t)) }
            }
            line.axis x1=(r(LEFT)) x2=(r(LEFT)) y1=(r(TOP)) y2=(r(TOP + PLOT_H)) {}
            line.axis x1=(r(LEFT)) x2=(r(LEFT + plot_w)) y1=(r(TOP + PLOT_H)) y2=(r(TOP + PLOT_H)) {}
            text x=(r(LEFT + plot_w / 2.0)) y=(r(TOP + PLOT_H + 32.0)) text-anchor="middle" { (x_axis.label) }
            text x="12" y=(r(TOP + PLOT_H / 2.0)) text-anchor="middle"
                transform=(format!("rotate(-90 12 {})", r(TOP + PLOT_H / 2.0))) { (y_axis.label) }
        }
    };
    (markup, sx, sy)
}

/// Step lines: each series holds its value until its next point.
pub(super) fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    lines: &[Line],
    x_axis: &Axis,
    y_axis: &Axis,
) -> Markup {
    let all = || lines.iter().flat_map(|l| l.points.iter().copied());
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in all() {
        xlo = xlo.min(x);
        xhi = xhi.max(x);
        ylo = ylo.min(y);
        yhi = yhi.max(y);
    }
    if xlo > xhi {
        (xlo, xhi, ylo, yhi) = (0.0, 1.0, 0.0, 1.0);
    }
    // Room above and below so flat lines do not sit on the frame.
    let pad = ((yhi - ylo) * 0.05).max(yhi.abs() * 0.01).max(1e-9);
    let (ylo, yhi) = (if ylo >= 0.0 { (ylo - pad).max(0.0) } else { ylo - pad }, yhi + pad);
    let (axes, sx, sy) = axes((xlo, xhi), (ylo, yhi), x_axis, y_axis);
    let labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
    let (legend, legend_h) = legend(&labels, TOP + PLOT_H + 52.0);
    let body = html! {
        (axes)
        @for (i, line) in lines.iter().enumerate() {
            @let (colour, dash, shape) = style(i);
            @let d = step_path(&line.points, &sx, &sy);
            g.series data-label=(line.label) {
                path.mark.line d=(d) stroke=(colour) stroke-dasharray=(dash) {
                    title { (line.label) }
                }
                @for (x, y) in thin(&line.points) {
                    (marker(shape, sx(x), sy(y), colour))
                }
            }
        }
        (legend)
    };
    frame(id, title, desc, TOP + PLOT_H + 60.0 + legend_h, body)
}

/// An SVG path through `points` as steps: horizontal to the next x, then vertical.
fn step_path(points: &[(f64, f64)], sx: &impl Fn(f64) -> f64, sy: &impl Fn(f64) -> f64) -> String {
    let mut d = String::new();
    for (j, (x, y)) in points.iter().enumerate() {
        if j == 0 {
            d.push_str(&format!("M{} {}", r(sx(*x)), r(sy(*y))));
        } else {
            d.push_str(&format!(" H{} V{}", r(sx(*x)), r(sy(*y))));
        }
    }
    d
}

/// At most about a dozen marker positions per series, so markers identify lines without
/// hiding them.
fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let every = points.len().div_ceil(12).max(1);
    points
        .iter()
        .copied()
        .enumerate()
        .filter(|(i, _)| i % every == 0 || *i + 1 == points.len())
        .map(|(_, p)| p)
        .collect()
}

/// Stacked bars: one bar per category, one segment per series; `now` marks a category.
pub(super) fn stacked_bars(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
    now: Option<usize>,
    y_axis: &Axis,
) -> Markup {
    let n = categories.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|c| series.iter().map(|(_, v)| v.get(c).copied().unwrap_or(0.0)).sum())
        .collect();
    let top = totals.iter().copied().fold(0.0, f64::max).max(1.0);
    let x_axis = Axis { label: String::new(), fmt: |_| String::new() };
    let (axes, _, sy) = axes_with((0.0, 1.0), (0.0, top * 1.05), &x_axis, y_axis, false);
    let plot_w = WIDTH - LEFT - RIGHT;
    let slot = plot_w / fu(n as u64);
    let bar_w = (slot * 0.7).max(2.0);
    let labels: Vec<String> = series.iter().map(|(l, _)| l.clone()).collect();
    let (legend, legend_h) = legend(&labels, TOP + PLOT_H + 60.0);
    let body = html! {
        (axes)
        @for (c, category) in categories.iter().enumerate() {
            @let x = LEFT + slot * fu(c as u64) + (slot - bar_w) / 2.0;
            g.bar data-category=(category) {
                @for (i, (label, v, lo, hi)) in segments(series, c).into_iter().enumerate() {
                    @let (colour, dash, _) = style(i);
                    rect.mark.bar x=(r(x)) y=(r(sy(hi))) width=(r(bar_w)) height=(r((sy(lo) - sy(hi)).max(0.0)))
                        fill=(colour) stroke="#1b1f24" stroke-width="0.5" stroke-dasharray=(dash) {
                        title { (category) ": " (label) " " ((y_axis.fmt)(v)) }
                    }
                }
                // `-5% $1.01`: the fall above, the price below, so neighbours do not overlap.
                @let (fall, price) = category.split_once(' ').unwrap_or((category.as_str(), ""));
                text x=(r(x + bar_w / 2.0)) y=(r(TOP + PLOT_H + 14.0)) text-anchor="middle" { (fall) }
                text x=(r(x + bar_w / 2.0)) y=(r(TOP + PLOT_H + 26.0)) text-anchor="middle" { (price) }
            }
        }
        @if let Some(c) = now {
            @let x = LEFT + slot * fu(c as u64) + slot / 2.0;
            line.now x1=(r(x)) x2=(r(x)) y1=(r(TOP)) y2=(r(TOP + PLOT_H)) {}
            text.now-label x=(r(x + 4.0)) y=(r(TOP + 10.0)) { "current price" }
        }
        text x=(r(LEFT + plot_w / 2.0)) y=(r(TOP + PLOT_H + 42.0)) text-anchor="middle" { "price level (fall from the current price)" }
        (legend)
    };
    frame(id, title, desc, TOP + PLOT_H + 68.0 + legend_h, body)
}

/// Category `c`'s segments: `(series label, value, bottom, top)`, stacked in series order.
fn segments(series: &[(String, Vec<f64>)], c: usize) -> Vec<(&str, f64, f64, f64)> {
    let mut base = 0.0;
    series
        .iter()
        .map(|(label, values)| {
            let v = values.get(c).copied().unwrap_or(0.0);
            let seg = (label.as_str(), v, base, base + v);
            base += v;
            seg
        })
        .collect()
}

/// A rung of a ladder: a row label and up to two positions on `[0, 1]`.
pub(super) struct Rung {
    /// The row's label.
    pub(super) label: String,
    /// First loss, as a position on the axis.
    pub(super) loss: Option<f64>,
    /// First insolvency, as a position on the axis.
    pub(super) insolvent: Option<f64>,
}

/// Breakpoints as a ladder: a row per entity, a circle at its first loss and a square at its
/// first insolvency on the driver's axis `[0, 1]`.
pub(super) fn ladder(id: &str, title: &str, desc: &str, rungs: &[Rung], x_axis: &Axis) -> Markup {
    let row = 22.0;
    let left = 230.0;
    let plot_w = WIDTH - left - RIGHT;
    let sx = |v: f64| left + v.clamp(0.0, 1.0) * plot_w;
    let height = TOP + row * fu(rungs.len() as u64) + 60.0;
    let base = TOP + row * fu(rungs.len() as u64);
    let body = html! {
        @for t in ticks(0.0, 1.0).into_iter().filter(|t| *t <= 1.0 + 1e-9) {
            line.grid x1=(r(sx(t))) x2=(r(sx(t))) y1=(r(TOP)) y2=(r(base)) {}
            text x=(r(sx(t))) y=(r(base + 14.0)) text-anchor="middle" { ((x_axis.fmt)(t)) }
        }
        text x=(r(left + plot_w / 2.0)) y=(r(base + 30.0)) text-anchor="middle" { (x_axis.label) }
        @for (i, rung) in rungs.iter().enumerate() {
            @let y = TOP + row * fu(i as u64) + row / 2.0;
            g.rung data-label=(rung.label) {
                text x=(r(left - 8.0)) y=(r(y + 4.0)) text-anchor="end" { (rung.label) }
                line.grid x1=(r(left)) x2=(r(left + plot_w)) y1=(r(y)) y2=(r(y)) {}
                @if let (Some(a), Some(b)) = (rung.loss, rung.insolvent) {
                    line.mark.span x1=(r(sx(a))) x2=(r(sx(b))) y1=(r(y)) y2=(r(y)) stroke="#b42318" stroke-width="3" {}
                }
                @if let Some(a) = rung.loss {
                    circle.mark.loss cx=(r(sx(a))) cy=(r(y)) r="5" fill="#ffffff" stroke="#0b5cad" stroke-width="2" {
                        title { (rung.label) ": first loss at " ((x_axis.fmt)(a)) }
                    }
                }
                @if let Some(b) = rung.insolvent {
                    rect.mark.insolvent x=(r(sx(b) - 5.0)) y=(r(y - 5.0)) width="10" height="10" fill="#b42318" {
                        title { (rung.label) ": first insolvent at " ((x_axis.fmt)(b)) }
                    }
                }
            }
        }
        g.legend {
            circle cx=(r(left)) cy=(r(base + 46.0)) r="5" fill="#ffffff" stroke="#0b5cad" stroke-width="2" {}
            text x=(r(left + 10.0)) y=(r(base + 50.0)) { "first loss" }
            rect x=(r(left + 100.0)) y=(r(base + 41.0)) width="10" height="10" fill="#b42318" {}
            text x=(r(left + 116.0)) y=(r(base + 50.0)) { "first insolvent (a token: breaks)" }
        }
    };
    frame(id, title, desc, height, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range_with_round_steps() {
        // 0..1 in steps of 0.25 (raw step 0.25 rounds to 2.5 × 0.1).
        assert_eq!(ticks(0.0, 1.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        // 0..345600 s: raw 86400 → 100000 steps.
        assert_eq!(ticks(0.0, 345_600.0), vec![0.0, 100_000.0, 200_000.0, 300_000.0]);
    }

    #[test]
    fn series_text_is_escaped_in_the_svg() {
        let lines =
            [Line { label: "<script>x</script>".into(), points: vec![(0.0, 1.0), (1.0, 2.0)] }];
        let axis = Axis { label: "a&b".into(), fmt: |v| format!("{v}") };
        let svg = line_chart("c", "t<", "d\"", &lines, &axis, &axis).into_string();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;") && svg.contains("a&amp;b"));
    }
}
