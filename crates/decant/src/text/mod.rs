//! The one definition of line, word and normalization that every rule and dedup share.
//!
//! * A **line** ends at `\n`; carriage returns before it (or before the end of the text)
//!   belong to the terminator, so `\r\n` documents are handled like `\n` ones and written
//!   back with their own terminators.
//! * A line is **blank** when it holds only whitespace. Paragraphs are the non-blank lines;
//!   blank lines are separators that belong to the gap between two paragraphs.
//! * A **word** is a maximal run of alphanumeric characters or `_` (what `\w+` matches in
//!   Python's `re`), compared after [normalization](normalize).
//! * **Normalization** makes two renderings of the same text compare equal: Unicode
//!   lowercase; curly, low and prime quotes become `'` or `"`; every dash and minus becomes
//!   `-`; `…` becomes `...`; zero-width characters and soft hyphens vanish; runs of
//!   whitespace (including no-break and other Unicode spaces) become one space; leading and
//!   trailing whitespace goes. It never changes the text that is written out: it only
//!   decides equality.

mod spacy_en;
pub mod tokens;

/// One line of a document: byte offsets into the document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character, terminator excluded.
    pub end: usize,
    /// Byte offset just past the terminator (`\n` or `\r\n`); equals `end` on a last line
    /// that has none.
    pub next: usize,
}

impl Line {
    /// The line's text without its terminator.
    pub fn text<'a>(&self, doc: &'a str) -> &'a str {
        &doc[self.start..self.end]
    }
}

/// Iterator over the lines of a text; see [`lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    text: &'a str,
    pos: usize,
    number: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.text.len() {
            return None;
        }
        let bytes = self.text.as_bytes();
        let start = self.pos;
        self.number += 1;
        let (mut end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => (start + i, start + i + 1),
            None => (bytes.len(), bytes.len()),
        };
        // Carriage returns before the newline (or the end) belong to the terminator, so a
        // line's text never ends in `\r` and lines never merge when reordered.
        while end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        self.pos = next;
        Some(Line {
            number: self.number,
            start,
            end,
            next,
        })
    }
}

/// The lines of `text`. An empty text has no lines; a trailing newline does not start a
/// new (empty) line.
pub fn lines(text: &str) -> Lines<'_> {
    Lines {
        text,
        pos: 0,
        number: 0,
    }
}

/// True when `line` holds nothing but whitespace.
pub fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b.is_ascii_whitespace() || b == 0x0B)
        || line.chars().all(char::is_whitespace)
}

/// Whether `c` belongs to a word (see the module docs).
#[inline]
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words of `text`, as slices of it (not normalized).
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

/// Byte classes for finding words: 0 an ASCII byte outside words, 1 an ASCII word byte
/// (`[0-9A-Za-z_]`), 2 a byte of a non-ASCII character (decoded to decide).
const WORD_CLASS: [u8; 256] = {
    let mut t = [2u8; 256];
    let mut i = 0;
    while i < 128 {
        #[allow(clippy::cast_possible_truncation)] // i < 128
        let c = i as u8;
        t[i] = (c.is_ascii_alphanumeric() || c == b'_') as u8;
        i += 1;
    }
    t
};

/// Calls `f` with each word of `text`, in order: the same words as [`words`], found with
/// a byte table for ASCII and by decoding the character otherwise.
#[inline]
pub fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let n = b.len();
    // Whether the (non-ASCII) character at `i` is a word character, and its length.
    let wide = |i: usize| {
        let ch = text[i..].chars().next().expect("a character starts here");
        (is_word_char(ch), ch.len_utf8())
    };
    let mut i = 0;
    while i < n {
        while i < n && WORD_CLASS[usize::from(b[i])] == 0 {
            i += 1;
        }
        if i >= n {
            return;
        }
        if WORD_CLASS[usize::from(b[i])] == 2 {
            let (word, len) = wide(i);
            if !word {
                i += len;
                continue;
            }
        }
        let start = i;
        loop {
            while i < n && WORD_CLASS[usize::from(b[i])] == 1 {
                i += 1;
            }
            if i < n && WORD_CLASS[usize::from(b[i])] == 2 {
                let (word, len) = wide(i);
                if word {
                    i += len;
                    continue;
                }
            }
            break;
        }
        f(&text[start..i]);
    }
}

/// What normalization makes of one character before lowercasing and spacing.
enum Fold {
    Keep(char),
    Space,
    Drop,
    Str(&'static str),
}

#[inline]
fn fold(c: char) -> Fold {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => {
            Fold::Keep('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Fold::Keep('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            Fold::Keep('-')
        }
        '\u{2026}' => Fold::Str("..."),
        '`' | '\u{00B4}' => Fold::Keep('\''),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Fold::Drop,
        c if c.is_whitespace() => Fold::Space,
        c => Fold::Keep(c),
    }
}

/// Appends the normalized form of `text` to `out` (see the module docs).
pub fn normalize_into(text: &str, out: &mut String) {
    let mut buf = std::mem::take(out).into_bytes();
    normalize_bytes(text, &mut buf);
    *out = String::from_utf8(buf).expect("normalization writes whole characters");
}

/// Lowercases eight ASCII bytes at once (every byte below 0x80, so no carry crosses bytes).
#[inline]
fn swar_lower(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let ge_a = x.wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let gt_z = x.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = ge_a & !gt_z & (ONES * 0x80);
    x | (upper >> 2)
}

/// Whether eight ASCII bytes hold anything the fast path cannot copy as lowercased: a
/// control character or DEL, a backtick, or two spaces in a row.
#[inline]
fn swar_special(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let eq = |c: u8| {
        // Exact per-byte equality for bytes below 0x80: the high bit of each byte of the
        // result is set where the byte equals `c`.
        let y = x ^ (ONES * u64::from(c));
        !(((y & !HIGH).wrapping_add(!HIGH)) | y) & HIGH
    };
    let control = !x.wrapping_add(ONES * (0x80 - 0x20)) & HIGH;
    let del = x.wrapping_add(ONES) & HIGH;
    let spaces = eq(b' ');
    (control | del | eq(b'`') | (spaces & (spaces >> 8))) != 0
}

/// [`normalize_into`] on bytes: appends whole UTF-8 characters only.
fn normalize_bytes(text: &str, out: &mut Vec<u8>) {
    let base = out.len();
    let bytes = text.as_bytes();
    // Whitespace outside ASCII stretches is remembered and written before the next
    // character; inside them, a space is written at once unless one was just written, and
    // one left at the end of a stretch is taken back (it may turn out to be trailing).
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            let end = i + bytes[i..]
                .iter()
                .position(|&c| c >= 0x80)
                .unwrap_or(bytes.len() - i);
            if pending_space && out.len() > base {
                out.push(b' ');
            }
            pending_space = false;
            while i < end {
                let at_space = out.len() == base || out.last() == Some(&b' ');
                if i + 8 <= end {
                    let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
                    if !(swar_special(x) || at_space && bytes[i] == b' ') {
                        out.extend_from_slice(&swar_lower(x).to_le_bytes());
                        i += 8;
                        continue;
                    }
                }
                let c = bytes[i];
                i += 1;
                if is_ascii_space(c) {
                    if !at_space {
                        out.push(b' ');
                    }
                } else if c == b'`' {
                    out.push(b'\'');
                } else {
                    out.push(c.to_ascii_lowercase());
                }
            }
            if out.len() > base && out.last() == Some(&b' ') {
                out.pop();
                pending_space = true;
            }
            continue;
        }
        let c = text[i..].chars().next().expect("a character starts here");
        i += c.len_utf8();
        let mut put = |out: &mut Vec<u8>, s: &str| {
            if pending_space && out.len() > base {
                out.push(b' ');
            }
            pending_space = false;
            out.extend_from_slice(s.as_bytes());
        };
        match fold(c) {
            Fold::Space => pending_space = true,
            Fold::Drop => {}
            Fold::Str(s) => put(out, s),
            Fold::Keep(c) => {
                let mut tmp = [0u8; 4];
                if c.is_ascii() {
                    put(out, c.to_ascii_lowercase().encode_utf8(&mut tmp));
                } else {
                    let mut lower = c.to_lowercase();
                    if let (Some(l), None) = (lower.next(), lower.clone().next()) {
                        put(out, l.encode_utf8(&mut tmp));
                    } else {
                        put(out, &c.to_lowercase().collect::<String>());
                    }
                }
            }
        }
    }
}

/// The ASCII characters that are whitespace (Unicode White_Space): tab, line feed,
/// vertical tab, form feed, carriage return and space.
#[inline]
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The normalized form of `text` (see the module docs).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// The number of characters in `s`. (The standard library counts a word of bytes at a
/// time, under one instruction per byte; counting lead bytes with `filter().count()` is
/// not vectorized and costs about five.)
#[inline]
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// Eight bytes of `bytes` from `at`, little-endian (`at + 8 <= bytes.len()`).
#[inline]
pub(crate) fn load8(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

/// The high bit of each byte of `x` that is zero is set in the result, and possibly that
/// of bytes above a zero byte (a borrow): exact as to whether there is one.
#[inline]
fn swar_zero(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The high bit of each of the eight bytes of `x` that is in `lo..=hi`; every byte of `x`
/// must be below 0x80 (`lo >= 1`, `hi <= 0x7f`). Adding `0x80 - lo` sets a byte's high bit
/// from `lo` up, adding `0x7f - hi` from above `hi`, and neither carries into the next byte.
#[inline]
pub(crate) fn ascii_bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    let ge = x.wrapping_add(ONES * u64::from(0x80 - lo));
    let gt = x.wrapping_add(ONES * u64::from(0x7f - hi));
    ge & !gt & HIGH
}

/// Whether any of eight bytes may start a `str.splitlines()` line break: a control byte
/// (below 0x20), or 0xC2 or 0xE2, the lead bytes of U+0085, U+2028 and U+2029.
#[inline]
fn may_break8(x: u64) -> bool {
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    // 0xC2 and 0xE2 differ in bit 0x20 only.
    let lead = swar_zero((x | (ONES * 0x20)) ^ (ONES * 0xE2));
    control | lead != 0
}

/// Bytes that may start a `str.splitlines()` line break.
static MAY_BREAK: [bool; 256] = {
    let mut t = [false; 256];
    let bytes: [u8; 9] = [b'\n', 0x0b, 0x0c, b'\r', 0x1c, 0x1d, 0x1e, 0xc2, 0xe2];
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// The first byte at or after `i` that may start a line break, or `bytes.len()`: eight
/// bytes at a time past stretches that hold none (most text).
#[inline]
fn next_break_candidate(bytes: &[u8], mut i: usize) -> usize {
    while i + 8 <= bytes.len() {
        if may_break8(load8(bytes, i)) {
            // A tab or other control byte also lands here; look byte by byte.
            if let Some(k) = bytes[i..i + 8]
                .iter()
                .position(|&b| MAY_BREAK[usize::from(b)])
            {
                return i + k;
            }
        }
        i += 8;
    }
    while i < bytes.len() && !MAY_BREAK[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

/// Python's `str.splitlines()` as byte ranges: appends `(start, end)` of each line (its
/// terminator excluded) to `out`, found with a scan that skips eight bytes at a time
/// (`filter::py_lines` gives the lines as strings).
#[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
pub fn py_line_spans(text: &str, out: &mut Vec<(u32, u32)>) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let (mut start, mut i) = (0, 0);
    while start < n {
        i = next_break_candidate(bytes, i);
        if i == n {
            out.push((start as u32, n as u32));
            return;
        }
        let term = match bytes[i] {
            b'\n' | 0x0b | 0x0c | 0x1c..=0x1e => 1,
            b'\r' => 1 + usize::from(bytes.get(i + 1) == Some(&b'\n')),
            0xc2 if bytes.get(i + 1) == Some(&0x85) => 2,
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) =>
            {
                3
            }
            _ => 0,
        };
        if term == 0 {
            i += 1;
        } else {
            out.push((start as u32, i as u32));
            i += term;
            start = i;
        }
    }
}

/// What [`word_facts`] knows of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordFacts {
    /// [`hash_bytes`] of the word.
    pub hash: u64,
    /// Length in characters.
    pub chars: u32,
    /// Whether it is all ASCII.
    pub ascii: bool,
    /// For an ASCII word: whether it holds an ASCII letter.
    pub ascii_letter: bool,
    /// For an ASCII word: whether it holds an ASCII letter or digit.
    pub ascii_alnum: bool,
}

/// The [`WordFacts`] of `bytes[start..end]` (a word of a text): words of up to eight bytes
/// not at the very end of the text are read with one load, masked, and tested eight bytes
/// at once; the hash is [`hash_bytes`]'s, computed the same way.
#[inline]
pub fn word_facts(bytes: &[u8], start: usize, end: usize) -> WordFacts {
    let len = end - start;
    if len <= 8 && start + 8 <= bytes.len() {
        let x = load8(bytes, start) & low_bytes(len);
        let ascii = x & HIGH == 0;
        // Padding bytes (zero) are in no range.
        let (mut ascii_letter, mut ascii_alnum) = (false, false);
        if ascii {
            // Setting bit 0x20 folds `A-Z` onto `a-z` and leaves digits where they are.
            ascii_letter = ascii_bytes_in(x | (ONES * 0x20), b'a', b'z') != 0;
            ascii_alnum = ascii_letter || ascii_bytes_in(x, b'0', b'9') != 0;
        }
        return WordFacts {
            hash: hash_tail(len, x),
            // Continuation bytes (`10xxxxxx`) are not characters.
            #[allow(clippy::cast_possible_truncation)] // len <= 8
            chars: len as u32 - (x & !(x << 1) & HIGH).count_ones(),
            ascii,
            ascii_letter,
            ascii_alnum,
        };
    }
    let b = &bytes[start..end];
    let ascii = b.is_ascii();
    WordFacts {
        hash: hash_bytes(b),
        #[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
        chars: b.iter().filter(|&&c| (c & 0xC0) != 0x80).count() as u32,
        ascii,
        ascii_letter: ascii && b.iter().any(u8::is_ascii_alphabetic),
        ascii_alnum: ascii && b.iter().any(u8::is_ascii_alphanumeric),
    }
}

/// A mask of the low `len` bytes of a `u64` (`len <= 8`), without a branch.
#[inline]
pub(crate) fn low_bytes(len: usize) -> u64 {
    #[allow(clippy::cast_possible_truncation)] // len <= 8
    u64::MAX.checked_shr(64 - 8 * len as u32).unwrap_or(0)
}

impl WordFacts {
    /// The facts of `bytes[start..end]` when it is known to hold only ASCII letters and
    /// digits, at least one letter if `letter` (what [`word_facts`] would find, without
    /// reading the bytes for anything but the hash).
    // Left to itself the compiler calls it once per word, 3% of a filter run's
    // instructions (callgrind).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn of_ascii_alnum(bytes: &[u8], start: usize, end: usize, letter: bool) -> WordFacts {
        let len = end - start;
        let hash = if len <= 8 && start + 8 <= bytes.len() {
            hash_tail(len, load8(bytes, start) & low_bytes(len))
        } else {
            hash_bytes(&bytes[start..end])
        };
        WordFacts {
            hash,
            #[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
            chars: len as u32,
            ascii: true,
            ascii_letter: letter,
            ascii_alnum: true,
        }
    }

    /// The facts of a word of `len <= 8` ASCII letters whose bytes, zero-padded, are the
    /// little-endian `bytes`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn of_ascii_letters(len: usize, bytes: u64) -> WordFacts {
        debug_assert!(len <= 8 && bytes & !low_bytes(len) == 0);
        WordFacts {
            hash: hash_tail(len, bytes),
            #[allow(clippy::cast_possible_truncation)] // len <= 8
            chars: len as u32,
            ascii: true,
            ascii_letter: true,
            ascii_alnum: true,
        }
    }
}

const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;

/// [`hash_bytes`] of a string of `len <= 8` bytes whose bytes, zero-padded, are `x`.
#[inline]
fn hash_tail(len: usize, x: u64) -> u64 {
    let h: u64 = 0x243F_6A88_85A3_08D3 ^ (len as u64).wrapping_mul(HASH_K);
    if len == 8 {
        // A whole chunk, then an empty tail.
        hash_finish((h.rotate_left(23) ^ x).wrapping_mul(HASH_K), 0)
    } else {
        hash_finish(h, x)
    }
}

#[inline]
fn hash_finish(mut h: u64, tail: u64) -> u64 {
    h = (h.rotate_left(23) ^ tail).wrapping_mul(HASH_K);
    h ^= h >> 32;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 29)
}

/// A fast 64-bit hash of a string (not keyed; for in-memory tables and run files, not for
/// untrusted-input hash tables exposed to collisions by an attacker).
#[inline]
pub fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

/// [`hash_str`] for bytes.
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(23) ^ v).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    let mut buf = [0u8; 8];
    buf[..rest.len()].copy_from_slice(rest);
    let tail = u64::from_le_bytes(buf);
    h = (h.rotate_left(23) ^ tail).wrapping_mul(K);
    h ^= h >> 32;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 29)
}

/// Whether a byte of normalized text is left out of a [fingerprint]. These are ASCII
/// bytes, which never occur inside a multi-byte UTF-8 character, so filtering bytes is
/// filtering characters.
#[inline]
fn unprinted(b: u8) -> bool {
    matches!(b, b' ' | b'"' | b'\'' | b'-')
}

/// The bytes a fingerprint is made of: no spaces, quotes or dashes, and no final `.`, `,`,
/// `:` or `;` (a headline and its copy with a full stop are the same line).
fn printed(norm: &str) -> impl Iterator<Item = u8> + '_ {
    let b = norm.as_bytes();
    let mut end = b.len();
    while end > 0 && (matches!(b[end - 1], b'.' | b',' | b':' | b';') || unprinted(b[end - 1])) {
        end -= 1;
    }
    b[..end].iter().copied().filter(|&c| !unprinted(c))
}

/// The **fingerprint** of an already [normalized](normalize) text: a hash of its characters
/// without spaces, quotes, dashes and a final full stop; `None` when it has no alphanumeric
/// character. Repair treats two paragraphs with the same fingerprint as the same paragraph,
/// so copies that differ in dashes (`—`, `--`, ` - `), quote styles or spacing around them
/// match, while a changed comma, `#` or digit still tells paragraphs apart.
pub fn fingerprint(norm: &str) -> Option<u64> {
    // FNV-1a over the printed bytes: one multiply per byte and no buffer. Equal printed
    // streams give equal hashes; callers confirm a match with [`same_fingerprint`].
    const PRIME: u64 = 0x0000_0100_0000_01B3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in printed(norm) {
        h = (h ^ u64::from(c)).wrapping_mul(PRIME);
    }
    let alnum = norm.bytes().any(|b| b.is_ascii_alphanumeric())
        || (!norm.is_ascii() && norm.chars().any(char::is_alphanumeric));
    alnum.then(|| {
        h ^= h >> 29;
        h.wrapping_mul(0xff51_afd7_ed55_8ccd)
    })
}

/// A 128-bit [fingerprint] (XXH3-128 of the same characters), for tables that cannot
/// confirm a match against the text; `buf` is scratch space.
pub fn fingerprint128(norm: &str, buf: &mut Vec<u8>) -> Option<u128> {
    buf.clear();
    buf.extend(printed(norm));
    let alnum = norm.bytes().any(|b| b.is_ascii_alphanumeric())
        || (!norm.is_ascii() && norm.chars().any(char::is_alphanumeric));
    alnum.then(|| xxhash_rust::xxh3::xxh3_128(buf))
}

/// Whether two texts have the same [fingerprint] (compared exactly, not by hash).
pub fn same_fingerprint(a: &str, b: &str) -> bool {
    let (na, nb) = (normalize(a), normalize(b));
    printed(&na).eq(printed(&nb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn for_each_word_finds_the_words(text in "([a-zA-Z0-9_ .,'-]|\\PC){0,80}") {
            let mut got = Vec::new();
            for_each_word(&text, |w| got.push(w.to_owned()));
            prop_assert_eq!(got, words(&text).map(str::to_owned).collect::<Vec<_>>());
        }
    }

    /// Python's `str.splitlines()`, written the obvious way, char by char.
    fn splitlines_oracle(text: &str) -> Vec<&str> {
        let mut lines = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let end = match c {
                '\r' if chars.peek().map(|&(_, c)| c) == Some('\n') => {
                    chars.next();
                    i + 2
                }
                '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}'
                | '\u{2028}' | '\u{2029}' => i + c.len_utf8(),
                _ => continue,
            };
            lines.push(&text[start..i]);
            start = end;
        }
        if start < text.len() {
            lines.push(&text[start..]);
        }
        lines
    }

    proptest! {
        #[test]
        fn line_spans_are_python_splitlines(text in "([a-z \t\r\n\x0b\x0c\x1c-\x1f\u{85}\u{2028}\u{2029}\u{e9}\u{2026}]|\\PC){0,60}") {
            let mut spans = Vec::new();
            py_line_spans(&text, &mut spans);
            let got: Vec<&str> = spans.iter().map(|&(a, b)| &text[a as usize..b as usize]).collect();
            prop_assert_eq!(got, splitlines_oracle(&text));
        }

        #[test]
        fn word_facts_match_their_definitions(text in "([a-zA-Z0-9 .,'#@\x7f-]|\\PC){0,40}", a in 0usize..40, b in 0usize..40) {
            let (a, b) = (a.min(b).min(text.len()), a.max(b).min(text.len()));
            prop_assume!(text.is_char_boundary(a) && text.is_char_boundary(b));
            let w = &text[a..b];
            let f = word_facts(text.as_bytes(), a, b);
            prop_assert_eq!(f.hash, hash_bytes(w.as_bytes()));
            prop_assert_eq!(f.chars as usize, w.chars().count());
            prop_assert_eq!(f.ascii, w.is_ascii());
            prop_assert_eq!(f.ascii_letter, w.is_ascii() && w.bytes().any(|c| c.is_ascii_alphabetic()));
            prop_assert_eq!(f.ascii_alnum, w.is_ascii() && w.bytes().any(|c| c.is_ascii_alphanumeric()));
            prop_assert_eq!(char_count(w), w.bytes().filter(|&c| (c & 0xC0) != 0x80).count());
        }
    }

    /// The definition, one character at a time; the fast paths must agree with it.
    fn reference_normalize(text: &str) -> String {
        let mut out = String::new();
        let mut pending = false;
        for c in text.chars() {
            let emit: Option<String> = match fold(c) {
                Fold::Space => {
                    pending = true;
                    None
                }
                Fold::Drop => None,
                Fold::Str(s) => Some(s.to_owned()),
                Fold::Keep(c) => Some(c.to_lowercase().collect()),
            };
            if let Some(e) = emit {
                if pending && !out.is_empty() {
                    out.push(' ');
                }
                pending = false;
                out.push_str(&e);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_definition(s in "[a-zA-Z \\n\\x01\\x0b\\x1c\\x7f`'\"\t\r.,:;-]{0,90}|[a-zA-Zé É\n\u{a0}\u{2019}\u{201c}\u{2014}\u{200b}\u{2026}`\t.-]{0,90}") {
            prop_assert_eq!(normalize(&s), reference_normalize(&s));
        }
    }

    #[test]
    fn lines_keep_offsets_and_terminators() {
        let t = "a\r\nbb\n\nccc";
        let ls: Vec<_> = lines(t).collect();
        assert_eq!(ls.len(), 4);
        assert_eq!(ls[0].text(t), "a");
        assert_eq!(&t[ls[0].end..ls[0].next], "\r\n");
        assert_eq!(ls[1].text(t), "bb");
        assert_eq!(ls[2].text(t), "");
        assert_eq!(ls[3].text(t), "ccc");
        assert_eq!(ls[3].next, t.len());
        assert_eq!(ls[3].number, 4);
        assert_eq!(lines("x\n").count(), 1);
        assert_eq!(lines("").count(), 0);
    }

    #[test]
    fn normalization_folds_typography() {
        let a = "\u{201C}It\u{2019}s \u{2014} over,\u{201D}\u{00A0}she said\u{2026}  ";
        let b = "\"it's - OVER,\" she   said...";
        assert_eq!(normalize(a), normalize(b));
        assert_ne!(hash_str(&normalize("ab")), hash_str(&normalize("ba")));
        assert_eq!(normalize(b), "\"it's - over,\" she said...");
        assert_ne!(normalize("a b"), normalize("ab"));
        assert_eq!(normalize("  \t "), "");
        assert_eq!(normalize("Stra\u{00DF}e \u{200B}X"), "stra\u{00DF}e x");
        assert_eq!(normalize("a \u{200B} b"), "a b");
        assert_eq!(normalize("Plain Words, Here."), "plain words, here.");
        assert_eq!(normalize(" Edge  and\ttab `x` "), "edge and tab 'x'");
    }

    #[test]
    fn fingerprints_ignore_quotes_dashes_and_spacing_only() {
        let key = |s: &str| fingerprint(&normalize(s));
        assert_eq!(
            key("It's over -- he said."),
            key("It\u{2019}s over\u{2014}he said.")
        );
        assert_eq!(
            key("\u{AB} Bonjour \u{BB}, dit-il."),
            key("\"Bonjour\", dit il.")
        );
        assert_ne!(key("Like s#, but"), key("Like s*, but"));
        assert_ne!(key("tal ser que"), key("tal ser, que"));
        assert_ne!(key("a b"), key("b a"));
        assert_eq!(key("Headline"), key("Headline."));
        assert_eq!(key("* * *"), None);
        assert!(same_fingerprint(
            "It's over -- he said.",
            "IT\u{2019}S OVER\u{2014}HE SAID."
        ));
        assert!(!same_fingerprint("a b", "a b c"));
    }

    #[test]
    fn words_are_alphanumeric_runs() {
        let w: Vec<_> = words("It's 280,000 people — naïve_x!").collect();
        assert_eq!(w, ["It", "s", "280", "000", "people", "naïve_x"]);
    }
}
