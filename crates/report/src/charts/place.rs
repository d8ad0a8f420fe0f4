//! Where a chart's point labels go: a collision pass, in pixels, that
//! keeps every label off every other label and off every marker, and
//! inside the plot.
//!
//! A label first tries the spots right next to its point (above right,
//! then around it); when all of them are taken, it moves out ring by ring
//! and the chart joins it to its point with a leader line. Drawn with a
//! fixed offset (as before), `poll-500ms` and `conditional-500ms`, at the
//! same cost and delay, printed on top of each other, and a label near
//! the plot's right edge was cut off by it.
//!
//! Text sizes are estimated (the SVG names no font, the viewer picks one):
//! [`text_box`] errs on the wide side, so a label is never larger than the
//! box it was given.

/// A box in pixels: left, top, right, bottom (right and bottom exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// Whether the two boxes share any pixel.
    pub(crate) fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// Whether `self` lies wholly inside `outer`.
    #[cfg(test)]
    pub(crate) fn inside(&self, outer: &Rect) -> bool {
        self.x0 >= outer.x0 && self.y0 >= outer.y0 && self.x1 <= outer.x1 && self.y1 <= outer.y1
    }

    /// The point of this box nearest to `p` (`p` itself when inside).
    pub(crate) fn nearest(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (x.clamp(self.x0, self.x1 - 1), y.clamp(self.y0, self.y1 - 1))
    }
}

/// The size of `text` in a sans-serif font of `size_px`, generously: each
/// character at its advance in DejaVu Sans (the widest common default
/// sans-serif; Liberation Sans and Arial are narrower), 1.2 em high.
pub(crate) fn text_box(text: &str, size_px: u32) -> (i32, i32) {
    let ems: f64 = text.chars().map(advance_em).sum();
    let size = f64::from(size_px);
    ((ems * size).ceil() as i32 + 1, (size * 1.2).ceil() as i32)
}

/// A character's advance in DejaVu Sans, in em (its units over 2,048),
/// rounded up; any character not listed as wide as the widest lower case.
fn advance_em(c: char) -> f64 {
    let units = match c {
        'i' | 'j' | 'l' => 569,
        ' ' | '.' | ',' | ':' | ';' => 651,
        'f' | 't' => 803,
        '-' | '(' | ')' | '[' | ']' | '!' | 'r' | 'I' => 842,
        '_' | 's' | 'z' | 'c' => 1126,
        'k' | 'v' | 'x' | 'y' => 1212,
        'a' | 'e' | 'o' => 1260,
        'b' | 'd' | 'g' | 'h' | 'n' | 'p' | 'q' | 'u' | '0'..='9' => 1303,
        'w' => 1675,
        '=' | '+' | '<' | '>' => 1716,
        'm' | 'M' | 'W' | '@' | '%' => 2048,
        _ => 1500,
    };
    f64::from(units) / 2048.0
}

/// Where one label went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The label's box; its text is drawn from the top-left corner.
    pub rect: Rect,
    /// Whether the label had to move away from its point, and is joined
    /// to it by a line.
    pub leader: bool,
}

/// How far a marker reaches around its point, px: no label covers it.
const MARKER_REACH: i32 = 7;
/// The gap between a point and its label in the first ring, px.
const FIRST_GAP: i32 = 4;
/// How much farther each ring is, px.
const RING_STEP: i32 = 14;
/// Rings tried before giving up on a free spot.
const RINGS: i32 = 24;

/// Places one label of size `sizes[k]` for each point `points[k]` (pixels),
/// all inside `bounds`, none overlapping another or any of the `markers`
/// (every marker drawn, the points' own among them), in the order given:
/// an earlier label gets the nearer spot. When no spot is free (a plot
/// too small for its labels), a label takes the spot by its point that
/// overlaps least, still inside `bounds`.
pub(crate) fn place(
    points: &[(i32, i32)],
    sizes: &[(i32, i32)],
    markers: &[(i32, i32)],
    bounds: Rect,
) -> Vec<Placed> {
    let obstacles: Vec<Rect> = markers
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - MARKER_REACH,
            y0: y - MARKER_REACH,
            x1: x + MARKER_REACH + 1,
            y1: y + MARKER_REACH + 1,
        })
        .collect();
    let mut placed: Vec<Placed> = Vec::with_capacity(points.len());
    for (&p, &(w, h)) in points.iter().zip(sizes) {
        let collisions = |r: &Rect, placed: &[Placed]| {
            obstacles.iter().filter(|o| o.overlaps(r)).count()
                + placed.iter().filter(|q| q.rect.overlaps(r)).count()
        };
        let mut best: Option<(usize, Placed)> = None;
        'rings: for ring in 0..RINGS {
            for r in candidates(p, (w, h), ring) {
                let Some(r) = fit(r, &bounds) else { continue };
                let hits = collisions(&r, &placed);
                let here = Placed {
                    rect: r,
                    leader: ring > 0,
                };
                if hits == 0 {
                    best = Some((0, here));
                    break 'rings;
                }
                if ring == 0 && best.is_none_or(|(least, _)| hits < least) {
                    best = Some((hits, here));
                }
            }
        }
        let chosen = best.map_or_else(
            // Not even the first ring fits (a label wider than the plot):
            // pinned to the plot's top-left corner.
            || Placed {
                rect: Rect {
                    x0: bounds.x0,
                    y0: bounds.y0,
                    x1: bounds.x0 + w,
                    y1: bounds.y0 + h,
                },
                leader: true,
            },
            |(_, here)| here,
        );
        placed.push(chosen);
    }
    placed
}

/// The boxes tried in ring `ring` around `p`: right of the point (above,
/// level, below), then left of it, then above and below, each `ring`
/// steps farther out.
fn candidates((x, y): (i32, i32), (w, h): (i32, i32), ring: i32) -> Vec<Rect> {
    let d = FIRST_GAP + MARKER_REACH + ring * RING_STEP;
    let at = |x0: i32, y0: i32| Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    };
    let mut out = vec![
        at(x + d, y - h - d / 2),
        at(x + d, y - h / 2),
        at(x + d, y + d / 2),
        at(x - d - w, y - h - d / 2),
        at(x - d - w, y - h / 2),
        at(x - d - w, y + d / 2),
        at(x - w / 2, y - d - h),
        at(x - w / 2, y + d),
    ];
    // Past the first ring, the diagonals and the spots between them too:
    // a crowded corner has more room around it than eight spots.
    if ring > 0 {
        for k in 1..4 {
            let shift = d * k / 4;
            out.push(at(x + shift, y - d - h));
            out.push(at(x - shift - w, y - d - h));
            out.push(at(x + shift, y + d));
            out.push(at(x - shift - w, y + d));
        }
    }
    out
}

/// `r` moved inside `bounds` by as little as it takes, or `None` when it
/// is larger than them. A label pushed in from the edge stays near its
/// point instead of being cut off there.
fn fit(r: Rect, bounds: &Rect) -> Option<Rect> {
    let (w, h) = (r.x1 - r.x0, r.y1 - r.y0);
    if w > bounds.x1 - bounds.x0 || h > bounds.y1 - bounds.y0 {
        return None;
    }
    let x0 = r.x0.clamp(bounds.x0, bounds.x1 - w);
    let y0 = r.y0.clamp(bounds.y0, bounds.y1 - h);
    Some(Rect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: Rect = Rect {
        x0: 80,
        y0: 40,
        x1: 660,
        y1: 440,
    };

    /// Points crowded the way spectrum's are: several at one spot, others
    /// a few pixels apart, some against the plot's edges.
    fn crowd() -> Vec<(i32, i32)> {
        vec![
            (500, 400),
            (500, 400),
            (503, 398),
            (498, 402),
            (505, 405),
            (620, 205),
            (625, 200),
            (655, 45),
            (82, 435),
            (650, 300),
            (300, 250),
            (302, 252),
        ]
    }

    #[test]
    fn crowded_labels_get_boxes_apart_inside_the_plot() {
        let points = crowd();
        let names = [
            "poll-500ms",
            "conditional-500ms",
            "webhook",
            "hybrid",
            "long-poll-30s",
            "backoff-50ms-x2 (!)",
            "poll-events-15m",
            "long-poll-events-30s",
            "stream",
            "backoff-100ms-x2",
            "a",
            "b",
        ];
        let sizes: Vec<(i32, i32)> = names.iter().map(|n| text_box(n, 14)).collect();
        let placed = place(&points, &sizes, &points, PLOT);
        assert_eq!(placed.len(), points.len());
        for (k, a) in placed.iter().enumerate() {
            assert!(a.rect.inside(&PLOT), "{} at {:?}", names[k], a.rect);
            assert_eq!(
                (a.rect.x1 - a.rect.x0, a.rect.y1 - a.rect.y0),
                sizes[k],
                "{} keeps its size",
                names[k]
            );
            for (j, b) in placed.iter().enumerate().skip(k + 1) {
                assert!(
                    !a.rect.overlaps(&b.rect),
                    "{} {:?} and {} {:?}",
                    names[k],
                    a.rect,
                    names[j],
                    b.rect
                );
            }
            for m in &points {
                let marker = Rect {
                    x0: m.0 - MARKER_REACH,
                    y0: m.1 - MARKER_REACH,
                    x1: m.0 + MARKER_REACH + 1,
                    y1: m.1 + MARKER_REACH + 1,
                };
                assert!(!a.rect.overlaps(&marker), "{} covers {m:?}", names[k]);
            }
        }
        // The first label stays by its point; the crowd's later ones moved
        // out, with a line back.
        assert!(!placed[0].leader);
        assert!(placed[1..5].iter().any(|p| p.leader));
    }

    #[test]
    fn a_label_at_the_edge_is_pushed_inside_not_cut() {
        let point = [(PLOT.x1 - 2, PLOT.y0 + 2)];
        let size = [text_box("backoff-50ms-x2", 14)];
        let placed = place(&point, &size, &point, PLOT);
        assert!(placed[0].rect.inside(&PLOT), "{:?}", placed[0].rect);
    }

    #[test]
    fn overlap_is_strict_and_inside_is_inclusive() {
        let a = Rect {
            x0: 0,
            y0: 0,
            x1: 10,
            y1: 10,
        };
        let touching = Rect {
            x0: 10,
            y0: 0,
            x1: 20,
            y1: 10,
        };
        assert!(!a.overlaps(&touching));
        assert!(a.overlaps(&Rect { x0: 9, ..touching }));
        assert!(a.inside(&a));
        assert_eq!(a.nearest((30, -5)), (9, 0));
    }
}
