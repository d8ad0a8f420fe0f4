//! The line scan of a request head (`memchr` over the bytes as they
//! pass): where the head ends, and whether it earns a refusal before hyper
//! parses it (see the parent module's docs). It also places the next head:
//! a head is scanned only when its first byte is known.
//!
//! The scan refuses what hyper (httparse, then its own checks) would refuse
//! with an empty `400` or `431`, so that the client gets the JSON shape and
//! a code that says which rule it broke:
//!
//! - the request line: `METHOD SP target SP HTTP/1.x`, one space each, a
//!   method of token characters, a target of visible bytes (no control
//!   byte, no NUL, no DEL) that is UTF-8, fragment and all, `HTTP/1.0` or
//!   `HTTP/1.1` (another `HTTP/n.m`,
//!   such as `HTTP/2.0`, is its own refusal);
//! - header lines: `Name: value`, a name of token characters right at the
//!   line's start, a value with no control byte but tab;
//! - a carriage return anywhere but just before a line feed;
//! - `Content-Length`: one plain decimal number (hyper refuses even a list
//!   of equal ones, `5, 5`), the same in every such header;
//! - `Transfer-Encoding`: only with HTTP/1.1, and ending in `chunked` (the
//!   only coding hyper decodes);
//! - sizes: a header line over
//!   [`max_header_bytes`](crate::http::server::ServerLimits::max_header_bytes), a head over
//!   [`max_head_bytes`](crate::http::server::ServerLimits::max_head_bytes), or more than
//!   [`MAX_HEADERS`] headers (hyper's own count).
//!
//! The rules cost one look per byte of the request line and of each header
//! line (a table, in the same pass that finds the lines); only the lines of
//! two headers are parsed further.

use memchr::memchr;

/// The most headers a head may have: hyper's own default, beyond which it
/// answers an empty 431.
pub(super) const MAX_HEADERS: u32 = 100;

/// What a head's scan holds it to (from
/// [`ServerLimits`](crate::http::server::ServerLimits)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::http::server) struct HeadLimits {
    /// The longest request target.
    pub(in crate::http::server) target: usize,
    /// The longest header line (name, colon and value).
    pub(in crate::http::server) line: usize,
    /// The longest head (request line, headers and their line ends).
    pub(in crate::http::server) head: usize,
}

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
    /// The head breaks HTTP/1.1's syntax, as said (400).
    Malformed(Malformed),
    /// The request line's version is `HTTP/n.m` but not 1.0 or 1.1 (400).
    UnsupportedVersion,
    /// A `Content-Length` that is not a plain number, or two different ones (400).
    BadContentLength,
    /// A `Transfer-Encoding` that does not end in `chunked`, or one on an
    /// HTTP/1.0 request (400).
    UnsupportedTransferEncoding,
    /// The head is over a size limit, as said (431).
    TooLarge(TooLarge),
}

/// Which rule of HTTP/1.1's syntax a [`Refusal::Malformed`] head broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Malformed {
    /// Not `METHOD SP target SP version` (a missing or extra space, an
    /// empty part, a method byte that is not a token character).
    RequestLine,
    /// A byte in the request target that a URL cannot hold.
    TargetByte,
    /// A request target whose bytes are not UTF-8 (fragment included):
    /// hyper refuses it with an empty 400.
    TargetNotUtf8,
    /// A header line that is not `Name: value`.
    HeaderLine,
    /// A control byte in a header value.
    HeaderByte,
    /// A carriage return not followed by a line feed.
    BareCr,
}

/// Which size limit a [`Refusal::TooLarge`] head passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TooLarge {
    /// One header line over [`HeadLimits::line`].
    Line,
    /// More than [`MAX_HEADERS`] headers.
    Count,
    /// The whole head over [`HeadLimits::head`].
    Head,
}

/// How much of the current line [`Scan`] keeps: enough for a
/// `Content-Length` header with any `u64` and some spaces.
const KEPT: usize = 48;

/// A token character (RFC 9110, 5.6.2): a method's or a header name's byte.
const fn token_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'!' | b'#' | b'$' | b'%' | b'&'
            | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        b += 1;
    }
    table
}
static TOKEN: [bool; 256] = token_table();

/// A byte a request target may hold (httparse's rule: visible, or not ASCII).
fn target_byte(b: u8) -> bool {
    (b'!'..=b'~').contains(&b) || b >= 0x80
}

/// Whether `bytes` hold a byte a header value may not (a control byte but
/// tab, or DEL). Without an early exit, so the loop is one the compiler
/// can run over many bytes at once.
fn has_control_byte(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |bad, &b| {
        bad | ((b < b' ' && b != b'\t') | (b == 0x7f))
    })
}

/// Where a request target's bytes are in UTF-8's sequences, one byte at a
/// time (a target may be cut across reads): the bytes a sequence still
/// needs, and the range the next one must fall in (RFC 3629's table: no
/// overlong form, no surrogate, nothing past U+10FFFF).
#[derive(Clone, Copy, Debug, Default)]
struct Utf8 {
    need: u8,
    low: u8,
    high: u8,
}

impl Utf8 {
    /// Takes the next byte: whether the bytes so far can still be UTF-8.
    fn take(&mut self, b: u8) -> bool {
        if self.need > 0 {
            if !(self.low..=self.high).contains(&b) {
                return false;
            }
            self.need -= 1;
            (self.low, self.high) = (0x80, 0xbf);
            return true;
        }
        let (need, low, high) = match b {
            0x00..=0x7f => return true,
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xe1..=0xec | 0xee..=0xef => (2, 0x80, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => return false,
        };
        *self = Utf8 { need, low, high };
        true
    }

    /// Whether the bytes taken end where a character does.
    fn ended(&self) -> bool {
        self.need == 0
    }
}

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
    /// The current line's length so far (without a carriage return the
    /// next byte may end), and its first bytes.
    line_len: usize,
    kept: [u8; KEPT],
    /// The current line's last byte so far was a carriage return: the next
    /// byte must be its line feed.
    cr: bool,
    /// On the request line: spaces seen, and the current part's length.
    spaces: u8,
    part_len: usize,
    target_len: usize,
    /// The target's UTF-8 so far.
    target_utf8: Utf8,
    /// The request line's version part (up to 8 bytes, and its length).
    version: [u8; 8],
    version_len: usize,
    http10: bool,
    /// On a header line: its name's colon was read.
    colon: bool,
    /// The head's bytes so far, line ends included.
    head_len: usize,
    /// The blank line that ends the head was read.
    done: bool,
    /// Bytes read after the head's end (its body, and maybe more).
    after: u64,
    /// The head's `Content-Length`, if it has one (`Err`: one that is not
    /// a plain number, or two different ones).
    length: Option<Result<u64, ()>>,
    /// A `Transfer-Encoding` was read, and whether the last one ends in
    /// `chunked` (or is too long to tell here: hyper tells).
    chunked: bool,
    chunked_last: bool,
    limits: HeadLimits,
}

impl Scan {
    /// The scan of a head whose first byte is known (`aligned`) once `skip`
    /// bytes of a body have passed, held to `limits`.
    pub(super) fn new(aligned: bool, skip: u64, limits: HeadLimits) -> Self {
        Scan {
            aligned,
            skip,
            lines: 0,
            line_len: 0,
            kept: [0; KEPT],
            cr: false,
            spaces: 0,
            part_len: 0,
            target_len: 0,
            target_utf8: Utf8::default(),
            version: [0; 8],
            version_len: 0,
            http10: false,
            colon: false,
            head_len: 0,
            done: false,
            after: 0,
            length: None,
            chunked: false,
            chunked_last: false,
            limits,
        }
    }

    /// The scan of the next head, once this one's answer is done: aligned
    /// only if this head's body ended where its `Content-Length` says and
    /// nothing was read past it (then what comes next is a head's first
    /// byte), with what is still to come of the body skipped.
    pub(super) fn next(&self) -> Self {
        let limits = self.limits;
        if !self.aligned {
            return Scan::new(false, 0, limits);
        }
        if !self.done {
            // Answered (by hyper, or a refusal) before the head ended: the
            // connection closes; start clean.
            return Scan::new(self.lines == 0 && self.line_len == 0, 0, limits);
        }
        match (self.chunked, self.length) {
            (false, None) => Scan::new(self.after == 0, 0, limits),
            (false, Some(Ok(length))) if self.after <= length => {
                Scan::new(true, length - self.after, limits)
            }
            _ => Scan::new(false, 0, limits),
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
                self.head_len += bytes.len();
                return self.part(bytes).or_else(|| self.head_size());
            };
            let line = &bytes[..at];
            bytes = &bytes[at + 1..];
            self.head_len += at + 1;
            let refusal = match self.line_len == 0 && !self.cr {
                // A whole line in this read (a head's usual case): looked
                // at where it lies, not copied.
                true => {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    self.piece(line, line.len())
                        .or_else(|| self.end_line(line, true))
                }
                // The end of a line begun in an earlier read.
                false => self.part(line).or_else(|| {
                    let kept = self.kept;
                    let whole = self.line_len <= KEPT;
                    self.end_line(&kept[..self.line_len.min(KEPT)], whole)
                }),
            };
            if refusal.is_some() {
                return refusal;
            }
            if let Some(refusal) = self.head_size() {
                return Some(refusal);
            }
        }
        None
    }

    /// The head's size so far against its limit.
    fn head_size(&self) -> Option<Refusal> {
        (self.head_len > self.limits.head).then_some(Refusal::TooLarge(TooLarge::Head))
    }

    /// A piece of the current line (no `\n` in it), which may end in the
    /// carriage return of the line's end.
    fn part(&mut self, part: &[u8]) -> Option<Refusal> {
        if part.is_empty() {
            return None;
        }
        if self.cr {
            // A carriage return, then more of the line.
            return Some(Refusal::Malformed(Malformed::BareCr));
        }
        let part = match part.strip_suffix(b"\r") {
            Some(part) => {
                self.cr = true;
                part
            }
            None => part,
        };
        if self.line_len < KEPT {
            let keep = part.len().min(KEPT - self.line_len);
            self.kept[self.line_len..self.line_len + keep].copy_from_slice(&part[..keep]);
        }
        self.line_len += part.len();
        self.piece(part, self.line_len)
    }

    /// Checks `piece`, the next bytes of the current line (no line end in
    /// it), the line `len` bytes long with it.
    fn piece(&mut self, piece: &[u8], len: usize) -> Option<Refusal> {
        match self.lines {
            0 => self.request_line(piece),
            _ if len > self.limits.line => Some(Refusal::TooLarge(TooLarge::Line)),
            _ => self.header_piece(piece),
        }
    }

    /// Checks `part`, a piece of the request line (`METHOD SP target SP
    /// version`), counting the target's bytes.
    fn request_line(&mut self, part: &[u8]) -> Option<Refusal> {
        for &b in part {
            if b == b'\r' {
                return Some(Refusal::Malformed(Malformed::BareCr));
            }
            if b == b' ' {
                if self.part_len == 0 || self.spaces == 2 {
                    return Some(Refusal::Malformed(Malformed::RequestLine));
                }
                if self.spaces == 1 && !self.target_utf8.ended() {
                    return Some(Refusal::Malformed(Malformed::TargetNotUtf8));
                }
                self.spaces += 1;
                self.part_len = 0;
                continue;
            }
            self.part_len += 1;
            match self.spaces {
                0 if !TOKEN[usize::from(b)] => {
                    return Some(Refusal::Malformed(Malformed::RequestLine));
                }
                1 => {
                    if !target_byte(b) {
                        return Some(Refusal::Malformed(Malformed::TargetByte));
                    }
                    if !self.target_utf8.take(b) {
                        return Some(Refusal::Malformed(Malformed::TargetNotUtf8));
                    }
                    self.target_len += 1;
                    if self.target_len > self.limits.target {
                        return Some(Refusal::TargetTooLong);
                    }
                }
                2 => {
                    if self.version_len == self.version.len() {
                        return Some(Refusal::Malformed(Malformed::RequestLine));
                    }
                    self.version[self.version_len] = b;
                    self.version_len += 1;
                }
                _ => {}
            }
        }
        None
    }

    /// The request line ended: its version decides.
    fn end_request_line(&mut self) -> Option<Refusal> {
        let version = &self.version[..self.version_len];
        if self.spaces != 2 || self.part_len == 0 {
            return Some(Refusal::Malformed(Malformed::RequestLine));
        }
        match version {
            b"HTTP/1.1" => None,
            b"HTTP/1.0" => {
                self.http10 = true;
                None
            }
            [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
                if major.is_ascii_digit() && minor.is_ascii_digit() =>
            {
                Some(Refusal::UnsupportedVersion)
            }
            _ => Some(Refusal::Malformed(Malformed::RequestLine)),
        }
    }

    /// Checks `piece`, the next bytes of a header line: a name of token
    /// characters up to its colon, then a value with no control byte.
    fn header_piece(&mut self, mut piece: &[u8]) -> Option<Refusal> {
        if !self.colon {
            let (name, rest) = match memchr(b':', piece) {
                Some(at) => {
                    self.colon = true;
                    // An empty name: the colon opens the line.
                    if at == 0 && self.line_len <= piece.len() {
                        return Some(Refusal::Malformed(Malformed::HeaderLine));
                    }
                    (&piece[..at], &piece[at + 1..])
                }
                None => (piece, &[][..]),
            };
            if !name.iter().all(|&b| TOKEN[usize::from(b)]) {
                return Some(bad_byte(name, Malformed::HeaderLine));
            }
            piece = rest;
        }
        has_control_byte(piece).then(|| bad_byte(piece, Malformed::HeaderByte))
    }

    /// The current line ended (its `\n` read): `kept` is the line without
    /// its carriage return, or its first [`KEPT`] bytes when not `whole`
    /// (a longer line cut across reads, which cannot hold a plain number).
    fn end_line(&mut self, kept: &[u8], whole: bool) -> Option<Refusal> {
        let blank = kept.is_empty();
        let line = self.lines;
        let colon = self.colon;
        self.line_len = 0;
        self.cr = false;
        self.colon = false;
        if blank {
            // Empty lines before a request line are skipped (RFC 9112,
            // 2.2), as hyper skips them; after it, one ends the head.
            if line > 0 {
                self.done = true;
                return self.end_head();
            }
            return None;
        }
        self.lines += 1;
        if line == 0 {
            return self.end_request_line();
        }
        if !colon {
            return Some(Refusal::Malformed(Malformed::HeaderLine));
        }
        if self.lines - 1 > MAX_HEADERS {
            return Some(Refusal::TooLarge(TooLarge::Count));
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
            if self.length == Some(Err(())) {
                return Some(Refusal::BadContentLength);
            }
        } else if let Some(value) = header_value(kept, b"transfer-encoding:") {
            self.chunked = true;
            // A value cut across reads and too long to keep: hyper tells.
            self.chunked_last = !whole || ends_in_chunked(value);
        } else {
            return None;
        }
        match (self.length.is_some(), self.chunked) {
            (true, true) => Some(Refusal::AmbiguousLength),
            _ => None,
        }
    }

    /// The head ended: what only its whole can say.
    fn end_head(&self) -> Option<Refusal> {
        match self.chunked && (self.http10 || !self.chunked_last) {
            true => Some(Refusal::UnsupportedTransferEncoding),
            false => None,
        }
    }
}

/// The refusal of `bytes`, which break a rule: a bare carriage return if
/// they hold one (as a line cut across reads just after it is refused),
/// else `otherwise`.
fn bad_byte(bytes: &[u8], otherwise: Malformed) -> Refusal {
    match memchr(b'\r', bytes) {
        Some(_) => Refusal::Malformed(Malformed::BareCr),
        None => Refusal::Malformed(otherwise),
    }
}

/// The value of header `name` (lower case, with its colon) on `line`, if
/// the line is that header.
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &line[name.len()..])
}

/// Whether a `Transfer-Encoding` value's last coding is `chunked`.
fn ends_in_chunked(value: &[u8]) -> bool {
    let last = value.rsplit(|&b| b == b',').next().unwrap_or(value);
    last.trim_ascii().eq_ignore_ascii_case(b"chunked")
}

/// A header value that is one plain decimal number, spaces around it.
fn plain_number(value: &[u8]) -> Result<u64, ()> {
    let space = |b: &u8| matches!(b, b' ' | b'\t');
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
        limits().target
    }

    /// The server's default limits.
    fn limits() -> HeadLimits {
        let limits = crate::http::server::ServerLimits::default();
        HeadLimits {
            target: limits.max_target_bytes,
            line: limits.max_header_bytes,
            head: limits.max_head_bytes,
        }
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
            b"GET / HTTP/1.1\r\nX: \r\n\n\r\nHost: y\r\n",
            b"\r\n\r",
            b"\r\nGET / HTTP/1.1\nHost: y\n\n",
            b"\n\r\n\r\n",
            b"GET / HTTP/1.1\r\nX-Pad: \r\n\r",
        ];
        for text in texts {
            let end = reference_end(text);
            for cut in 0..=text.len() {
                for cut2 in cut..=text.len() {
                    let mut scan = Scan::new(true, 0, limits());
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
            let mut scan = Scan::new(true, 0, limits());
            let refused = [&long.as_bytes()[..cut], &long.as_bytes()[cut..]]
                .iter()
                .find_map(|part| scan.saw(part));
            assert_eq!(refused, Some(Refusal::TargetTooLong), "cut at {cut}");
        }
        let mut scan = Scan::new(true, 0, limits());
        assert_eq!(scan.saw(fits.as_bytes()), None);
        assert!(scan.done);
    }

    /// A `Content-Length` is read wherever the reads split it, and only a
    /// plain number counts as one.
    #[test]
    fn a_content_length_is_read_across_reads_and_only_as_a_plain_number() {
        let head = b"POST / HTTP/1.1\r\nContent-Length:  1234 \r\n\r\n";
        for cut in 0..=head.len() {
            let mut scan = Scan::new(true, 0, limits());
            assert_eq!(scan.saw(&head[..cut]), None);
            assert_eq!(scan.saw(&head[cut..]), None);
            assert_eq!(scan.length, Some(Ok(1234)), "cut at {cut}");
        }
        for bad in ["1 2", "", "+5", "5, 5", "99999999999999999999999", "0x10"] {
            assert_eq!(plain_number(bad.as_bytes()), Err(()), "{bad:?}");
        }
        assert_eq!(plain_number(b"\t7 "), Ok(7));
    }

    #[test]
    fn content_length_with_transfer_encoding_is_refused_in_either_order() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nCONTENT-LENGTH:3\r\n\r\n",
        ] {
            let mut scan = Scan::new(true, 0, limits());
            assert_eq!(scan.saw(head.as_bytes()), Some(Refusal::AmbiguousLength));
        }
        // One of them alone is hyper's to read.
        let mut scan = Scan::new(true, 0, limits());
        assert_eq!(
            scan.saw(
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Content-Length: 3\r\n\r\n"
            ),
            None
        );
        assert!(scan.done && scan.chunked && scan.length.is_none());
    }

    /// The syntax rules give the same verdict however the head is split
    /// across reads: each case read whole, then cut in two at every byte.
    #[test]
    fn the_syntax_rules_agree_at_every_split() {
        use Malformed::*;
        let long_name = format!("GET / HTTP/1.1\r\n{}: v\r\n\r\n", "N".repeat(KEPT * 2));
        let cases: [(&[u8], Option<Refusal>); 23] = [
            (b"GET /caf\xc3\xa9?q=\xe2\x82\xac HTTP/1.1\r\n\r\n", None),
            (
                b"GET /a#\xff HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (
                b"GET /caf\xe9 HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (
                b"GET /a\xc3 HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (
                b"GET /a\xc3#b HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (
                b"GET /\xed\xa0\x80 HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (
                b"GET /\xc0\xaf HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetNotUtf8)),
            ),
            (b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", None),
            (b"\r\nGET /a HTTP/1.0\nX:\t\xc3\xa9\n\n", None),
            (long_name.as_bytes(), None),
            (
                b"GET /a\0 HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(TargetByte)),
            ),
            (
                b"GET /a HTTP/1.1\rX\n\r\n",
                Some(Refusal::Malformed(BareCr)),
            ),
            (
                b"GET /a HTTP/1.1\r\nX: a\r\r\n\r\n",
                Some(Refusal::Malformed(BareCr)),
            ),
            (
                b"GET  /a HTTP/1.1\r\n\r\n",
                Some(Refusal::Malformed(RequestLine)),
            ),
            (b"GET /a\r\n\r\n", Some(Refusal::Malformed(RequestLine))),
            (
                b"GET /a HTTP/1.1\r\nX\r\n\r\n",
                Some(Refusal::Malformed(HeaderLine)),
            ),
            (
                b"GET /a HTTP/1.1\r\n: v\r\n\r\n",
                Some(Refusal::Malformed(HeaderLine)),
            ),
            (
                b"GET /a HTTP/1.1\r\nX: \x7f\r\n\r\n",
                Some(Refusal::Malformed(HeaderByte)),
            ),
            (
                b"GET /a HTTP/3.0\r\n\r\n",
                Some(Refusal::UnsupportedVersion),
            ),
            (
                b"GET /a HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
                Some(Refusal::BadContentLength),
            ),
            (
                b"GET /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Some(Refusal::UnsupportedTransferEncoding),
            ),
            (
                b"GET /a HTTP/1.1\r\nTransfer-Encoding: gzip,chunked\r\n\r\n",
                None,
            ),
            (
                b"GET /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                Some(Refusal::UnsupportedTransferEncoding),
            ),
        ];
        for (text, verdict) in cases {
            for cut in 0..=text.len() {
                let mut scan = Scan::new(true, 0, limits());
                let got = scan.saw(&text[..cut]).or_else(|| scan.saw(&text[cut..]));
                assert_eq!(
                    got,
                    verdict,
                    "{:?} cut at {cut}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    /// The size limits are the server's: a header line, the head and the
    /// header count, each refused once passed and not at the limit.
    #[test]
    fn a_head_over_a_size_limit_is_refused_and_one_at_it_is_not() {
        let small = HeadLimits {
            target: 64,
            line: 32,
            head: 200,
        };
        let line = |len: usize| format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(len - 3));
        let mut scan = Scan::new(true, 0, small);
        assert_eq!(scan.saw(line(32).as_bytes()), None);
        let mut scan = Scan::new(true, 0, small);
        assert_eq!(
            scan.saw(line(33).as_bytes()),
            Some(Refusal::TooLarge(TooLarge::Line))
        );
        // Refused as the line grows, before its end arrives.
        let mut scan = Scan::new(true, 0, small);
        let open = &line(1000)[..200];
        assert_eq!(
            scan.saw(open.as_bytes()),
            Some(Refusal::TooLarge(TooLarge::Line))
        );
        let head = |headers: usize| format!("GET / HTTP/1.1\r\n{}\r\n", "X: v\r\n".repeat(headers));
        // 16 + 6 per header + 2: 200 bytes fit 30 headers, not 31.
        let mut scan = Scan::new(true, 0, small);
        assert_eq!(scan.saw(head(30).as_bytes()), None);
        let mut scan = Scan::new(true, 0, small);
        assert_eq!(
            scan.saw(head(31).as_bytes()),
            Some(Refusal::TooLarge(TooLarge::Head))
        );
        let roomy = HeadLimits {
            head: 1 << 20,
            ..small
        };
        let mut scan = Scan::new(true, 0, roomy);
        assert_eq!(scan.saw(head(MAX_HEADERS as usize).as_bytes()), None);
        let mut scan = Scan::new(true, 0, roomy);
        let over = head(MAX_HEADERS as usize + 1);
        assert_eq!(
            scan.saw(over.as_bytes()),
            Some(Refusal::TooLarge(TooLarge::Count))
        );
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
            let mut scan = Scan::new(true, 0, limits());
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
