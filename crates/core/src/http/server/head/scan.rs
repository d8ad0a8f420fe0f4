//! The line scan of a request head (`memchr` over the bytes as they
//! pass): where the head ends, and whether it earns a refusal before hyper
//! parses it (see the parent module's docs). It also places the next head:
//! a head is scanned only when its first byte is known.

use memchr::memchr;

/// Why a head is refused here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The head did not arrive within the limit (408).
    TooSlow,
    /// The request target is over the server's
    /// [`max_target_bytes`](crate::http::server::ServerLimits::max_target_bytes) (414).
    TargetTooLong,
    /// Both `Content-Length` and `Transfer-Encoding` (400).
    AmbiguousLength,
}

/// How much of the current line [`Scan`] keeps: enough for a
/// `Content-Length` header with any `u64` and some spaces.
const KEPT: usize = 48;

/// The line-by-line scan of one request head.
#[derive(Clone, Debug)]
pub(super) struct Scan {
    /// Whether this head's first byte is known (see the module docs).
    aligned: bool,
    /// Bytes of the body before this one's that are still to come and are
    /// not a head (a body hyper drains after the answer).
    skip: u64,
    /// Lines ended so far (0: on the request line).
    lines: u32,
    /// The current line's length so far, and its first bytes.
    line_len: usize,
    kept: [u8; KEPT],
    /// Spaces seen on the request line, and the target's length so far.
    spaces: u8,
    target_len: usize,
    /// The blank line that ends the head was read.
    done: bool,
    /// Bytes read after the head's end (its body, and maybe more).
    after: u64,
    /// The head's `Content-Length`, if it has one (`Err`: one that is not
    /// a plain number, or two different ones).
    length: Option<Result<u64, ()>>,
    chunked: bool,
    /// The longest request target taken (`ServerLimits::max_target_bytes`).
    max_target: usize,
}

impl Scan {
    /// The scan of a head whose first byte is known (`aligned`) once `skip`
    /// bytes of a body have passed, refusing a target over `max_target`.
    pub(super) fn new(aligned: bool, skip: u64, max_target: usize) -> Self {
        Scan {
            aligned,
            skip,
            lines: 0,
            line_len: 0,
            kept: [0; KEPT],
            spaces: 0,
            target_len: 0,
            done: false,
            after: 0,
            length: None,
            chunked: false,
            max_target,
        }
    }

    /// The scan of the next head, once this one's answer is done: aligned
    /// only if this head's body ended where its `Content-Length` says and
    /// nothing was read past it (then what comes next is a head's first
    /// byte), with what is still to come of the body skipped.
    pub(super) fn next(&self) -> Self {
        if !self.aligned {
            return Scan::new(false, 0, self.max_target);
        }
        if !self.done {
            // Answered (by hyper, or a refusal) before the head ended: the
            // connection closes; start clean.
            return Scan::new(self.lines == 0 && self.line_len == 0, 0, self.max_target);
        }
        match (self.chunked, self.length) {
            (false, None) => Scan::new(self.after == 0, 0, self.max_target),
            (false, Some(Ok(length))) if self.after <= length => {
                Scan::new(true, length - self.after, self.max_target)
            }
            _ => Scan::new(false, 0, self.max_target),
        }
    }

    /// Scans bytes read: whether they earn a refusal.
    pub(super) fn saw(&mut self, mut bytes: &[u8]) -> Option<Refusal> {
        if !self.aligned {
            return None;
        }
        if self.skip > 0 {
            let skipped = bytes
                .len()
                .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
            self.skip -= skipped as u64;
            bytes = &bytes[skipped..];
        }
        while !bytes.is_empty() {
            if self.done {
                self.after += bytes.len() as u64;
                return None;
            }
            let Some(at) = memchr(b'\n', bytes) else {
                // A line the next read ends.
                return self.part(bytes);
            };
            let line = &bytes[..at];
            bytes = &bytes[at + 1..];
            let refusal = match self.line_len {
                // A whole line in this read (a head's usual case): looked
                // at where it lies, not copied.
                0 => self
                    .request_line(line)
                    .or_else(|| self.end_line(line, true)),
                // The end of a line begun in an earlier read.
                _ => self.part(line).or_else(|| {
                    let kept = self.kept;
                    let whole = self.line_len < KEPT;
                    self.end_line(&kept[..self.line_len.min(KEPT)], whole)
                }),
            };
            if refusal.is_some() {
                return refusal;
            }
        }
        None
    }

    /// A piece of the current line (no `\n` in it).
    fn part(&mut self, part: &[u8]) -> Option<Refusal> {
        if self.line_len < KEPT {
            let keep = part.len().min(KEPT - self.line_len);
            self.kept[self.line_len..self.line_len + keep].copy_from_slice(&part[..keep]);
        }
        self.line_len += part.len();
        self.request_line(part)
    }

    /// Counts the request target's bytes in `part`, a piece of the request
    /// line (`METHOD SP target SP version`), if that is the current line.
    fn request_line(&mut self, part: &[u8]) -> Option<Refusal> {
        if self.lines > 0 {
            return None;
        }
        let mut rest = part;
        while !rest.is_empty() {
            let (field, spaced, after) = match memchr(b' ', rest) {
                Some(at) => (&rest[..at], true, &rest[at + 1..]),
                None => (rest, false, &[][..]),
            };
            if self.spaces == 1 {
                self.target_len += field.len();
                if self.target_len > self.max_target {
                    return Some(Refusal::TargetTooLong);
                }
            }
            if spaced {
                self.spaces = self.spaces.saturating_add(1);
            }
            rest = after;
        }
        None
    }

    /// The current line ended (its `\n` read): `kept` is the line, or its
    /// first [`KEPT`] bytes when not `whole` (a longer line cut across
    /// reads, which cannot hold a plain number).
    fn end_line(&mut self, kept: &[u8], whole: bool) -> Option<Refusal> {
        let blank = kept.is_empty() || (whole && kept == b"\r");
        let line = self.lines;
        self.line_len = 0;
        if blank {
            // Empty lines before a request line are skipped (RFC 9112,
            // 2.2), as hyper skips them; after it, one ends the head.
            if line > 0 {
                self.done = true;
            }
            return None;
        }
        self.lines += 1;
        if line == 0 {
            return None;
        }
        // Only two names matter: the rest are passed over on their first
        // byte.
        if !matches!(kept.first(), Some(b'c' | b'C' | b't' | b'T')) {
            return None;
        }
        if let Some(value) = header_value(kept, b"content-length:") {
            let parsed = match whole {
                true => plain_number(value),
                false => Err(()),
            };
            self.length = match self.length {
                None => Some(parsed),
                Some(Ok(earlier)) if parsed == Ok(earlier) => Some(parsed),
                Some(_) => Some(Err(())),
            };
        } else if header_value(kept, b"transfer-encoding:").is_some() {
            self.chunked = true;
        } else {
            return None;
        }
        match (self.length.is_some(), self.chunked) {
            (true, true) => Some(Refusal::AmbiguousLength),
            _ => None,
        }
    }
}

/// The value of header `name` (lower case, with its colon) on `line`, if
/// the line is that header.
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &line[name.len()..])
}

/// A header value that is one plain decimal number, spaces around it.
fn plain_number(value: &[u8]) -> Result<u64, ()> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let start = value.iter().position(|b| !space(b)).ok_or(())?;
    let end = value.iter().rposition(|b| !space(b)).ok_or(())? + 1;
    value[start..end]
        .iter()
        .try_fold(0u64, |n, b| match b {
            b'0'..=b'9' => n.checked_mul(10)?.checked_add(u64::from(b - b'0')),
            _ => None,
        })
        .ok_or(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's default limit on a request target.
    fn max_target() -> usize {
        crate::http::server::ServerLimits::default().max_target_bytes
    }

    /// Where a head ends in `text` read whole (the reference): after the
    /// first empty line that follows a non-empty one, `\n` or `\r\n`.
    fn reference_end(text: &[u8]) -> Option<usize> {
        let mut seen_line = false;
        let mut start = 0;
        for (at, byte) in text.iter().enumerate() {
            if *byte == b'\n' {
                let line = &text[start..at];
                let blank = line.is_empty() || line == b"\r";
                if blank && seen_line {
                    return Some(at + 1);
                }
                seen_line |= !blank;
                start = at + 1;
            }
        }
        None
    }

    /// The line scan finds the end of a head exactly where the reference
    /// does on the joined bytes, however they are split across reads.
    #[test]
    fn the_scan_agrees_with_a_joined_buffer_at_every_split() {
        let long = format!(
            "GET /{} HTTP/1.1\r\nX-Long: {}\r\nContent-Length: 0\r\n\r\n",
            "p".repeat(60),
            "v".repeat(60)
        );
        let texts: [&[u8]; 8] = [
            long.as_bytes(),
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \r\r\n\n\r\n\rHost: y\r\n",
            b"\r\n\r",
            b"\r\nGET / HTTP/1.1\nHost: y\n\n",
            b"\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX-Pad: \r\n\r",
        ];
        for text in texts {
            let end = reference_end(text);
            for cut in 0..=text.len() {
                for cut2 in cut..=text.len() {
                    let mut scan = Scan::new(true, 0, max_target());
                    for part in [&text[..cut], &text[cut..cut2], &text[cut2..]] {
                        assert_eq!(scan.saw(part), None);
                    }
                    assert_eq!(scan.done, end.is_some(), "{text:?} cut at {cut}, {cut2}");
                    if let Some(end) = end {
                        assert_eq!(scan.after, (text.len() - end) as u64);
                    }
                }
            }
        }
    }

    #[test]
    fn an_over_long_target_is_refused_at_every_split_and_one_at_the_limit_is_not() {
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(max_target()));
        let fits = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(max_target() - 1));
        for cut in (0..long.len()).step_by(97) {
            let mut scan = Scan::new(true, 0, max_target());
            let refused = [&long.as_bytes()[..cut], &long.as_bytes()[cut..]]
                .iter()
                .find_map(|part| scan.saw(part));
            assert_eq!(refused, Some(Refusal::TargetTooLong), "cut at {cut}");
        }
        let mut scan = Scan::new(true, 0, max_target());
        assert_eq!(scan.saw(fits.as_bytes()), None);
        assert!(scan.done);
    }

    /// A `Content-Length` is read wherever the reads split it, and only a
    /// plain number counts as one.
    #[test]
    fn a_content_length_is_read_across_reads_and_only_as_a_plain_number() {
        let head = b"POST / HTTP/1.1\r\nContent-Length:  1234 \r\n\r\n";
        for cut in 0..=head.len() {
            let mut scan = Scan::new(true, 0, max_target());
            assert_eq!(scan.saw(&head[..cut]), None);
            assert_eq!(scan.saw(&head[cut..]), None);
            assert_eq!(scan.length, Some(Ok(1234)), "cut at {cut}");
        }
        for bad in ["1 2", "", "+5", "99999999999999999999999", "0x10"] {
            assert_eq!(plain_number(bad.as_bytes()), Err(()), "{bad:?}");
        }
        assert_eq!(plain_number(b"\t7\r"), Ok(7));
    }

    #[test]
    fn content_length_with_transfer_encoding_is_refused_in_either_order() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nCONTENT-LENGTH:3\r\n\r\n",
        ] {
            let mut scan = Scan::new(true, 0, max_target());
            assert_eq!(scan.saw(head.as_bytes()), Some(Refusal::AmbiguousLength));
        }
        // One of them alone is hyper's to read.
        let mut scan = Scan::new(true, 0, max_target());
        assert_eq!(
            scan.saw(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Content-Length: 3\r\n\r\n"
            ),
            None
        );
        assert!(scan.done && scan.chunked && scan.length.is_none());
    }

    /// After a body framed by its length, the next head is scanned from its
    /// first byte; after a chunked body, or bytes read past the body, the
    /// next heads are left to hyper.
    #[test]
    fn the_next_head_is_scanned_only_when_its_first_byte_is_known() {
        let refused = format!("GET /{} HTTP/1.1\r\n", "a".repeat(max_target() + 1));
        let cases: [(&[u8], bool); 4] = [
            (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", true),
            (b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", true),
            (b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", false),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                false,
            ),
        ];
        for (first, aligned) in cases {
            let mut scan = Scan::new(true, 0, max_target());
            assert_eq!(scan.saw(first), None);
            let mut next = scan.next();
            assert_eq!(next.aligned, aligned, "{first:?}");
            // The rest of a body is skipped, not taken for a head.
            let rest = vec![b' '; next.skip as usize];
            assert_eq!(next.saw(&rest), None);
            let verdict = next.saw(refused.as_bytes());
            assert_eq!(verdict.is_some(), aligned, "{first:?}");
        }
    }
}
