//! Hatched bars: a stacked bar's layers differ by a pattern of lines as well
//! as by a tint, so "missed" reads apart from "notified" in grey print and
//! for a reader who cannot tell a light tint from a solid colour. The tint
//! alone made a solid yellow and a light rose one grey.
//!
//! plotters 0.3 has no pattern fill, so [`Hatched`] is an element of its
//! own: a filled rectangle, then its lines, clipped by hand to the
//! rectangle in the backend's pixels (which it is handed when drawn, so the
//! same element serves a bar in data coordinates and a legend swatch in
//! pixels).

use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

/// The lines over a layer. Lines sit at fixed pixel positions (multiples of
/// [`SPACING`]), so two hatched layers of one pattern continue each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hatch {
    /// None: the solid first layer.
    Solid,
    /// Lines rising to the right, `/`.
    Rising,
    /// Lines falling to the right, `\`.
    Falling,
    /// Both diagonals, `x`.
    Cross,
    /// Horizontal lines.
    Horizontal,
    /// Vertical lines.
    Vertical,
}

/// Pixels between two lines of a pattern.
const SPACING: i32 = 6;

impl Hatch {
    /// The pattern of the `k`-th layer of a stack: the first solid, the
    /// others each their own lines, repeating past the sixth.
    pub(crate) fn of_layer(k: usize) -> Hatch {
        const LINED: [Hatch; 5] = [
            Hatch::Rising,
            Hatch::Falling,
            Hatch::Cross,
            Hatch::Horizontal,
            Hatch::Vertical,
        ];
        match k {
            0 => Hatch::Solid,
            k => LINED[(k - 1) % LINED.len()],
        }
    }

    /// The segments of this pattern inside the pixel rectangle `a`..`b`
    /// (`a` the top-left corner, both inclusive).
    fn segments(self, a: BackendCoord, b: BackendCoord) -> Vec<(BackendCoord, BackendCoord)> {
        let (x0, y0, x1, y1) = (a.0, a.1, b.0, b.1);
        if x1 <= x0 || y1 <= y0 {
            return Vec::new();
        }
        // The first multiple of SPACING at or above `v`.
        let first = |v: i32| {
            v.div_euclid(SPACING) * SPACING + SPACING * i32::from(v.rem_euclid(SPACING) != 0)
        };
        let mut out = Vec::new();
        // `/`: x + y = k; `\`: x - y = k (y grows downwards).
        let rising = |out: &mut Vec<_>| {
            let mut k = first(x0 + y0);
            while k <= x1 + y1 {
                let (from, to) = ((k - y1).max(x0), (k - y0).min(x1));
                if from < to {
                    out.push(((from, k - from), (to, k - to)));
                }
                k += SPACING;
            }
        };
        let falling = |out: &mut Vec<_>| {
            let mut k = first(x0 - y1);
            while k <= x1 - y0 {
                let (from, to) = ((k + y0).max(x0), (k + y1).min(x1));
                if from < to {
                    out.push(((from, from - k), (to, to - k)));
                }
                k += SPACING;
            }
        };
        match self {
            Hatch::Solid => {}
            Hatch::Rising => rising(&mut out),
            Hatch::Falling => falling(&mut out),
            Hatch::Cross => {
                rising(&mut out);
                falling(&mut out);
            }
            Hatch::Horizontal => {
                let mut y = first(y0 + 1);
                while y < y1 {
                    out.push(((x0, y), (x1, y)));
                    y += SPACING;
                }
            }
            Hatch::Vertical => {
                let mut x = first(x0 + 1);
                while x < x1 {
                    out.push(((x, y0), (x, y1)));
                    x += SPACING;
                }
            }
        }
        out
    }
}

/// A filled rectangle with a [`Hatch`] of `ink` lines over its `fill`,
/// shrunk by `margin` pixels left and right (a bar's gap to its neighbours,
/// as plotters' `Rectangle::set_margin`).
pub(crate) struct Hatched<Coord> {
    /// Two opposite corners.
    pub(crate) corners: [Coord; 2],
    /// The rectangle's colour.
    pub(crate) fill: RGBColor,
    /// The pattern.
    pub(crate) hatch: Hatch,
    /// The lines' colour.
    pub(crate) ink: RGBColor,
    /// Pixels taken off the left and the right side.
    pub(crate) margin: i32,
}

impl<'a, Coord> PointCollection<'a, Coord> for &'a Hatched<Coord> {
    type Point = &'a Coord;
    type IntoIter = &'a [Coord];
    fn point_iter(self) -> &'a [Coord] {
        &self.corners
    }
}

impl<Coord, DB: DrawingBackend> Drawable<DB> for Hatched<Coord> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let (Some(p), Some(q)) = (points.next(), points.next()) else {
            return Ok(());
        };
        let a = (p.0.min(q.0) + self.margin, p.1.min(q.1));
        let b = (p.0.max(q.0) - self.margin, p.1.max(q.1));
        // An empty layer (a count of 0) draws nothing, not a line of it.
        if a.1 == b.1 {
            return Ok(());
        }
        backend.draw_rect(a, b, &self.fill.filled(), true)?;
        for (from, to) in self.hatch.segments(a, b) {
            backend.draw_line(from, to, &self.ink.stroke_width(1))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_stay_inside_their_rectangle() {
        let (a, b) = ((10, 20), (40, 80));
        for hatch in [
            Hatch::Rising,
            Hatch::Falling,
            Hatch::Cross,
            Hatch::Horizontal,
            Hatch::Vertical,
        ] {
            let lines = hatch.segments(a, b);
            assert!(lines.len() >= 5, "{hatch:?}: {lines:?}");
            for (p, q) in lines {
                for (x, y) in [p, q] {
                    assert!(
                        (a.0..=b.0).contains(&x) && (a.1..=b.1).contains(&y),
                        "{hatch:?}"
                    );
                }
            }
        }
        assert!(Hatch::Solid.segments(a, b).is_empty());
        // An empty layer (a count of 0) draws no line.
        assert!(Hatch::Cross.segments((10, 20), (40, 20)).is_empty());
    }

    #[test]
    fn diagonals_have_their_slope() {
        for (p, q) in Hatch::Rising.segments((0, 0), (30, 30)) {
            assert_eq!(p.0 + p.1, q.0 + q.1);
        }
        for (p, q) in Hatch::Falling.segments((0, 0), (30, 30)) {
            assert_eq!(p.0 - p.1, q.0 - q.1);
        }
    }

    #[test]
    fn the_first_layer_is_solid_and_the_next_are_lined_apart() {
        assert_eq!(Hatch::of_layer(0), Hatch::Solid);
        assert_eq!(Hatch::of_layer(1), Hatch::Rising);
        assert_eq!(Hatch::of_layer(2), Hatch::Falling);
        assert_eq!(Hatch::of_layer(6), Hatch::Rising);
    }
}
