//! WARC and WET files: records read one at a time from a decompressed stream, and the text
//! decant takes from each.
//!
//! A WARC file (ISO 28500) is a sequence of records: a version line (`WARC/1.0`), named
//! headers, a blank line, a content block of exactly `Content-Length` bytes, then two CRLFs.
//! Common Crawl's WET files are WARC files whose `conversion` records hold the text extracted
//! from a page.
//!
//! Reading is split in two, as for the other formats: [`WarcReader`] cuts a stream into
//! [`WarcRecord`]s (cheap, sequential) and [`content`] decides what one record holds for
//! decant (pure, can run in parallel).
//!
//! The reader is strict about what makes a record — a version line, a `Content-Length`, a
//! block of that many bytes — because a stream that breaks one of those cannot be trusted
//! any further: it yields one [`WarcError`] and ends. It forgives what does not change the
//! records: bare LF line ends, folded headers, blank lines between records, missing newlines
//! after the last record.
//!
//! ```
//! use decant::read::warc::{content, Content, WarcReader};
//!
//! let wet = b"WARC/1.0\r\nWARC-Type: conversion\r\n\
//!             WARC-Target-URI: https://example.com/\r\nContent-Type: text/plain\r\n\
//!             Content-Length: 12\r\n\r\nHello world.\r\n\r\n";
//! let record = WarcReader::new(&wet[..]).next().unwrap().unwrap();
//! assert_eq!(record.line, 1);
//! let Content::Text(doc) = content(&record).unwrap() else { panic!("not text") };
//! assert_eq!(doc.text, "Hello world.");
//! assert_eq!(doc.url.as_deref(), Some("https://example.com/"));
//! ```

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// The largest content block read (1 GiB). A larger `Content-Length` is taken for a corrupt
/// header rather than allocated.
pub const MAX_BLOCK: u64 = 1 << 30;

/// The largest header section of a record (1 MiB; real ones are well under 10 KiB). Bounds
/// the memory spent on a stream that has a version line and then no blank line.
const MAX_HEADERS: usize = 1 << 20;

/// The longest line looked at while searching for a version line between records.
const MAX_LINE: usize = 1 << 16;

/// Media types whose content decant reads as text.
const TEXT_TYPES: [&str; 2] = ["text/plain", "text/markdown"];

/// Charsets decant decodes (all as UTF-8: US-ASCII is a subset).
const UTF8_CHARSETS: [&str; 4] = ["utf-8", "utf8", "us-ascii", "ascii"];

/// One WARC record as read: where it starts and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// 1-based line (in the decompressed stream) of the record's version line ("WARC/1.0").
    pub line: u64,
    /// The record's bytes from the version line through the end of its content block
    /// (the two CRLFs that end a record are not included).
    pub raw: Vec<u8>,
    /// Offset in `raw` where the content block starts (after the blank line ending the
    /// headers).
    pub block_start: usize,
}

impl WarcRecord {
    /// A header's value: the first header of that name (matched case-insensitively), value
    /// trimmed, folded continuation lines joined with one space. Borrowed unless it was
    /// folded or is not valid UTF-8 (then decoded lossily).
    pub fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        find_header(self.raw.get(..self.block_start).unwrap_or(&self.raw), name)
    }

    /// The `WARC-Type` header, lower-cased (`conversion`, `response`, `warcinfo`...), so it
    /// can be matched directly; `None` when the record has none or it is empty.
    pub fn warc_type(&self) -> Option<Cow<'_, str>> {
        self.header("WARC-Type")
            .filter(|t| !t.is_empty())
            .map(ascii_lowercase)
    }

    /// The content block: the `Content-Length` bytes after the headers.
    pub fn block(&self) -> &[u8] {
        self.raw.get(self.block_start..).unwrap_or_default()
    }
}

/// Why a stream could not be read further: where it broke and what was read of the record.
///
/// Displays as `line N: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WarcError {
    /// 1-based line of the record that could not be read (its version line), or of the line
    /// where a record was expected.
    pub line: u64,
    /// What is wrong, for people.
    pub message: String,
    /// The bytes read of the broken record (or the line found where a record should start).
    pub raw: Vec<u8>,
}

/// Reads records one by one from a decompressed stream (the caller decompresses `.gz` with
/// flate2's `MultiGzDecoder`). After an error, iteration ends (the stream cannot be
/// trusted).
///
/// Holds one record in memory at a time.
pub struct WarcReader<R: BufRead> {
    reader: R,
    /// `\n` bytes consumed so far.
    newlines: u64,
    /// Records yielded so far: a stream that fails on its first record is probably not WARC.
    records: u64,
    /// Whether the last block ended inside a line (not after a `\n`).
    mid_line: bool,
    done: bool,
}

/// How a bounded line read ended.
#[derive(Debug, PartialEq, Eq)]
enum LineEnd {
    /// At a `\n` (included).
    Newline,
    /// At the end of the stream.
    Eof,
    /// At the length limit.
    Limit,
}

impl<R: BufRead> WarcReader<R> {
    /// Reads records from `reader`, which must already be decompressed.
    pub fn new(reader: R) -> Self {
        WarcReader {
            reader,
            newlines: 0,
            records: 0,
            mid_line: false,
            done: false,
        }
    }

    /// Appends the stream's bytes to `buf` through the next `\n`, or until `buf` holds
    /// `limit` bytes, or to the end of the stream; counts the newline.
    fn read_line(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<LineEnd> {
        loop {
            if buf.len() >= limit {
                return Ok(LineEnd::Limit);
            }
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(LineEnd::Eof);
            }
            let window = &available[..available.len().min(limit - buf.len())];
            if let Some(i) = memchr::memchr(b'\n', window) {
                buf.extend_from_slice(&window[..=i]);
                self.reader.consume(i + 1);
                self.newlines += 1;
                return Ok(LineEnd::Newline);
            }
            let n = window.len();
            buf.extend_from_slice(window);
            self.reader.consume(n);
        }
    }

    /// The next record, `None` at the end of the stream.
    fn read_record(&mut self) -> Result<Option<WarcRecord>, WarcError> {
        // The version line, after any blank lines. When the previous block ended inside a
        // line, the rest of that line is skipped whatever it holds, as warcio does (it warns
        // "record not followed by newline"): a block a few bytes longer than its
        // Content-Length says loses nothing that matters, and the records after it stay
        // readable. A whole line of something else is an error.
        let mut raw = Vec::new();
        let mut rest_of_block_line = std::mem::take(&mut self.mid_line);
        let line = loop {
            raw.clear();
            let line = self.newlines + 1;
            self.read_line(&mut raw, MAX_LINE)
                .map_err(|e| io_error(line, &e, &raw))?;
            if raw.is_empty() {
                return Ok(None);
            }
            if is_version_line(&raw) {
                break line;
            }
            let blank = raw
                .iter()
                .all(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
            if !blank && !rest_of_block_line {
                return Err(self.not_a_record(line, raw));
            }
            rest_of_block_line = false;
        };

        // The headers, through the blank line that ends them.
        let block_start = loop {
            let start = raw.len();
            match self.read_line(&mut raw, MAX_HEADERS) {
                Ok(LineEnd::Newline) => {
                    if matches!(&raw[start..], b"\n" | b"\r\n") {
                        break raw.len();
                    }
                }
                Ok(LineEnd::Eof) => {
                    return Err(WarcError {
                        line,
                        message: "record truncated: the stream ends inside the record's headers"
                            .into(),
                        raw,
                    })
                }
                Ok(LineEnd::Limit) => {
                    return Err(WarcError {
                        line,
                        message: format!(
                            "the record's headers run past {} KiB without the blank line that \
                             ends them; the rest of the file is not read",
                            MAX_HEADERS >> 10
                        ),
                        raw,
                    })
                }
                Err(e) => return Err(io_error(line, &e, &raw)),
            }
        };

        let len = match content_length(&raw[..block_start]) {
            Ok(len) => len,
            Err(message) => return Err(WarcError { line, message, raw }),
        };

        // The block: exactly `len` bytes, whatever they are.
        raw.reserve(len.min(1 << 16));
        let mut remaining = len;
        while remaining > 0 {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let got = len - remaining;
                    return Err(WarcError {
                        line,
                        message: format!(
                            "record truncated: Content-Length is {len} bytes but reading \
                             failed after {got} ({e}); the rest of the file is not read"
                        ),
                        raw,
                    });
                }
            };
            if available.is_empty() {
                let got = len - remaining;
                return Err(WarcError {
                    line,
                    message: format!(
                        "record truncated: Content-Length is {len} bytes but the stream \
                         ends after {got}"
                    ),
                    raw,
                });
            }
            let n = remaining.min(available.len());
            let taken = &available[..n];
            self.newlines += memchr::memchr_iter(b'\n', taken).count() as u64;
            raw.extend_from_slice(taken);
            self.reader.consume(n);
            remaining -= n;
        }
        // The CRLFs that end the record are skipped with the blank lines before the next.
        self.mid_line = raw.last() != Some(&b'\n');
        Ok(Some(WarcRecord {
            line,
            raw,
            block_start,
        }))
    }

    /// The error for a line that is neither blank nor a version line where a record should
    /// start.
    fn not_a_record(&self, line: u64, raw: Vec<u8>) -> WarcError {
        let found = String::from_utf8_lossy(&raw[..raw.len().min(60)]);
        let found = found.trim_end();
        let message = if self.records > 0 {
            format!(
                "expected a record's version line (WARC/1.0), found `{found}`: the previous \
                 record's Content-Length may be wrong; the rest of the file is not read"
            )
        } else if raw.starts_with(b"filedesc://") {
            "this is an ARC file (the format before WARC, starting `filedesc://`), which \
             decant does not read"
                .into()
        } else if raw.starts_with(&[0x1f, 0x8b]) {
            "not a WARC file: the data is gzip-compressed (is the file missing its .gz \
             extension?)"
                .into()
        } else if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            "not a WARC file: the data is zstd-compressed (is the file missing its .zst \
             extension?)"
                .into()
        } else {
            format!("not a WARC file: expected a version line such as WARC/1.0, found `{found}`")
        };
        WarcError { line, message, raw }
    }
}

impl<R: BufRead> Iterator for WarcReader<R> {
    type Item = Result<WarcRecord, WarcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_record() {
            Ok(Some(record)) => {
                self.records += 1;
                Some(Ok(record))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

fn io_error(line: u64, e: &io::Error, raw: &[u8]) -> WarcError {
    WarcError {
        line,
        message: format!("stream ends early or is corrupt ({e}); the rest of the file is not read"),
        raw: raw.to_vec(),
    }
}

/// `WARC/` and a version number (`1.0`, `1.1`, `0.18`...), then only the line end.
fn is_version_line(line: &[u8]) -> bool {
    line.strip_prefix(b"WARC/").is_some_and(|v| {
        let v = v.trim_ascii_end();
        !v.is_empty() && v.iter().all(|&b| b.is_ascii_digit() || b == b'.')
    })
}

/// The block length a record's headers declare, or why there is none to trust.
fn content_length(head: &[u8]) -> Result<usize, String> {
    let Some(value) = find_header(head, "Content-Length") else {
        return Err(
            "the record has no Content-Length header; the rest of the file is not read".into(),
        );
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the record's Content-Length is not a number: `{value}`; the rest of the file is \
             not read"
        ));
    }
    match value.parse::<u64>() {
        Ok(len) if len <= MAX_BLOCK => Ok(usize::try_from(len).expect("1 GiB fits in usize")),
        _ => Err(format!(
            "the record's Content-Length ({value} bytes) is larger than {} GiB; taken for a \
             corrupt header, the rest of the file is not read",
            MAX_BLOCK >> 30
        )),
    }
}

/// A header's value in a header section whose first line (version or status line) is not a
/// header: see [`WarcRecord::header`].
fn find_header<'a>(head: &'a [u8], name: &str) -> Option<Cow<'a, str>> {
    let is_continuation = |line: &[u8]| matches!(line.first(), Some(b' ' | b'\t'));
    let mut lines = head
        .split(|&b| b == b'\n')
        .skip(1)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .peekable();
    while let Some(line) = lines.next() {
        if is_continuation(line) {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        if !line[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
        {
            continue;
        }
        let mut value = Cow::Borrowed(line[colon + 1..].trim_ascii());
        while let Some(next) = lines.next_if(|l| is_continuation(l)) {
            let piece = next.trim_ascii();
            if !piece.is_empty() {
                let v = value.to_mut();
                if !v.is_empty() {
                    v.push(b' ');
                }
                v.extend_from_slice(piece);
            }
        }
        return Some(match value {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        });
    }
    None
}

fn ascii_lowercase(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// What a record holds for decant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A text document.
    Text(WarcText),
    /// Not a document; the reason names what it is (`warcinfo`, `request`, `response:
    /// text/html (HTML extraction is not supported yet)`...).
    Skip(String),
}

/// A text document taken from a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcText {
    /// The text (for a `response`, the HTTP body, de-chunked and decompressed).
    pub text: String,
    /// `WARC-Target-URI`, without the `<...>` some writers put around it.
    pub url: Option<String>,
    /// `WARC-Date`, as written.
    pub date: Option<String>,
    /// `WARC-Record-ID`, as written (e.g. `<urn:uuid:...>`).
    pub record_id: Option<String>,
    /// The record's type: `conversion`, `resource` or `response`.
    pub warc_type: String,
    /// The text's Content-Type as written: the record's for `conversion` and `resource`,
    /// the HTTP response's for `response`.
    pub content_type: Option<String>,
}

/// The text of a record and its Content-Type, or why it holds none.
enum Payload {
    Text(String, Option<String>),
    Skip(String),
}

/// Decides what a record is and extracts its text. `Err(message)` when the record should be
/// a text document but cannot be (its text is not valid UTF-8, its HTTP block is malformed).
///
/// - `conversion` (Common Crawl WET): always text, the block as UTF-8.
/// - `resource`: text when its Content-Type is `text/plain` or `text/markdown`, unless its
///   target URI is `metadata:` (crawler metadata: wget's log and arguments).
/// - `response`: the HTTP response in the block is parsed; text when its status is 2xx and
///   its Content-Type is `text/plain` or `text/markdown`. A chunked body is de-chunked (if
///   its first chunk-size line is not hexadecimal, the body is taken as already de-chunked,
///   as warcio does); a gzip or deflate Content-Encoding is decoded.
/// - Text must be UTF-8: a `charset` other than UTF-8 or US-ASCII is skipped with a reason
///   naming it.
/// - Every other type (`warcinfo`, `request`, `metadata`, `revisit`, `continuation`...) is
///   skipped with the type as the reason.
pub fn content(record: &WarcRecord) -> Result<Content, String> {
    let Some(kind) = record.warc_type() else {
        return Ok(Content::Skip("no WARC-Type".into()));
    };
    let payload = match kind.as_ref() {
        "conversion" => Payload::Text(
            utf8(record.block().to_vec(), "content block")?,
            owned(record.header("Content-Type")),
        ),
        "resource" => {
            let content_type = record.header("Content-Type");
            let url = record.header("WARC-Target-URI").unwrap_or_default();
            let url = url.trim_start_matches('<');
            match text_type(content_type.as_deref()) {
                // wget keeps its log and arguments as text/plain resources.
                Ok(()) if starts_with_ignore_case(url, "metadata:") => {
                    Payload::Skip(format!("crawler metadata ({})", url.trim_end_matches('>')))
                }
                Ok(()) => Payload::Text(
                    utf8(record.block().to_vec(), "content block")?,
                    owned(content_type),
                ),
                Err(reason) => Payload::Skip(reason),
            }
        }
        "response" => http_text(record)?,
        _ => return Ok(Content::Skip(kind.into_owned())),
    };
    Ok(match payload {
        Payload::Skip(reason) => Content::Skip(format!("{kind}: {reason}")),
        Payload::Text(text, content_type) => Content::Text(WarcText {
            text,
            url: owned(record.header("WARC-Target-URI")).map(|u| {
                match u.strip_prefix('<').and_then(|u| u.strip_suffix('>')) {
                    Some(inner) => inner.trim().to_owned(),
                    None => u,
                }
            }),
            date: owned(record.header("WARC-Date")),
            record_id: owned(record.header("WARC-Record-ID")),
            warc_type: kind.into_owned(),
            content_type,
        }),
    })
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// A header value worth keeping: present and not empty.
fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.filter(|v| !v.is_empty()).map(Cow::into_owned)
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} of the {what}",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A Content-Type's media type (lower-cased) and charset parameter (lower-cased, unquoted).
fn media_type(content_type: &str) -> (String, Option<String>) {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case("charset").then(|| {
            value
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_ascii_lowercase()
        })
    });
    (essence, charset)
}

/// `Ok` when a Content-Type names text decant reads, else the reason to skip.
fn text_type(content_type: Option<&str>) -> Result<(), String> {
    let (essence, charset) = media_type(content_type.unwrap_or_default());
    if essence.is_empty() {
        return Err("no Content-Type".into());
    }
    if !TEXT_TYPES.contains(&essence.as_str()) {
        return Err(match essence.as_str() {
            "text/html" | "application/xhtml+xml" => {
                format!("{essence} (HTML extraction is not supported yet)")
            }
            _ => essence,
        });
    }
    match charset {
        Some(c) if !UTF8_CHARSETS.contains(&c.as_str()) => Err(format!(
            "{essence} in charset {c} (only UTF-8 and US-ASCII are read)"
        )),
        _ => Ok(()),
    }
}

/// The text of a `response` record's HTTP body, or why there is none.
fn http_text(record: &WarcRecord) -> Result<Payload, String> {
    let block = record.block();
    if let Some(ct) = record.header("Content-Type") {
        let (essence, _) = media_type(&ct);
        if !essence.is_empty() && essence != "application/http" {
            return Ok(Payload::Skip(format!("{essence} (not an HTTP response)")));
        }
    }
    if !block.starts_with(b"HTTP/") {
        let end = memchr::memchr(b'\n', block).unwrap_or(block.len()).min(60);
        return Err(format!(
            "malformed HTTP response: the block starts `{}`, not with an HTTP status line",
            String::from_utf8_lossy(&block[..end]).trim_end()
        ));
    }
    let (head, body) = split_http(block);
    let status_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let status = status_line
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty())
        .nth(1)
        .filter(|code| code.len() == 3 && code.iter().all(u8::is_ascii_digit));
    let Some(status) = status else {
        return Err(format!(
            "malformed HTTP response: no status code in `{}`",
            String::from_utf8_lossy(status_line).trim_end()
        ));
    };
    if status[0] != b'2' {
        return Ok(Payload::Skip(format!(
            "HTTP status {}",
            String::from_utf8_lossy(status)
        )));
    }
    let content_type = find_header(head, "Content-Type");
    if let Err(reason) = text_type(content_type.as_deref()) {
        let reason = if reason == "no Content-Type" {
            "no HTTP Content-Type".into()
        } else {
            reason
        };
        return Ok(Payload::Skip(reason));
    }
    let Some(body) = body else {
        return Err("malformed HTTP response: its headers do not end with a blank line".into());
    };

    let mut body = Cow::Borrowed(body);
    let transfer = find_header(head, "Transfer-Encoding").unwrap_or_default();
    let mut chunked = false;
    for coding in transfer.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if coding.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if !coding.eq_ignore_ascii_case("identity") {
            return Ok(Payload::Skip(format!(
                "Transfer-Encoding {coding} is not supported"
            )));
        }
    }
    if chunked {
        if let Some(plain) = dechunk(&body)? {
            body = Cow::Owned(plain);
        }
    }
    let encoding = find_header(head, "Content-Encoding").unwrap_or_default();
    let encoding = encoding.trim().to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" => {}
        "gzip" | "x-gzip" | "deflate" => body = Cow::Owned(decompress(&body, &encoding)?),
        other => {
            return Ok(Payload::Skip(format!(
                "Content-Encoding {other} is not supported"
            )))
        }
    }
    Ok(Payload::Text(
        utf8(body.into_owned(), "HTTP body")?,
        owned(content_type),
    ))
}

/// An HTTP message's header section (status line through the blank line) and its body;
/// without a blank line, the whole block and no body.
fn split_http(block: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut pos = memchr::memchr(b'\n', block).map_or(block.len(), |nl| nl + 1);
    while let Some(nl) = memchr::memchr(b'\n', &block[pos..]) {
        let line = &block[pos..pos + nl];
        pos += nl + 1;
        if line.is_empty() || line == b"\r" {
            return (&block[..pos], Some(&block[pos..]));
        }
    }
    (block, None)
}

/// De-chunks a `Transfer-Encoding: chunked` body; `None` when the body does not start with
/// a chunk-size line (a writer that stored the body de-chunked but kept the header).
fn dechunk(body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut first = true;
    while pos < body.len() {
        let Some(nl) = memchr::memchr(b'\n', &body[pos..]) else {
            if first {
                return Ok(None);
            }
            return Err(format!(
                "malformed chunked HTTP body: no chunk-size line at byte {pos}"
            ));
        };
        let line = &body[pos..pos + nl];
        let digits = line
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        let size = std::str::from_utf8(digits)
            .ok()
            .filter(|d| !d.is_empty())
            .and_then(|d| usize::from_str_radix(d, 16).ok());
        let Some(size) = size else {
            if first {
                return Ok(None);
            }
            return Err(format!(
                "malformed chunked HTTP body: bad chunk size `{}` at byte {pos}",
                String::from_utf8_lossy(&line[..line.len().min(40)]).trim_end()
            ));
        };
        first = false;
        pos += nl + 1;
        if size == 0 {
            break; // the last chunk; trailers are not needed
        }
        if size > body.len() - pos {
            return Err(format!(
                "malformed chunked HTTP body: a chunk of {size} bytes at byte {pos} runs past \
                 the end of the body ({} bytes)",
                body.len()
            ));
        }
        out.extend_from_slice(&body[pos..pos + size]);
        pos += size;
        let rest = &body[pos..];
        if rest.starts_with(b"\r\n") {
            pos += 2;
        } else if rest.starts_with(b"\n") {
            pos += 1;
        } else if !rest.is_empty() {
            return Err(format!(
                "malformed chunked HTTP body: a chunk does not end with a line break at byte \
                 {pos}"
            ));
        }
    }
    Ok(Some(out))
}

/// Decodes a gzip or deflate Content-Encoding, refusing output beyond [`MAX_BLOCK`].
fn decompress(body: &[u8], encoding: &str) -> Result<Vec<u8>, String> {
    let reader: Box<dyn Read + '_> = if encoding == "deflate" {
        // HTTP's "deflate" is zlib-wrapped, but servers also send raw deflate.
        let zlib = body.len() >= 2
            && body[0] & 0x0f == 8
            && u16::from_be_bytes([body[0], body[1]]).is_multiple_of(31);
        if zlib {
            Box::new(flate2::read::ZlibDecoder::new(body))
        } else {
            Box::new(flate2::read::DeflateDecoder::new(body))
        }
    } else {
        Box::new(flate2::read::MultiGzDecoder::new(body))
    };
    let mut out = Vec::new();
    reader
        .take(MAX_BLOCK + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the HTTP body is not valid {encoding} data ({e})"))?;
    if out.len() as u64 > MAX_BLOCK {
        return Err(format!(
            "the HTTP body decompresses to more than {} GiB",
            MAX_BLOCK >> 30
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record with the given header lines (each ending in CRLF), a Content-Length of the
    /// block's size, the block and the two CRLFs that end a record.
    fn record(headers: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.0\r\n{headers}Content-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn read(bytes: &[u8]) -> Vec<Result<WarcRecord, WarcError>> {
        WarcReader::new(bytes).collect()
    }

    fn one(bytes: &[u8]) -> WarcRecord {
        let mut all = read(bytes);
        assert_eq!(all.len(), 1, "{all:?}");
        all.pop().unwrap().unwrap()
    }

    fn error(bytes: &[u8]) -> WarcError {
        let last = read(bytes).pop().expect("something read");
        last.expect_err("an error")
    }

    fn text(bytes: &[u8]) -> WarcText {
        match content(&one(bytes)) {
            Ok(Content::Text(t)) => t,
            other => panic!("not text: {other:?}"),
        }
    }

    fn skip(bytes: &[u8]) -> String {
        match content(&one(bytes)) {
            Ok(Content::Skip(reason)) => reason,
            other => panic!("not skipped: {other:?}"),
        }
    }

    fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
        let mut block = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
        block.extend_from_slice(body);
        record(
            "WARC-Type: response\r\nWARC-Target-URI: http://example.com/a.txt\r\n\
             Content-Type: application/http; msgtype=response\r\n",
            &block,
        )
    }

    #[test]
    fn line_numbers_count_every_newline_before_the_version_line() {
        let mut stream = b"\r\n\n".to_vec(); // blank lines before the first record
        stream.extend(record("WARC-Type: warcinfo\r\n", b"a: b\r\n\r\n")); // lines 3-10
        stream.extend(record(
            "WARC-Type: conversion\r\n",
            b"one\ntwo\nthree with no newline",
        )); // lines 11-18
        stream.extend(b"\n\n");
        stream.extend(record("WARC-Type: resource\r\n", b"")); // line 21
        let records: Vec<_> = read(&stream).into_iter().map(Result::unwrap).collect();
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 11, 21]);
        for r in &records {
            let before = stream[..stream.len()]
                .windows(r.raw.len())
                .position(|w| w == r.raw.as_slice())
                .unwrap();
            let newlines = stream[..before].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(r.line, newlines as u64 + 1);
            assert!(r.raw.starts_with(b"WARC/1.0\r\n"));
        }
        assert_eq!(records[1].block(), b"one\ntwo\nthree with no newline");
        assert_eq!(records[2].block(), b"");
    }

    #[test]
    fn headers_fold_and_match_case_insensitively() {
        let r = one(&record(
            "warc-type:   Conversion  \r\nX-Long: first part\r\n  second part\r\n\tthird\r\n\
             X-Long: not this one\r\nX-Empty:\r\n",
            b"x",
        ));
        assert_eq!(r.header("WARC-TYPE").as_deref(), Some("Conversion"));
        assert_eq!(r.warc_type().as_deref(), Some("conversion"));
        assert_eq!(
            r.header("x-long").as_deref(),
            Some("first part second part third")
        );
        assert_eq!(r.header("X-Empty").as_deref(), Some(""));
        assert_eq!(r.header("Missing"), None);
        assert_eq!(r.header("content-length").as_deref(), Some("1"));
        assert_eq!(r.block(), b"x");
        assert_eq!(&r.raw[r.block_start..], b"x");
    }

    #[test]
    fn bare_lf_line_ends_are_tolerated() {
        let stream = b"WARC/1.0\nWARC-Type: conversion\nContent-Length: 5\n\nhello\n\n\
                       WARC/1.1\nWARC-Type: conversion\nContent-Length: 3\n\nbye";
        let records: Vec<_> = read(stream).into_iter().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].block(), b"hello");
        assert_eq!(records[1].line, 7);
        assert_eq!(records[1].block(), b"bye");
        assert_eq!(records[0].header("Content-Length").as_deref(), Some("5"));
    }

    #[test]
    fn old_and_new_versions_are_records() {
        for version in ["WARC/0.18", "WARC/1.0", "WARC/1.1"] {
            let r = one(format!("{version}\r\nContent-Length: 0\r\n\r\n").as_bytes());
            assert!(r.raw.starts_with(version.as_bytes()));
            assert_eq!(r.warc_type(), None);
        }
    }

    #[test]
    fn a_block_holds_anything_including_what_looks_like_a_record() {
        let inner = record("WARC-Type: conversion\r\n", b"inner");
        let outer = record("WARC-Type: resource\r\n", &inner);
        assert_eq!(one(&outer).block(), inner.as_slice());
    }

    #[test]
    fn missing_newlines_after_the_last_record_are_tolerated() {
        let full = record("WARC-Type: conversion\r\n", b"text");
        for cut in 0..=4 {
            let r = one(&full[..full.len() - cut]);
            assert_eq!(r.block(), b"text");
        }
    }

    #[test]
    fn a_truncated_block_is_an_error_with_expected_and_got() {
        let mut stream = record("WARC-Type: warcinfo\r\n", b"info\n");
        let second = record("WARC-Type: conversion\r\n", b"0123456789");
        stream.extend_from_slice(&second[..second.len() - 4 - 3]); // 7 of 10 bytes
        let all = read(&stream);
        assert_eq!(all.len(), 2);
        assert!(all[0].is_ok());
        let e = all[1].as_ref().unwrap_err();
        assert_eq!(e.line, 8);
        assert_eq!(
            e.message,
            "record truncated: Content-Length is 10 bytes but the stream ends after 7"
        );
        assert!(e.raw.starts_with(b"WARC/1.0\r\nWARC-Type: conversion"));
        assert!(e.raw.ends_with(b"\r\n\r\n0123456"));
        assert_eq!(e.to_string(), format!("line 8: {}", e.message));
    }

    #[test]
    fn a_stream_ending_inside_the_headers_is_truncated() {
        let e = error(b"WARC/1.0\r\nWARC-Type: conversion\r\nContent-Len");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("inside the record's headers"), "{e}");
        assert_eq!(e.raw, b"WARC/1.0\r\nWARC-Type: conversion\r\nContent-Len");
    }

    #[test]
    fn content_length_is_required_numeric_and_bounded() {
        let e = error(b"\nWARC/1.0\r\nWARC-Type: conversion\r\n\r\ntext\r\n\r\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("no Content-Length"), "{e}");
        let e = error(b"WARC/1.0\r\nContent-Length: 12a\r\n\r\ntext\r\n\r\n");
        assert!(e.message.contains("not a number: `12a`"), "{e}");
        let e = error(b"WARC/1.0\r\nContent-Length: -1\r\n\r\n");
        assert!(e.message.contains("not a number"), "{e}");
        let e = error(b"WARC/1.0\r\nContent-Length: 1073741825\r\n\r\ntext");
        assert!(e.message.contains("larger than 1 GiB"), "{e}");
        let e = error(b"WARC/1.0\r\nContent-Length: 99999999999999999999999\r\n\r\n");
        assert!(e.message.contains("larger than 1 GiB"), "{e}");
        // Exactly 1 GiB is allowed, and only what arrives is allocated.
        let e = error(b"WARC/1.0\r\nContent-Length: 1073741824\r\n\r\ntext");
        assert!(e.message.contains("ends after 4"), "{e}");
    }

    #[test]
    fn headers_without_an_end_are_bounded() {
        let mut stream = b"WARC/1.0\r\n".to_vec();
        stream.resize(MAX_HEADERS + 100, b'a');
        let e = error(&stream);
        assert!(e.message.contains("without the blank line"), "{e}");
        assert_eq!(e.raw.len(), MAX_HEADERS);
    }

    #[test]
    fn input_that_is_not_warc_fails_on_the_first_record() {
        let e = error(b"<!doctype html>\n<html><body>hi</body></html>\n");
        assert_eq!(e.line, 1);
        assert_eq!(
            e.message,
            "not a WARC file: expected a version line such as WARC/1.0, found `<!doctype html>`"
        );
        let e = error(b"\n\nfiledesc://x.arc 0.0.0.0 20140216050221 text/plain 75\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("ARC file"), "{e}");
        let e = error(b"\x1f\x8b\x08\x00rest");
        assert!(e.message.contains("gzip-compressed"), "{e}");
        let e = error(b"WARC/one\r\n");
        assert!(e.message.starts_with("not a WARC file"), "{e}");
        assert_eq!(read(b"").len(), 0);
        assert_eq!(read(b"\r\n\n \n").len(), 0);
    }

    #[test]
    fn the_rest_of_the_line_after_a_block_is_skipped_as_warcio_does() {
        // The Content-Length is two short: "de" is left on the line where the block ends.
        let mut stream = b"WARC/1.0\r\nContent-Length: 3\r\n\r\nabcde\r\n\r\n".to_vec();
        stream.extend(record("WARC-Type: conversion\r\n", b"read"));
        let records: Vec<_> = read(&stream).into_iter().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].block(), b"abc");
        assert_eq!((records[1].line, records[1].block()), (6, &b"read"[..]));
        // A block that ends at a line end leaves no rest of a line to skip.
        let stream = b"WARC/1.0\r\nContent-Length: 4\r\n\r\nabc\nd\r\n\r\n";
        let e = read(stream).pop().unwrap().unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("found `d`"), "{e}");
        // No CRLFs at all after a block: the version line right after it still counts.
        let stream =
            b"WARC/1.0\r\nContent-Length: 3\r\n\r\nabcWARC/1.0\r\nContent-Length: 0\r\n\r\n";
        let lines: Vec<u64> = read(stream).into_iter().map(|r| r.unwrap().line).collect();
        assert_eq!(lines, [1, 4]);
    }

    #[test]
    fn garbage_between_records_ends_the_stream() {
        // The Content-Length is a line short: a whole line is left between the records.
        let mut stream = b"WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\ndef\r\n\r\n".to_vec();
        stream.extend(record("WARC-Type: conversion\r\n", b"never read"));
        let all = read(&stream);
        assert_eq!(all.len(), 2);
        let e = all[1].as_ref().unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("found `def`"), "{e}");
        assert!(
            e.message.contains("previous record's Content-Length"),
            "{e}"
        );
        assert_eq!(e.raw, b"def\r\n");
        let mut reader = WarcReader::new(&stream[..]);
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().is_err());
        assert!(reader.next().is_none());
        assert!(reader.next().is_none());
    }

    /// A reader whose every read fails.
    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }

    #[test]
    fn read_errors_become_warc_errors() {
        let full = record("WARC-Type: conversion\r\n", &[b'x'; 5000]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &full).unwrap();
        let gz = gz.finish().unwrap();
        let cut = &gz[..gz.len() - 12]; // drop part of the deflate stream and the trailer
        let reader = io::BufReader::new(flate2::read::MultiGzDecoder::new(cut));
        let all: Vec<_> = WarcReader::new(reader).collect();
        assert_eq!(all.len(), 1);
        let e = all[0].as_ref().unwrap_err();
        assert_eq!(e.line, 1);
        assert!(
            e.message.starts_with(
                "record truncated: Content-Length is 5000 bytes but reading failed after"
            ),
            "{e}"
        );

        let e = WarcReader::new(io::BufReader::new(Failing))
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(e.line, 1);
        assert_eq!(
            e.message,
            "stream ends early or is corrupt (disk on fire); the rest of the file is not read"
        );
    }

    #[test]
    fn a_conversion_record_is_text_with_its_metadata() {
        let t = text(&record(
            "WARC-Type: conversion\r\nWARC-Target-URI: <https://example.com/a b>\r\n\
             WARC-Date: 2024-05-18T01:58:10Z\r\nWARC-Record-ID: <urn:uuid:1234>\r\n\
             Content-Type: text/plain\r\n",
            "Título\nBody text.\n".as_bytes(),
        ));
        assert_eq!(
            t,
            WarcText {
                text: "Título\nBody text.\n".into(),
                url: Some("https://example.com/a b".into()),
                date: Some("2024-05-18T01:58:10Z".into()),
                record_id: Some("<urn:uuid:1234>".into()),
                warc_type: "conversion".into(),
                content_type: Some("text/plain".into()),
            }
        );
        let t = text(&record(
            "WARC-Type: conversion\r\nWARC-Target-URI: \r\n",
            b"",
        ));
        assert_eq!((t.url, t.date, t.content_type), (None, None, None));
    }

    #[test]
    fn invalid_utf8_in_a_conversion_is_an_error_naming_the_offset() {
        let r = one(&record("WARC-Type: conversion\r\n", b"caf\xe9 au lait"));
        assert_eq!(
            content(&r),
            Err("invalid UTF-8 at byte 3 of the content block".into())
        );
    }

    #[test]
    fn resources_are_text_only_when_plain_or_markdown() {
        let plain = text(&record(
            "WARC-Type: resource\r\nContent-Type: text/plain; charset=UTF-8\r\n",
            b"notes",
        ));
        assert_eq!(plain.text, "notes");
        assert_eq!(
            plain.content_type.as_deref(),
            Some("text/plain; charset=UTF-8")
        );
        assert_eq!(
            skip(&record(
                "WARC-Type: resource\r\nWARC-Target-URI: <metadata://gnu.org/software/wget/warc/wget.log>\r\n\
                 Content-Type: text/plain\r\n",
                b"wget log"
            )),
            "resource: crawler metadata (metadata://gnu.org/software/wget/warc/wget.log)"
        );
        let md = text(&record(
            "WARC-Type: resource\r\nContent-Type: Text/Markdown\r\n",
            b"# x",
        ));
        assert_eq!(md.warc_type, "resource");
        assert_eq!(
            skip(&record(
                "WARC-Type: resource\r\nContent-Type: image/png\r\n",
                b"\x89PNG"
            )),
            "resource: image/png"
        );
        assert_eq!(
            skip(&record("WARC-Type: resource\r\n", b"?")),
            "resource: no Content-Type"
        );
        assert_eq!(
            skip(&record(
                "WARC-Type: resource\r\nContent-Type: text/plain; charset=\"Shift_JIS\"\r\n",
                b"?"
            )),
            "resource: text/plain in charset shift_jis (only UTF-8 and US-ASCII are read)"
        );
    }

    #[test]
    fn other_types_are_skipped_with_the_type_as_reason() {
        for kind in [
            "warcinfo",
            "request",
            "metadata",
            "revisit",
            "continuation",
            "unknown",
        ] {
            let r = record(
                &format!("WARC-Type: {kind}\r\n"),
                b"HTTP/1.1 200 OK\r\n\r\n",
            );
            assert_eq!(skip(&r), kind);
        }
        assert_eq!(skip(&record("WARC-Type: WarcInfo\r\n", b"")), "warcinfo");
        assert_eq!(skip(&record("", b"text")), "no WARC-Type");
        // Found by the fuzz target: an empty type is no type, not an empty reason.
        assert_eq!(skip(&record("WARC-Type: \r\n", b"text")), "no WARC-Type");
    }

    #[test]
    fn a_plain_text_response_is_its_http_body() {
        let t = text(&http(
            "200 OK",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n",
            b"hello\n",
        ));
        assert_eq!(t.text, "hello\n");
        assert_eq!(t.warc_type, "response");
        assert_eq!(t.url.as_deref(), Some("http://example.com/a.txt"));
        assert_eq!(t.content_type.as_deref(), Some("text/plain; charset=utf-8"));
        // Bare LF in the HTTP header, US-ASCII.
        let bare = record(
            "WARC-Type: response\r\n",
            b"HTTP/1.0 200 OK\nContent-Type: text/plain; charset=us-ascii\n\nplain",
        );
        assert_eq!(text(&bare).text, "plain");
    }

    #[test]
    fn a_chunked_response_is_dechunked() {
        let t = text(&http(
            "200 OK",
            "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n",
            b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n",
        ));
        assert_eq!(t.text, "hello, world");
        // A body stored de-chunked under the chunked header is taken as it is.
        let t = text(&http(
            "200 OK",
            "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n",
            b"plain text\r\n",
        ));
        assert_eq!(t.text, "plain text\r\n");
        let r = one(&http(
            "200 OK",
            "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n",
            b"5\r\nhello\r\nff\r\nshort",
        ));
        assert_eq!(
            content(&r),
            Err(
                "malformed chunked HTTP body: a chunk of 255 bytes at byte 14 runs past the \
                 end of the body (19 bytes)"
                    .into()
            )
        );
    }

    #[test]
    fn a_gzip_encoded_response_is_decoded() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"compressed text").unwrap();
        let body = gz.finish().unwrap();
        let t = text(&http(
            "200 OK",
            "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
            &body,
        ));
        assert_eq!(t.text, "compressed text");
        let r = one(&http(
            "200 OK",
            "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
            b"not gzip",
        ));
        assert!(content(&r)
            .unwrap_err()
            .starts_with("the HTTP body is not valid gzip data"));
        assert_eq!(
            skip(&http(
                "200 OK",
                "Content-Type: text/plain\r\nContent-Encoding: br\r\n",
                b"?"
            )),
            "response: Content-Encoding br is not supported"
        );
    }

    #[test]
    fn responses_that_are_not_plain_text_are_skipped_with_a_reason() {
        let cases: [(&[u8], &str); 6] = [
            (
                &http(
                    "200 OK",
                    "Content-Type: text/html; charset=UTF-8\r\n",
                    b"<p>x",
                ),
                "response: text/html (HTML extraction is not supported yet)",
            ),
            (
                &http("200 OK", "Content-Type: application/pdf\r\n", b"%PDF"),
                "response: application/pdf",
            ),
            (&http("200 OK", "", b"x"), "response: no HTTP Content-Type"),
            (
                &http("404 Not Found", "Content-Type: text/plain\r\n", b"gone"),
                "response: HTTP status 404",
            ),
            (
                &http(
                    "200 OK",
                    "Content-Type: text/plain; charset=ISO-8859-1\r\n",
                    b"\xe9",
                ),
                "response: text/plain in charset iso-8859-1 (only UTF-8 and US-ASCII are read)",
            ),
            (
                &record(
                    "WARC-Type: response\r\nContent-Type: text/dns\r\n",
                    b"x. 60 IN A 1.2.3.4",
                ),
                "response: text/dns (not an HTTP response)",
            ),
        ];
        for (stream, reason) in cases {
            assert_eq!(skip(stream), reason);
        }
    }

    #[test]
    fn malformed_http_responses_are_errors() {
        let r = one(&record("WARC-Type: response\r\n", b"<html>hello"));
        assert_eq!(
            content(&r),
            Err(
                "malformed HTTP response: the block starts `<html>hello`, not with an HTTP \
                 status line"
                    .into()
            )
        );
        let r = one(&record("WARC-Type: response\r\n", b"HTTP/1.1\r\n\r\nbody"));
        assert_eq!(
            content(&r),
            Err("malformed HTTP response: no status code in `HTTP/1.1`".into())
        );
        let r = one(&record(
            "WARC-Type: response\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
        ));
        assert_eq!(
            content(&r),
            Err("malformed HTTP response: its headers do not end with a blank line".into())
        );
        let r = one(&http("200 OK", "Content-Type: text/plain\r\n", b"ok \xff"));
        assert_eq!(
            content(&r),
            Err("invalid UTF-8 at byte 3 of the HTTP body".into())
        );
    }

    #[test]
    fn a_hand_built_record_with_a_bad_block_start_does_not_panic() {
        let r = WarcRecord {
            line: 1,
            raw: b"WARC/1.0\r\nWARC-Type: conversion\r\n\r\n".to_vec(),
            block_start: 1000,
        };
        assert_eq!(r.block(), b"");
        assert_eq!(r.warc_type().as_deref(), Some("conversion"));
    }

    /// The real samples in `../shared/data/warc/` (see `../shared/data/README.md`; nothing
    /// of them is copied here).
    mod samples {
        use super::*;
        use std::collections::BTreeMap;
        use std::fs::File;
        use std::io::BufReader;

        const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/warc/");

        /// Every record of a sample (gzip when the name has `.gz`), the error that ended it,
        /// and the records' types counted (`(none)` when a record has no WARC-Type). Every
        /// record also goes through `content`.
        fn read_sample(name: &str) -> (Vec<WarcRecord>, Option<WarcError>, String) {
            let file = File::open(format!("{DIR}{name}")).expect(name);
            let reader: Box<dyn BufRead> = if name.contains(".gz") {
                Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
                    BufReader::new(file),
                )))
            } else {
                Box::new(BufReader::new(file))
            };
            let mut records = Vec::new();
            let mut error = None;
            for r in WarcReader::new(reader) {
                match r {
                    Ok(r) => records.push(r),
                    Err(e) => {
                        assert!(error.is_none());
                        error = Some(e);
                    }
                }
            }
            let mut types = BTreeMap::<String, usize>::new();
            for r in &records {
                let kind = r.warc_type().map_or("(none)".into(), Cow::into_owned);
                *types.entry(kind).or_default() += 1;
                content(r).unwrap_or_else(|e| panic!("{name}:{}: {e}", r.line));
            }
            let types = types
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            (records, error, types)
        }

        fn assert_sample(name: &str, count: usize, types: &str) {
            let (records, error, got) = read_sample(name);
            assert!(error.is_none(), "{name}: {error:?}");
            assert_eq!(records.len(), count, "{name}");
            assert_eq!(got, types, "{name}");
            let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
            assert!(lines.windows(2).all(|w| w[0] < w[1]), "{name}");
            assert_eq!(lines.first(), Some(&1), "{name}");
        }

        #[test]
        fn record_counts_match_warcio() {
            for name in ["resiliparse/warcfile.warc", "resiliparse/warcfile.warc.gz"] {
                assert_sample(name, 50, "metadata 16, request 17, response 16, warcinfo 1");
            }
            assert_sample(
                "resiliparse/clueweb-quirk.warc.gz",
                30,
                "response 29, warcinfo 1",
            );
            // The data README says "(no WARC-Type)": the header is there, its value is
            // `unknown`.
            for name in [
                "resiliparse/block-sized-records.warc",
                "resiliparse/block-sized-records.warc.gz",
            ] {
                assert_sample(name, 3, "unknown 3");
            }
            assert_sample(
                "dolma/sample-0000.warc.gz",
                48,
                "metadata 1, request 22, resource 2, response 22, warcinfo 1",
            );
            assert_sample(
                "dolma/sample-0001.warc.gz",
                34,
                "metadata 1, request 15, resource 2, response 15, warcinfo 1",
            );
            for name in ["whirlwind/whirlwind.warc", "whirlwind/whirlwind.warc.gz"] {
                assert_sample(name, 4, "metadata 1, request 1, response 1, warcinfo 1");
            }
            for name in [
                "whirlwind/whirlwind.warc.wet",
                "whirlwind/whirlwind.warc.wet.gz",
            ] {
                assert_sample(name, 2, "conversion 1, warcinfo 1");
            }
            for name in [
                "whirlwind/whirlwind.warc.wat",
                "whirlwind/whirlwind.warc.wat.gz",
            ] {
                assert_sample(name, 2, "metadata 1, warcinfo 1");
            }
            assert_sample("jwarc/cc.warc.gz", 1, "response 1");
            assert_sample("jwarc/gzip_extra_sl.warc.gz", 1, "warcinfo 1");
            for name in ["warcio/example.warc", "warcio/example.warc.gz"] {
                assert_sample(name, 6, "request 2, response 1, revisit 1, warcinfo 2");
            }
            assert_sample(
                "warcio/example-iana.org-chunked.warc",
                3,
                "request 1, response 1, warcinfo 1",
            );
            // warcio warns "record not followed by newline" and reads 4 records; so does
            // decant (silently).
            assert_sample(
                "warcio/example-trunc.warc",
                4,
                "request 1, response 1, warcinfo 2",
            );
            assert_sample("warcio/example-digest.warc", 4, "request 4");
            assert_sample(
                "warcio/example-resource.warc.gz",
                3,
                "resource 1, warcinfo 2",
            );
            assert_sample(
                "warcio/example-space-in-target-uri.warc.gz",
                2,
                "resource 1, warcinfo 1",
            );
            assert_sample(
                "warcio/example-wget-bad-target-uri.warc.gz",
                6,
                "metadata 1, request 1, resource 2, response 1, warcinfo 1",
            );
            assert_sample("warcio/post-test.warc.gz", 6, "request 3, response 3");
        }

        #[test]
        fn clipped_gives_a_truncation_error() {
            let (records, error, _) = read_sample("resiliparse/clipped.warc.gz");
            assert_eq!(records.len(), 0);
            let e = error.expect("an error");
            assert_eq!(e.line, 1);
            assert!(e.message.starts_with("record truncated"), "{e}");
        }

        #[test]
        fn arc_files_fail_on_the_first_record() {
            for name in [
                "warcio/example.arc",
                "warcio/example.arc.gz",
                "warcio/bad.arc",
                "warcio/example-space-in-url.arc",
            ] {
                let (records, error, _) = read_sample(name);
                assert!(records.is_empty(), "{name}");
                let e = error.expect(name);
                assert_eq!(e.line, 1, "{name}");
                assert!(e.message.contains("ARC file"), "{name}: {e}");
            }
        }

        /// Three files warcio cannot read, because it reads a `.warc.gz` one gzip member per
        /// record. decant decompresses the whole file as one stream (`MultiGzDecoder`), so
        /// member boundaries do not matter and all three read cleanly:
        ///
        /// - `example-wrong-chunks.warc.gz` (the data README calls it "not a WARC at all (an
        ///   HTML page)"): a WARC of a response and a request cut into three gzip members
        ///   that do not follow the records (the middle one is the HTML body alone). Its
        ///   response block is followed by one stray `\n` before the CRLFs, skipped like
        ///   any blank line.
        /// - `example-bad-non-chunked.warc.gz` and `example-bad.warc.gz.bad`: a whole WARC
        ///   compressed as a single gzip member; warcio reads the first record and fails.
        #[test]
        fn gzip_members_that_do_not_follow_records_are_read_whole() {
            for (name, count, types) in [
                (
                    "warcio/example-wrong-chunks.warc.gz",
                    2,
                    "request 1, response 1",
                ),
                (
                    "warcio/example-bad-non-chunked.warc.gz",
                    6,
                    "request 2, response 1, revisit 1, warcinfo 2",
                ),
                (
                    "warcio/example-bad.warc.gz.bad",
                    6,
                    "request 2, response 2, revisit 1, warcinfo 1",
                ),
            ] {
                assert_sample(name, count, types);
            }
        }

        #[test]
        fn the_chunked_response_of_iana_org_is_dechunked() {
            let (records, _, _) = read_sample("warcio/example-iana.org-chunked.warc");
            let response = records
                .iter()
                .find(|r| r.warc_type().as_deref() == Some("response"))
                .unwrap();
            assert_eq!(
                content(response),
                Ok(Content::Skip(
                    "response: text/html (HTML extraction is not supported yet)".into()
                ))
            );
            // The same record with its HTTP Content-Type changed in memory to text/plain.
            let at = memchr::memmem::find(&response.raw, b"text/html").unwrap();
            let mut raw = response.raw.clone();
            raw.splice(at..at + b"text/html".len(), b"text/plain".iter().copied());
            let patched = WarcRecord {
                raw,
                ..response.clone()
            };
            let Ok(Content::Text(t)) = content(&patched) else {
                panic!("not text");
            };
            assert_eq!(t.text.len(), 0x1c37); // one chunk, then the last
            assert!(t.text.starts_with("<!doctype html>\n<html>\n"));
            assert!(t.text.ends_with("</body>\n\n</html>\n"));
        }

        #[test]
        fn whirlwind_wet_is_text_with_its_metadata() {
            // The .gz was written separately: its warcinfo has one more header line.
            for (name, line) in [
                ("whirlwind/whirlwind.warc.wet", 19),
                ("whirlwind/whirlwind.warc.wet.gz", 20),
            ] {
                let (records, _, _) = read_sample(name);
                assert_eq!(records[1].line, line);
                let Ok(Content::Text(t)) = content(&records[1]) else {
                    panic!("{name}: not text");
                };
                assert_eq!(
                    t.url.as_deref(),
                    Some("https://an.wikipedia.org/wiki/Escopete")
                );
                assert_eq!(t.date.as_deref(), Some("2024-05-18T01:58:10Z"));
                assert_eq!(
                    t.record_id.as_deref(),
                    Some("<urn:uuid:ba729a40-ff84-4085-8d48-0a5b2ee0c42d>")
                );
                assert_eq!(t.warc_type, "conversion");
                assert!(
                    t.text
                        .starts_with("Escopete - Biquipedia, a enciclopedia libre\nIr al contenido\nMenú principal\n"),
                    "{name}"
                );
                assert_eq!(t.text.len(), 4456);
                assert_eq!(content(&records[0]), Ok(Content::Skip("warcinfo".into())));
            }
        }
    }
}
