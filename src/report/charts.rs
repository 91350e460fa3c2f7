//! Charts drawn with plotters, once for SVG (inlined in reports) and once for
//! PNG. Text uses an embedded DejaVu Sans, so nothing needs installing.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Colours for series, in order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];
const SIZE: (u32, u32) = (900, 480);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("DejaVuSans.ttf"),
        )
        .ok()
        .expect("embedded font parses");
    });
}

/// A 95 % interval (low, high), when known.
pub type Interval = Option<(f64, f64)>;
/// (name, x, x interval, y, y interval).
pub type ScatterPoint = (String, f64, Interval, f64, Interval);

/// A chart's content.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines over days: (series name, points).
    Lines {
        title: String,
        y_label: String,
        series: Vec<(String, Vec<(f64, f64)>)>,
    },
    /// One bar per name with a 95 % interval (low, high) when known.
    Bars {
        title: String,
        y_label: String,
        bars: Vec<(String, f64, Interval)>,
    },
    /// Stacked bars: per name, values of each part (parts named in `parts`).
    Stacked {
        title: String,
        y_label: String,
        parts: Vec<String>,
        bars: Vec<(String, Vec<f64>)>,
    },
    /// Points with error bars on both axes: (name, x, x interval, y, y interval).
    Scatter {
        title: String,
        x_label: String,
        y_label: String,
        points: Vec<ScatterPoint>,
    },
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, chart).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The chart as a PNG file.
pub fn png(chart: &Chart, path: &Path) -> Result<()> {
    register_font();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    draw(&root, chart).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// Axis numbers without noise: 2.5M, 400k, 12, 0.25.
fn compact(v: &f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 10.0 || *v == v.trunc() {
        format!("{:.0}", v)
    } else {
        format!("{:.2}", v)
    }
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let lo = lo.min(0.0);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    (lo, hi + 0.05 * (hi - lo))
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type DrawResult<T, DB> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart area with its caption and axes. With `names`, the x axis is
/// categorical (one slot per name, bars at 0, 1, 2, ...).
fn axes<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: (f64, f64),
    y: (f64, f64),
    x_desc: &str,
    y_desc: &str,
    names: Option<&[String]>,
) -> DrawResult<Plot<'a, DB>, DB> {
    let mut c = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    let category = |v: &f64| {
        names
            .and_then(|n| n.get(v.round() as usize))
            .cloned()
            .unwrap_or_default()
    };
    let mut mesh = c.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .y_label_formatter(&compact)
        .label_style(("sans-serif", 16));
    if let Some(n) = names {
        mesh.disable_x_mesh()
            .x_labels(n.len())
            .x_label_formatter(&category);
    } else {
        mesh.x_label_formatter(&compact);
    }
    mesh.draw()?;
    Ok(c)
}

fn legend<'a, DB: DrawingBackend + 'a>(c: &mut Plot<'a, DB>) -> DrawResult<(), DB> {
    c.configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult<(), DB> {
    root.fill(&WHITE)?;
    match chart {
        Chart::Lines {
            title,
            y_label,
            series,
        } => {
            let x = span(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)));
            let y = span(series.iter().flat_map(|s| s.1.iter().map(|p| p.1)));
            let mut c = axes(root, title, x, y, "day", y_label, None)?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                c.draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                    });
            }
            legend(&mut c)?;
        }
        Chart::Bars {
            title,
            y_label,
            bars,
        } => {
            let y = span(
                bars.iter()
                    .flat_map(|b| [b.1, b.2.map_or(b.1, |c| c.0), b.2.map_or(b.1, |c| c.1)]),
            );
            let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
            let mut c = axes(
                root,
                title,
                (-0.5, bars.len() as f64 - 0.5),
                y,
                "",
                y_label,
                Some(&names),
            )?;
            for (i, (_, v, ci)) in bars.iter().enumerate() {
                let x = i as f64;
                c.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.3, 0.0), (x + 0.3, *v)],
                    PALETTE[i % PALETTE.len()].filled(),
                )))?;
                if let Some((lo, hi)) = ci {
                    c.draw_series(std::iter::once(ErrorBar::new_vertical(
                        x,
                        *lo,
                        *v,
                        *hi,
                        BLACK.stroke_width(2),
                        16,
                    )))?;
                }
            }
        }
        Chart::Stacked {
            title,
            y_label,
            parts,
            bars,
        } => {
            let y = span(bars.iter().map(|b| b.1.iter().sum::<f64>()));
            let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
            let mut c = axes(
                root,
                title,
                (-0.5, bars.len() as f64 - 0.5),
                y,
                "",
                y_label,
                Some(&names),
            )?;
            for (k, part) in parts.iter().enumerate() {
                let colour = PALETTE[k % PALETTE.len()];
                let rects = bars.iter().enumerate().map(|(i, (_, vals))| {
                    let base: f64 = vals[..k].iter().sum();
                    Rectangle::new(
                        [(i as f64 - 0.3, base), (i as f64 + 0.3, base + vals[k])],
                        colour.filled(),
                    )
                });
                c.draw_series(rects)?
                    .label(part.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
                    });
            }
            legend(&mut c)?;
        }
        Chart::Scatter {
            title,
            x_label,
            y_label,
            points,
        } => {
            let x = span(
                points
                    .iter()
                    .flat_map(|p| [p.1, p.2.map_or(p.1, |c| c.0), p.2.map_or(p.1, |c| c.1)]),
            );
            let y = span(
                points
                    .iter()
                    .flat_map(|p| [p.3, p.4.map_or(p.3, |c| c.0), p.4.map_or(p.3, |c| c.1)]),
            );
            let mut c = axes(root, title, x, y, x_label, y_label, None)?;
            for (i, (name, x, xci, y, yci)) in points.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                if let Some((lo, hi)) = xci {
                    c.draw_series(std::iter::once(ErrorBar::new_horizontal(
                        *y,
                        *lo,
                        *x,
                        *hi,
                        colour.stroke_width(2),
                        12,
                    )))?;
                }
                if let Some((lo, hi)) = yci {
                    c.draw_series(std::iter::once(ErrorBar::new_vertical(
                        *x,
                        *lo,
                        *y,
                        *hi,
                        colour.stroke_width(2),
                        12,
                    )))?;
                }
                c.draw_series(std::iter::once(Circle::new((*x, *y), 6, colour.filled())))?
                    .label(name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 7, y), 5, colour.filled()));
            }
            legend(&mut c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_render_to_svg_and_png() {
        let chart = Chart::Bars {
            title: "t".into(),
            y_label: "y".into(),
            bars: vec![("a".into(), 1.0, Some((0.5, 1.5))), ("b".into(), 2.0, None)],
        };
        let s = svg(&chart).unwrap();
        assert!(s.starts_with("<svg") && s.contains("<rect"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.png");
        png(&chart, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
}
