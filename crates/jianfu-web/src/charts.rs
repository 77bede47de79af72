//! Bar charts as SVG, rendered on the server: no script, no web font, no
//! CDN (government intranets are closed). Text uses the system's Chinese
//! fonts. Every chart on a page has its table beside it; the chart only
//! draws what the table says.

use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const FONT: &str = "Noto Sans CJK SC, WenQuanYi Zen Hei, Microsoft YaHei, PingFang SC, sans-serif";

fn number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Vertical bars (months along the bottom), with each value over its bar.
/// `aria` names the chart for screen readers.
pub fn columns(aria: &str, bars: &[(String, f64)]) -> String {
    let (w, h, top, bottom, left) = (720.0, 240.0, 24.0, 40.0, 8.0);
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1e-9);
    let n = bars.len().max(1) as f64;
    let slot = (w - left * 2.0) / n;
    let bar = (slot * 0.7).max(2.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="{FONT}" font-size="11">"#,
        escape(aria)
    );
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#9ca3af"/>"##,
        h - bottom,
        w - left,
        h - bottom
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let bh = (v / max) * (h - top - bottom);
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let y = h - bottom - bh;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}" fill="#2563eb"><title>{}: {}</title></rect>"##,
            escape(label),
            number(*v)
        );
        let cx = x + bar / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#111827">{}</text>"##,
            y - 4.0,
            number(*v)
        );
        // Every other label when they would crowd.
        if bars.len() <= 13 || i % 2 == 0 {
            let _ = write!(
                svg,
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#374151">{}</text>"##,
                h - bottom + 16.0,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars with their labels on the left (kinds, departments).
pub fn bars(aria: &str, rows: &[(String, f64)]) -> String {
    let row_h = 26.0;
    let (w, label_w, right) = (720.0, 190.0, 70.0);
    let h = row_h * rows.len().max(1) as f64 + 8.0;
    let max = rows.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1e-9);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="{FONT}" font-size="12">"#,
        escape(aria)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let bw = (v / max) * (w - label_w - right);
        let shown: String = label.chars().take(14).collect();
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#374151">{}</text>"##,
            label_w - 8.0,
            y + 16.0,
            escape(&shown)
        );
        let _ = write!(
            svg,
            r##"<rect x="{label_w}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="#0d9488"><title>{}: {}</title></rect>"##,
            y + 3.0,
            row_h - 8.0,
            escape(label),
            number(*v)
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="#111827">{}</text>"##,
            label_w + bw + 6.0,
            y + 16.0,
            number(*v)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_draw_one_bar_per_value() {
        let svg = columns("每月工时", &[("2026-01".into(), 3.0), ("<b>".into(), 1.5)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains(">1.5<") && svg.contains(">3<"));
        let svg = bars("按类型", &[("会议".into(), 0.0)]);
        assert!(
            svg.contains("width=\"0.0\""),
            "a zero is drawn as nothing, not NaN"
        );
        assert!(!svg.contains("NaN"));
    }
}
