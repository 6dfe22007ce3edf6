//! English word tokens exactly as datatrove counts them.
//!
//! datatrove's quality rules (Gopher, FineWeb, C4's sentence count) split English text with
//! spaCy's blank `en` tokenizer, and their thresholds sit on those counts: "don't" is two
//! words (`do`, `n't`), "well-known" three (`well`, `-`, `known`), "U.S." one. To give the same
//! decisions, decant reproduces that tokenizer:
//!
//! 1. Text is cut at runs of whitespace (Python's `str.isspace`). A run that is not exactly
//!    one `' '` is itself a whitespace token (it only matters to sentence splitting; word
//!    lists skip it, as datatrove's `strip_strings` does).
//! 2. A chunk listed in the exception table (`spacy_en.rs`: contractions, abbreviations,
//!    emoticons) is split as listed.
//! 3. Otherwise prefixes (opening punctuation, quotes, currency, symbols) and suffixes
//!    (closing punctuation, quotes, `'s`, units and currency after a digit, a full stop after
//!    a lowercase letter, digit, punctuation or two capitals) are peeled off one at a time,
//!    stopping as soon as what remains is an exception.
//! 4. What remains stays whole if it looks like a URL or e-mail address; otherwise it is split
//!    at infixes: `..`, `…`, symbols, `-`/`*`/`^`/`+` between digits, `.` between a lowercase
//!    and an uppercase letter, `,` between letters, hyphens and `:<>=/` after a letter or digit
//!    and before a letter.
//!
//! The letter classes (alphabetic, lowercase, uppercase, what may precede a split-off full
//! stop) are spaCy's own, generated as code-point ranges; symbols and punctuation use the
//! Unicode general categories spaCy's patterns are built from. spaCy's final pass, which merges neighbouring pieces
//! that spell an exception ("St" "." from "St.Louis"), is reproduced left to right, longest
//! first at each position; spaCy picks the longest matches of the whole chunk first, so
//! clusters of emoticons can come out differently (`":-(:)"`: spaCy `:-(` `:` `)`, decant
//! `:-(` `:)`). The parity test (`tests/parity.rs`) measures how close the resulting filter
//! decisions are.
//!
//! Speed: most chunks never reach the general rules. Chunks no rule can cut (one
//! character, only letters, only digits) are kept whole, and
//! the commonest affixed shapes (`(word`, `word,`, `end.`, `"Yes,`, `1.`, `John's`,
//! `well-known`) are cut directly; proptests check every shortcut against the general
//! rules. A change here should leave the tokens of real text byte-identical:
//! `crates/bench/examples/tokdump.rs` prints them for a before-and-after comparison.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use unicode_general_category::{get_general_category, GeneralCategory as Gc};

use super::ascii_bytes_in;
use super::spacy_en::{ALPHA, BEFORE_SPLIT_DOT, EXCEPTIONS, LOWER, SENTENCE_END, UPPER};

/// A token's byte range in the text it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset just past the last character.
    pub end: u32,
}

impl Span {
    /// The token's text.
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start as usize..self.end as usize]
    }
}

/// An exception: the byte lengths of its pieces, and of the pieces the affix rules alone
/// would cut it into (what the final merge pass must see to rebuild it).
struct Special {
    pieces: Vec<u8>,
    plain: Vec<u8>,
}

/// The exception table with a quick filter in front of it.
struct Specials {
    map: FxHashMap<&'static str, Special>,
    /// Length in bytes of the longest exception: longer chunks skip the table.
    max_len: usize,
    /// A 64 Ki-bit filter over (first, middle and last byte, length) of the exceptions:
    /// most chunks are ruled out without hashing.
    filter: Vec<u64>,
}

static SPECIALS: LazyLock<Specials> = LazyLock::new(|| {
    let mut t = Tokenizer::default();
    let mut plain_spans = Vec::new();
    let map: FxHashMap<&'static str, Special> = EXCEPTIONS
        .iter()
        .map(|(k, parts)| {
            debug_assert_eq!(parts.concat(), *k);
            let lens = |it: &mut dyn Iterator<Item = usize>| {
                it.map(|l| u8::try_from(l).expect("short exception"))
                    .collect()
            };
            plain_spans.clear();
            t.split(k, 0, &mut plain_spans, false);
            let special = Special {
                pieces: lens(&mut parts.iter().map(|p| p.len())),
                plain: lens(&mut plain_spans.iter().map(|s| (s.end - s.start) as usize)),
            };
            (*k, special)
        })
        .collect();
    let mut filter = vec![0u64; 1024];
    for k in map.keys() {
        let i = filter_key(k);
        filter[i / 64] |= 1 << (i % 64);
    }
    Specials {
        max_len: map.keys().map(|k| k.len()).max().unwrap_or(0),
        map,
        filter,
    }
});

#[inline]
fn filter_key(s: &str) -> usize {
    // First two bytes, last byte and length, mixed into 16 bits.
    let b = s.as_bytes();
    let k = u64::from(b[0])
        | u64::from(b[b.len() / 2]) << 8
        | u64::from(b[b.len() - 1]) << 16
        | (b.len() as u64) << 24;
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

impl Specials {
    #[inline]
    fn maybe(&self, s: &str) -> bool {
        if s.is_empty() || s.len() > self.max_len {
            return false;
        }
        let i = filter_key(s);
        self.filter[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    fn get(&self, s: &str) -> Option<&Special> {
        if self.maybe(s) {
            self.map.get(s)
        } else {
            None
        }
    }
}

/// The pieces of exception `s`, if it is one. Inlined: the filter rules out almost every
/// chunk, and only the rest pay for a call and a hash lookup.
#[inline]
fn special(s: &str) -> Option<&'static [u8]> {
    if SPECIALS.maybe(s) {
        lookup_special(s)
    } else {
        None
    }
}

/// The key of [`ALNUM_SPECIALS`]: first and last byte (five low bits each, which keep
/// letters of either case together) and length (four low bits).
#[inline]
fn alnum_key(b: &[u8]) -> usize {
    usize::from(b[0] & 31) | usize::from(b[b.len() - 1] & 31) << 5 | (b.len() & 15) << 10
}

/// A 16 Ki-bit filter over the exceptions made only of ASCII letters and digits ("cannot",
/// "gonna", "10am"): what [`Tokenizer::run`] checks for such a chunk, cheaper to key than
/// the filter in front of the whole table.
static ALNUM_SPECIALS: LazyLock<[u64; 256]> = LazyLock::new(|| {
    let mut filter = [0u64; 256];
    for (k, _) in EXCEPTIONS {
        if k.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let i = alnum_key(k.as_bytes());
            filter[i / 64] |= 1 << (i % 64);
        }
    }
    filter
});

/// Whether the non-empty ASCII letters and digits `s` may be an exception (false: it is
/// not one).
#[inline]
fn maybe_alnum_special(s: &str) -> bool {
    let i = alnum_key(s.as_bytes());
    ALNUM_SPECIALS[i / 64] & (1 << (i % 64)) != 0
}

#[inline(never)]
fn lookup_special(s: &str) -> Option<&'static [u8]> {
    SPECIALS.map.get(s).map(|sp| sp.pieces.as_slice())
}

/// Python's `str.isspace`: Unicode whitespace plus the ASCII separators `\x1c`–`\x1f`.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.isalpha` for one character: a letter (general category L*).
pub fn is_py_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// spaCy's `is_punct`: every character is punctuation (general category P*).
pub fn is_punct(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            if c.is_ascii() {
                return matches!(
                    c,
                    '!' | '"'
                        | '#'
                        | '%'
                        | '&'
                        | '\''
                        | '('
                        | ')'
                        | '*'
                        | ','
                        | '-'
                        | '.'
                        | '/'
                        | ':'
                        | ';'
                        | '?'
                        | '@'
                        | '['
                        | '\\'
                        | ']'
                        | '_'
                        | '{'
                        | '}'
                );
            }
            matches!(
                get_general_category(c),
                Gc::ConnectorPunctuation
                    | Gc::DashPunctuation
                    | Gc::OpenPunctuation
                    | Gc::ClosePunctuation
                    | Gc::InitialPunctuation
                    | Gc::FinalPunctuation
                    | Gc::OtherPunctuation
            )
        })
}

/// A letter no affix or infix rule splits off: alphabetic (Rust's `char::is_alphabetic`)
/// and not a symbol (circled letters are both). Looked up in a bitmap of the Basic
/// Multilingual Plane (ASCII is tested directly), since the general Unicode lookups cost a
/// few hundred instructions per word of accented text. Each 64-character block of the
/// bitmap is computed the first time a character of it is asked about: a text touches a
/// few blocks, and computing all 1,024 would cost a process some 20 million instructions.
#[inline]
fn is_plain_letter(c: char) -> bool {
    use std::sync::atomic::{AtomicU64, Ordering};
    static BITS: [AtomicU64; 0x1_0000 / 64] = [const { AtomicU64::new(0) }; 0x1_0000 / 64];
    /// One bit per block of `BITS`: computed.
    static DONE: [AtomicU64; 0x1_0000 / 64 / 64] = [const { AtomicU64::new(0) }; 16];
    let cp = u32::from(c);
    if cp < 0x80 {
        return c.is_ascii_alphabetic();
    }
    if cp >= 0x1_0000 {
        return c.is_alphabetic() && !is_symbol(c);
    }
    let block = (cp / 64) as usize;
    let done = 1u64 << (block % 64);
    if DONE[block / 64].load(Ordering::Acquire) & done == 0 {
        // Threads that race here compute the same bits.
        let mut bits = 0u64;
        for k in 0..64 {
            let letter = char::from_u32(cp / 64 * 64 + k)
                .is_some_and(|c| c.is_alphabetic() && !is_symbol(c));
            bits |= u64::from(letter) << k;
        }
        BITS[block].store(bits, Ordering::Relaxed);
        DONE[block / 64].fetch_or(done, Ordering::Release);
    }
    BITS[block].load(Ordering::Relaxed) & (1 << (cp % 64)) != 0
}

fn is_symbol(c: char) -> bool {
    !c.is_ascii() && get_general_category(c) == Gc::OtherSymbol
}

fn in_table(c: char, table: &[(char, char)]) -> bool {
    table
        .binary_search_by(|&(a, b)| {
            if b < c {
                std::cmp::Ordering::Less
            } else if a > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// spaCy's ALPHA class.
fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(c, ALPHA)
    }
}

/// spaCy's ALPHA_LOWER class (for non-ASCII, together with the quotes that share its rules).
fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_lowercase()
    } else {
        in_table(c, LOWER)
    }
}

/// spaCy's ALPHA_UPPER class (for non-ASCII, together with the quotes that share its rules).
fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        in_table(c, UPPER)
    }
}

const QUOTES: &str = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧";
const CURRENCY: &[&str] = &["US$", "C$", "A$"];

fn is_currency_char(c: char) -> bool {
    matches!(c, '$' | '£' | '€' | '¥' | '฿' | '﷼') || ('\u{20a0}'..='\u{20bf}').contains(&c)
}

/// ASCII punctuation that spaCy splits off at either end of a chunk.
const ASCII_EDGE: &[u8] = b"!\"#&'()*,:;<>?[]_`{}";
/// Non-ASCII punctuation that spaCy splits off at either end of a chunk (besides quotes and
/// symbols).
const EDGE: &str = "¡«´·»¿،؛؟٪۔।–—…、。！（），：；？～";

/// [`ASCII_AFFIX`] flag: the byte is always a prefix.
const A_PREFIX: u8 = 1;
/// [`ASCII_AFFIX`] flag: the byte is always a suffix.
const A_SUFFIX: u8 = 2;
/// [`ASCII_AFFIX`] flag: a final `.` after the byte is split off.
const A_BEFORE_DOT: u8 = 4;

/// The affix rules' classes of the ASCII bytes, looked up instead of searching the lists
/// for each character of a chunk that takes the general path.
static ASCII_AFFIX: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < ASCII_EDGE.len() {
        t[ASCII_EDGE[i] as usize] = A_PREFIX | A_SUFFIX | A_BEFORE_DOT;
        i += 1;
    }
    t[b'$' as usize] |= A_PREFIX;
    t[b'%' as usize] |= A_PREFIX | A_BEFORE_DOT;
    t[b'=' as usize] |= A_PREFIX;
    t[b'+' as usize] |= A_BEFORE_DOT;
    t[b'-' as usize] |= A_BEFORE_DOT;
    t[b'|' as usize] |= A_BEFORE_DOT;
    let mut b = 0;
    while b < 128 {
        #[allow(clippy::cast_possible_truncation)] // b < 128
        let c = b as u8;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            t[b] |= A_BEFORE_DOT;
        }
        b += 1;
    }
    t
};

/// Single characters that are always a prefix.
fn is_prefix_char(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_AFFIX[c as usize] & A_PREFIX != 0;
    }
    c == '§' || EDGE.contains(c) || QUOTES.contains(c) || is_currency_char(c) || is_symbol(c)
}

/// Single characters that are always a suffix.
fn is_suffix_char(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_AFFIX[c as usize] & A_SUFFIX != 0;
    }
    EDGE.contains(c) || QUOTES.contains(c) || is_symbol(c)
}

/// Characters after which a final `.` is split off.
fn before_split_dot(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_AFFIX[c as usize] & A_BEFORE_DOT != 0;
    }
    in_table(c, BEFORE_SPLIT_DOT)
}

const UNITS: &[&str] = &[
    "km",
    "km²",
    "km³",
    "m",
    "m²",
    "m³",
    "dm",
    "dm²",
    "dm³",
    "cm",
    "cm²",
    "cm³",
    "mm",
    "mm²",
    "mm³",
    "ha",
    "µm",
    "nm",
    "yd",
    "in",
    "ft",
    "kg",
    "g",
    "mg",
    "µg",
    "t",
    "lb",
    "oz",
    "m/s",
    "km/h",
    "kmh",
    "mph",
    "hPa",
    "Pa",
    "mbar",
    "mb",
    "MB",
    "kb",
    "KB",
    "gb",
    "GB",
    "tb",
    "TB",
    "T",
    "G",
    "M",
    "K",
    "%",
    "км",
    "км²",
    "км³",
    "м",
    "м²",
    "м³",
    "дм",
    "дм²",
    "дм³",
    "см",
    "см²",
    "см³",
    "мм",
    "мм²",
    "мм³",
    "нм",
    "кг",
    "г",
    "мг",
    "м/с",
    "км/ч",
    "кПа",
    "Па",
    "мбар",
    "Кб",
    "КБ",
    "кб",
    "Мб",
    "МБ",
    "мб",
    "Гб",
    "ГБ",
    "гб",
    "Тб",
    "ТБ",
    "тбكم",
    "كم²",
    "كم³",
    "م",
    "م²",
    "م³",
    "سم",
    "سم²",
    "سم³",
    "مم",
    "مم²",
    "مم³",
    "كم",
    "غرام",
    "جرام",
    "جم",
    "كغ",
    "ملغ",
    "كوب",
    "اكواب",
];

/// Whether `s` is one of [`UNITS`] (a hash lookup: the list is long, and every chunk with a
/// digit not at its end asks).
fn is_unit(s: &str) -> bool {
    static SET: LazyLock<(usize, rustc_hash::FxHashSet<&'static str>)> = LazyLock::new(|| {
        let max = UNITS.iter().map(|u| u.len()).max().unwrap_or(0);
        (max, UNITS.iter().copied().collect())
    });
    s.len() <= SET.0 && SET.1.contains(s)
}

/// Byte length of the prefix at the start of `s` (0 when none).
fn find_prefix(s: &str) -> usize {
    let mut it = s.chars();
    let Some(c) = it.next() else { return 0 };
    if c == '.' {
        let dots = s.bytes().take_while(|&b| b == b'.').count();
        return if dots >= 2 { dots } else { 0 };
    }
    if c == '+' {
        return match it.next() {
            Some(d) if d.is_ascii_digit() => 0,
            _ => 1,
        };
    }
    if is_prefix_char(c) {
        return c.len_utf8();
    }
    if matches!(c, 'U' | 'C' | 'A') {
        for cur in CURRENCY {
            if s.starts_with(cur) {
                return cur.len();
            }
        }
    }
    0
}

/// Byte length of the suffix at the end of `s` (0 when none): the longest alternative that
/// matches, as a leftmost regex search over spaCy's suffix alternatives finds it.
fn find_suffix(s: &str) -> usize {
    let b = s.as_bytes();
    // The last three characters: read as bytes when they are ASCII (the common case).
    let (last, prev, prev2) = match *b {
        [.., third, second, first] if (third | second | first) < 0x80 => (
            char::from(first),
            Some(char::from(second)),
            Some(char::from(third)),
        ),
        [second, first] if (second | first) < 0x80 => {
            (char::from(first), Some(char::from(second)), None)
        }
        [first] if first < 0x80 => (char::from(first), None, None),
        _ => {
            let mut rev = s.chars().rev();
            let Some(last) = rev.next() else { return 0 };
            (last, rev.next(), rev.next())
        }
    };
    let mut best = 0;
    if last == '.' {
        let dots = s.bytes().rev().take_while(|&b| b == b'.').count();
        if dots >= 2 {
            return dots;
        }
        match (prev2, prev) {
            (_, Some(p)) if before_split_dot(p) => best = 1,
            (Some(a), Some(b)) if is_upper(a) && is_upper(b) => best = 1,
            (Some('°'), Some('F' | 'f' | 'C' | 'c' | 'K' | 'k')) => best = 1,
            _ => {}
        }
    } else if is_suffix_char(last) {
        best = last.len_utf8();
    }
    if last == '…' && prev == Some('…') {
        best = best.max('…'.len_utf8() * 2);
    }
    if matches!(last, 's' | 'S') && matches!(prev, Some('\'' | '’')) {
        best = best.max(1 + prev.map_or(0, char::len_utf8));
    }
    // Units, currency and `+` directly after a digit.
    // (A digit is one byte, and no byte of a longer character is a digit.)
    let digit_before = |len: usize| s.len() > len && b[s.len() - len - 1].is_ascii_digit();
    if last == '+' && digit_before(1) {
        best = best.max(1);
    }
    if is_currency_char(last) {
        for cur in CURRENCY {
            if s.ends_with(cur) && digit_before(cur.len()) {
                best = best.max(cur.len());
            }
        }
        if digit_before(last.len_utf8()) {
            best = best.max(last.len_utf8());
        }
    }
    // A unit follows a digit and holds none, so the only candidate is what follows the
    // last digit (which is also the longest unit that could match).
    if !last.is_ascii_digit() {
        if let Some(d) = s.bytes().rposition(|b| b.is_ascii_digit()) {
            let rest = &s[d + 1..];
            if rest.len() > best && is_unit(rest) {
                best = rest.len();
            }
        }
    }
    best
}

/// Whether `s` is kept whole as a URL or e-mail address: spaCy's `url_match` pattern —
/// optional scheme, optional non-empty user part ending in `@`, then a dotted host whose
/// top-level label is 2–63 lowercase letters, or a public IPv4 address; optional port;
/// optional path.
fn is_url(s: &str) -> bool {
    let mut rest = s;
    if let Some(i) = rest.find("://") {
        let scheme = &rest[..i];
        if scheme.chars().count() >= 2
            && scheme
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || matches!(c, '+' | '-' | '.'))
        {
            rest = &rest[i + 3..];
        }
    }
    // The user part may hold anything but whitespace, `@` included: try every `@`.
    host_and_path(rest)
        || rest
            .match_indices('@')
            .any(|(at, _)| at > 0 && host_and_path(&rest[at + 1..]))
}

/// Host, optional `:port`, optional `/`, `?` or `#` path, and nothing else.
fn host_and_path(s: &str) -> bool {
    let host_end = s.find(['/', '?', '#']).unwrap_or(s.len());
    let host_port = &s[..host_end];
    let host = match host_port.rsplit_once(':') {
        Some((h, port))
            if (2..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            h
        }
        _ => host_port,
    };
    is_public_ipv4(host) || is_domain(host)
}

fn is_domain(host: &str) -> bool {
    let Some((labels, tld)) = host.rsplit_once('.') else {
        return false;
    };
    let label_char = |c: char| c.is_ascii_alphanumeric() || ('\u{a1}'..='\u{ffff}').contains(&c);
    let label_ok = |l: &str| {
        let mut cs = l.chars();
        let (Some(first), last) = (cs.next(), l.chars().next_back()) else {
            return false;
        };
        l.chars().count() <= 64
            && label_char(first)
            && last.is_some_and(label_char)
            && l.chars().all(|c| label_char(c) || c == '_' || c == '-')
    };
    let n = tld.chars().count();
    (2..=63).contains(&n)
        && tld.chars().all(|c| is_lower(c) && !QUOTES.contains(c))
        && labels.split('.').all(label_ok)
}

/// An IPv4 address the pattern accepts: first octet 1–223 but not 10 or 127, not in
/// 169.254/16, 192.168/16 or 172.16/12, last octet 1–254.
fn is_public_ipv4(host: &str) -> bool {
    let mut parts = [""; 4];
    let mut n = 0;
    for part in host.split('.') {
        if n == 4 {
            return false;
        }
        parts[n] = part;
        n += 1;
    }
    if n != 4
        || parts
            .iter()
            .any(|p| !(1..=3).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let octet = |i: usize| parts[i].parse::<u32>().unwrap_or(999);
    let no_lead_zero = |i: usize| !(parts[i].len() > 1 && parts[i].starts_with('0'));
    let (first, second, third, last) = (octet(0), octet(1), octet(2), octet(3));
    // Middle octets: `1?\d{1,2}|2[0-4]\d|25[0-5]` (a leading zero is allowed, "1" + two
    // digits too); 0xx with three digits is not.
    let middle_ok =
        |i: usize, v: u32| v <= 255 && (parts[i].len() < 3 || parts[i].starts_with(['1', '2']));
    (1..=223).contains(&first)
        && no_lead_zero(0)
        && first != 10
        && first != 127
        && !(first == 169 && second == 254)
        && !(first == 192 && second == 168)
        && !(first == 172 && (16..=31).contains(&second))
        && middle_ok(1, second)
        && middle_ok(2, third)
        && (1..=254).contains(&last)
        && no_lead_zero(3)
}

/// Finds the infixes of `s` as byte ranges, left to right, non-overlapping.
fn find_infixes(s: &str, out: &mut Vec<(usize, usize)>, chars: &mut Vec<(usize, char)>) {
    if s.is_ascii() {
        find_ascii_infixes(s.as_bytes(), out);
        return;
    }
    out.clear();
    chars.clear();
    chars.extend(s.char_indices());
    let chars = &*chars;
    let end_of = |k: usize| chars.get(k).map_or(s.len(), |&(i, _)| i);
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        let prev = if k > 0 { Some(chars[k - 1].1) } else { None };
        let next = chars.get(k + 1).map(|&(_, c)| c);
        let mut len = 0; // in chars
        if c == '.' && next == Some('.') {
            len = chars[k..].iter().take_while(|&&(_, c)| c == '.').count();
        } else if c == '…' || is_symbol(c) {
            len = 1;
        } else if let Some(p) = prev {
            let between_digits = p.is_ascii_digit()
                && matches!(c, '+' | '-' | '*' | '^')
                && next.is_some_and(|n| n.is_ascii_digit() || n == '-');
            let sentence_dot = c == '.'
                && (is_lower(p) || QUOTES.contains(p))
                && next.is_some_and(|n| is_upper(n) || QUOTES.contains(n));
            let letter_comma = c == ',' && is_alpha(p) && next.is_some_and(is_alpha);
            if between_digits || sentence_dot || letter_comma {
                len = 1;
            } else if is_alpha(p) || p.is_ascii_digit() {
                if matches!(c, ':' | '<' | '>' | '=' | '/') && next.is_some_and(is_alpha) {
                    len = 1;
                } else if matches!(c, '-' | '–' | '—' | '~') {
                    // `-|–|—|--|---|——|~`, the first alternative followed by a letter.
                    let at = |j: usize| chars.get(k + j).map(|&(_, c)| c);
                    let alts: &[&[char]] = &[
                        &['-'],
                        &['–'],
                        &['—'],
                        &['-', '-'],
                        &['-', '-', '-'],
                        &['—', '—'],
                        &['~'],
                    ];
                    for alt in alts {
                        if alt.iter().enumerate().all(|(j, &a)| at(j) == Some(a))
                            && at(alt.len()).is_some_and(is_alpha)
                        {
                            len = alt.len();
                            break;
                        }
                    }
                }
            }
        }
        if len > 0 {
            out.push((i, end_of(k + len)));
            k += len;
        } else {
            k += 1;
        }
    }
}

/// [`find_infixes`] for ASCII text, byte by byte (a byte is a character): the same rules,
/// without the list of characters. A test checks that both agree.
fn find_ascii_infixes(b: &[u8], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let quote = |c: u8| matches!(c, b'\'' | b'"' | b'`' | b',');
    let at = |k: usize| b.get(k).copied();
    let mut k = 0;
    while k < b.len() {
        let c = b[k];
        let next = at(k + 1);
        let mut len = 0;
        if c == b'.' && next == Some(b'.') {
            len = b[k..].iter().take_while(|&&c| c == b'.').count();
        } else if k > 0 {
            let p = b[k - 1];
            let between_digits = p.is_ascii_digit()
                && matches!(c, b'+' | b'-' | b'*' | b'^')
                && next.is_some_and(|n| n.is_ascii_digit() || n == b'-');
            let sentence_dot = c == b'.'
                && (p.is_ascii_lowercase() || quote(p))
                && next.is_some_and(|n| n.is_ascii_uppercase() || quote(n));
            let letter_comma = c == b','
                && p.is_ascii_alphabetic()
                && next.is_some_and(|n| n.is_ascii_alphabetic());
            if between_digits || sentence_dot || letter_comma {
                len = 1;
            } else if p.is_ascii_alphanumeric() {
                let letter_at = |j: usize| at(k + j).is_some_and(|n| n.is_ascii_alphabetic());
                if matches!(c, b':' | b'<' | b'>' | b'=' | b'/' | b'~') && letter_at(1) {
                    len = 1;
                } else if c == b'-' {
                    // `-`, `--` or `---` followed by a letter (the first that matches).
                    let dashes = b[k..].iter().take(3).take_while(|&&c| c == b'-').count();
                    len = (1..=dashes).find(|&d| letter_at(d)).unwrap_or(0);
                }
            }
        }
        if len > 0 {
            out.push((k, k + len));
            k += len;
        } else {
            k += 1;
        }
    }
}

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const OTHER: u8 = 4;
const NON_ASCII: u8 = 8;
const SPACE: u8 = 16;

/// Byte classes for the scanning loop.
static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)] // b < 256
        let c = b as u8;
        t[b] = if c >= 0x80 {
            NON_ASCII
        } else if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f) {
            SPACE
        } else {
            OTHER
        };
        b += 1;
    }
    t
};

/// The length of the run of printable ASCII bytes (`!` to DEL) that starts eight bytes
/// `x` (little-endian), and the classes (`LETTER`, `DIGIT`, `OTHER`) of the bytes in it, as
/// [`CLASS`] gives them; computed on the eight bytes at once.
#[inline]
fn printable_ascii_run(x: u64) -> (u8, usize) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // High bit of each byte at or above 0x80 or below 0x21. The subtraction's borrow can
    // mark a byte above one that is really below 0x21, never one before it, so the lowest
    // mark is exact.
    let stop = (x & HIGH) | (x.wrapping_sub(ONES * 0x21) & !x & HIGH);
    let len = if stop == 0 {
        8
    } else {
        (stop.trailing_zeros() / 8) as usize
    };
    if len == 0 {
        return (0, 0);
    }
    let keep = if len == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    };
    let x = x & keep;
    // The bytes are below 0x80 here; the zeroed bytes past the run are in no range. Setting
    // bit 0x20 folds `A-Z` onto `a-z`.
    let letters = ascii_bytes_in(x | (ONES * 0x20), b'a', b'z');
    if letters == keep & HIGH {
        // Only letters: most runs are a whole word.
        return (LETTER, len);
    }
    let digits = ascii_bytes_in(x, b'0', b'9');
    let others = keep & HIGH & !letters & !digits;
    let classes = if letters != 0 { LETTER } else { 0 }
        | if digits != 0 { DIGIT } else { 0 }
        | if others != 0 { OTHER } else { 0 };
    (classes, len)
}

/// The length of the run of ASCII letters that starts eight bytes `x` (little-endian), 8
/// if all are letters; computed on the eight bytes at once.
#[inline]
fn ascii_letters_run(x: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // Each byte without its high bit (a byte that had one is no letter), with bit 0x20 set
    // to fold `A-Z` onto `a-z`.
    let letters = ascii_bytes_in((x & !HIGH) | (ONES * 0x20), b'a', b'z') & !x;
    let stop = !letters & HIGH;
    (stop.trailing_zeros() / 8) as usize
}

/// The end of the whitespace (Python's `str.isspace`) that starts at `i`.
#[inline]
fn whitespace_end(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let class = CLASS[usize::from(bytes[i])];
        if class == SPACE {
            i += 1;
        } else if class == NON_ASCII {
            let c = text[i..].chars().next().expect("char boundary");
            if !is_py_space(c) {
                break;
            }
            i += c.len_utf8();
        } else {
            break;
        }
    }
    i
}

/// The commonest chunks, read with one load: one to seven ASCII letters before ASCII
/// whitespace, whole unless an exception of that shape; and one to six followed by one
/// closing mark (`word,` `end.` `so)`), cut as [`affixed_core`] cuts them unless the
/// chunk is an exception. Reported to `sink` if the chunk at `i` is one; returns where it
/// ends.
#[inline]
fn short_letters(text: &str, i: usize, sink: &mut impl Sink) -> Option<usize> {
    let bytes = text.as_bytes();
    if i + 8 > bytes.len() {
        return None;
    }
    let x = super::load8(bytes, i);
    let len = ascii_letters_run(x);
    if len == 0 || len == 8 || maybe_alnum_special(&text[i..i + len]) {
        return None;
    }
    let next = bytes[i + len];
    if CLASS[usize::from(next)] == SPACE {
        sink.ascii_letters(span(i, 0, len), x & super::low_bytes(len));
        return Some(i + len);
    }
    // A mark that is always a suffix, or a full stop after a lowercase letter; then
    // whitespace.
    let end = i + len + 1;
    let closes = next < 0x80
        && (ASCII_AFFIX[usize::from(next)] & A_SUFFIX != 0
            || (next == b'.' && bytes[i + len - 1].is_ascii_lowercase()));
    if closes
        && bytes
            .get(end)
            .is_some_and(|&b| CLASS[usize::from(b)] == SPACE)
        && special(&text[i..end]).is_none()
    {
        sink.ascii_letters(span(i, 0, len), x & super::low_bytes(len));
        sink.token(span(i, len, len + 1));
        return Some(end);
    }
    None
}

/// What a tokenizer run produces, token by token.
pub trait Sink {
    /// A word or punctuation token at `span`.
    fn token(&mut self, span: Span);
    /// A whitespace token (a whitespace run that is not a single space).
    fn space(&mut self) {}
    /// A word or punctuation token at `span` made only of ASCII letters and digits, with
    /// at least one letter if `letter`: what the scanning loop already knows, for sinks
    /// that would otherwise read the bytes again.
    #[inline]
    fn ascii_alnum(&mut self, span: Span, letter: bool) {
        let _ = letter;
        self.token(span);
    }
    /// A word token at `span` of one to seven ASCII letters, whose bytes, zero-padded,
    /// are the little-endian `bytes` (as the scanning loop read them).
    #[inline]
    fn ascii_letters(&mut self, span: Span, bytes: u64) {
        let _ = bytes;
        self.ascii_alnum(span, true);
    }
}

impl Sink for Vec<Span> {
    fn token(&mut self, span: Span) {
        self.push(span);
    }
}

/// The tokenizer, with buffers reused from one text to the next ([`Tokenizer::run`]).
#[derive(Debug, Default)]
pub struct Tokenizer {
    infixes: Vec<(usize, usize)>,
    chars: Vec<(usize, char)>,
    pieces: Vec<Span>,
    prefix_cuts: Vec<usize>,
    suffix_cuts: Vec<usize>,
    /// Tests only: every chunk takes the general rules, none a shortcut (the reference the
    /// shortcuts are checked against).
    #[cfg(test)]
    general_only: bool,
}

#[allow(clippy::cast_possible_truncation)] // documents are far below 4 GiB
fn span(base: usize, a: usize, b: usize) -> Span {
    Span {
        start: (base + a) as u32,
        end: (base + b) as u32,
    }
}

/// The shape `[open] core [close]` of a chunk, where `open` is one ASCII byte that is always
/// a prefix, `core` is ASCII letters only or ASCII digits only, and `close` is one ASCII
/// byte that is always a suffix, a `.` after a lowercase letter or a digit, or `'s`/`’s`
/// (either case), with at least one of `open` and `close`: the byte lengths of `open` and
/// `close` and the core's class ([`LETTER`] or [`DIGIT`]). For such a chunk the affix rules
/// cut exactly those three pieces (no unit, currency or infix rule applies to a core of
/// one class), unless an exception intervenes.
#[inline]
fn affixed_core(b: &[u8]) -> Option<(usize, u8, usize)> {
    let affix = |c: u8| {
        if c < 0x80 {
            ASCII_AFFIX[usize::from(c)]
        } else {
            0
        }
    };
    let open = usize::from(affix(*b.first()?) & A_PREFIX != 0);
    let mut end = b.len();
    let mut close = 0;
    let last = *b.last()?;
    if matches!(last, b's' | b'S') && end >= open + 3 {
        if b[end - 2] == b'\'' {
            close = 2;
        } else if end >= open + 5 && b[end - 4..end - 1] == *"’".as_bytes() {
            close = 4;
        }
    } else if affix(last) & A_SUFFIX != 0 {
        close = 1;
    } else if last == b'.' && end >= open + 2 {
        let before = b[end - 2];
        if before.is_ascii_lowercase() || before.is_ascii_digit() {
            close = 1;
        }
    }
    end -= close;
    if open + close == 0 || open >= end {
        return None;
    }
    let core = &b[open..end];
    let class = if core.iter().all(u8::is_ascii_alphabetic) {
        LETTER
    } else if core.iter().all(u8::is_ascii_digit) {
        DIGIT
    } else {
        return None;
    };
    Some((open, class, close))
}

/// The chunk shapes that need none of the general rules' work, tokenized directly; false
/// for any other chunk. `chunk` is not an exception.
#[inline]
fn shortcut(chunk: &str, base: usize, sink: &mut impl Sink) -> bool {
    // The commonest shapes: an optional opening mark, ASCII letters or ASCII digits, and
    // an optional closing mark or `'s` ("(word", "word,", "end.", "\"Yes,", "1.",
    // "John's"), split into those pieces as the general rules below would split them.
    let b = chunk.as_bytes();
    if let Some((open, core, close)) = affixed_core(b) {
        // An exception inside takes the general way ("Wed." ends in "d.", "(etc." holds
        // "etc."); the whole chunk was checked above, and no other run of the pieces
        // could be merged back.
        let (lo, hi) = (open, b.len() - close);
        if special(&chunk[lo..hi]).is_none()
            && (open == 0 || special(&chunk[..hi]).is_none())
            && (close == 0 || special(&chunk[lo..]).is_none())
        {
            if open > 0 {
                sink.token(span(base, 0, open));
            }
            sink.ascii_alnum(span(base, lo, hi), core == LETTER);
            if close > 0 {
                sink.token(span(base, hi, b.len()));
            }
            return true;
        }
    }
    // Letters joined by single hyphens ("well-known"): each hyphen is an infix, and no
    // exception has this shape (a test checks the table).
    if b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.last().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|&c| c.is_ascii_alphabetic() || c == b'-')
        && !b.windows(2).any(|w| w == b"--")
    {
        let mut at = 0;
        for (k, &c) in b.iter().enumerate() {
            if c == b'-' {
                sink.ascii_alnum(span(base, at, k), true);
                sink.token(span(base, k, k + 1));
                at = k + 1;
            }
        }
        sink.ascii_alnum(span(base, at, b.len()), true);
        return true;
    }
    false
}

impl Tokenizer {
    #[inline]
    #[cfg_attr(
        not(test),
        allow(clippy::unused_self, reason = "the flag exists in tests only")
    )]
    fn general_only(&self) -> bool {
        #[cfg(test)]
        return self.general_only;
        #[cfg(not(test))]
        false
    }

    /// Tokenizes `text`, reporting every token to `sink`.
    pub fn run(&mut self, text: &str, sink: &mut impl Sink) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Whitespace run. The commonest, a single space between two tokens (the trailing
            // space of the one before, no token of its own), is stepped over at once.
            let ws_start = i;
            if i > 0
                && bytes[i] == b' '
                && bytes
                    .get(i + 1)
                    .is_some_and(|&b| CLASS[usize::from(b)] & (LETTER | DIGIT | OTHER) != 0)
            {
                i += 1;
            } else {
                i = whitespace_end(text, i);
                if i > ws_start {
                    // A single space after a token is that token's trailing space; any
                    // other run is a whitespace token.
                    let skip = usize::from(bytes[ws_start] == b' ' && ws_start > 0);
                    if i - ws_start > skip {
                        sink.space();
                    }
                }
            }
            if !self.general_only() {
                if let Some(end) = short_letters(text, i, sink) {
                    i = end;
                    continue;
                }
            }
            // Non-whitespace chunk, noting which classes of byte it holds.
            let start = i;
            let mut seen = 0u8;
            while i < bytes.len() {
                // Printable ASCII eight bytes at a time (most of a usual word), then the
                // byte or character that stopped it by the table.
                while i + 8 <= bytes.len() {
                    let (classes, len) = printable_ascii_run(super::load8(bytes, i));
                    seen |= classes;
                    i += len;
                    if len < 8 {
                        break;
                    }
                }
                if i >= bytes.len() {
                    break;
                }
                let class = CLASS[usize::from(bytes[i])];
                if class == SPACE {
                    break;
                }
                if class == NON_ASCII {
                    let c = text[i..].chars().next().expect("char boundary");
                    if is_py_space(c) {
                        break;
                    }
                    i += c.len_utf8();
                } else {
                    i += 1;
                }
                seen |= class;
            }
            if i > start {
                let chunk = &text[start..i];
                // Chunks no prefix, suffix or infix rule can cut: one character; only ASCII
                // letters or only digits; letters and digits ending in a digit (units and
                // currency follow digits, never precede them); only letters of any script
                // (not symbols such as circled letters, which spaCy splits off).
                let whole = !self.general_only()
                    && (chunk.len() == 1
                        || (seen == NON_ASCII
                            && chunk
                                .chars()
                                .next()
                                .is_some_and(|c| c.len_utf8() == chunk.len()))
                        || seen == LETTER
                        || seen == DIGIT
                        || (seen == LETTER | DIGIT
                            && chunk.as_bytes()[chunk.len() - 1].is_ascii_digit())
                        || (seen & !(LETTER | NON_ASCII) == 0
                            && seen & NON_ASCII != 0
                            && chunk.chars().all(is_plain_letter)));
                if whole && seen & !(LETTER | DIGIT) == 0 {
                    // ASCII letters and digits, the commonest chunk: a cheaper filter, over
                    // the exceptions of that shape only, rules out nearly all of them.
                    match maybe_alnum_special(chunk)
                        .then(|| lookup_special(chunk))
                        .flatten()
                    {
                        Some(lens) => emit_special(lens, start, sink),
                        None => {
                            sink.ascii_alnum(span(start, 0, chunk.len()), seen & LETTER != 0);
                        }
                    }
                } else if whole {
                    match special(chunk) {
                        Some(lens) => emit_special(lens, start, sink),
                        None => sink.token(span(start, 0, chunk.len())),
                    }
                } else {
                    self.chunk(chunk, start, sink);
                }
            }
        }
    }

    fn chunk(&mut self, chunk: &str, base: usize, sink: &mut impl Sink) {
        if let Some(lens) = special(chunk) {
            emit_special(lens, base, sink);
            return;
        }
        if !self.general_only() && shortcut(chunk, base, sink) {
            return;
        }
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.clear();
        self.split(chunk, base, &mut pieces, true);
        // spaCy's last pass: neighbouring pieces that together spell an exception ("St" "."
        // from "St.Louis", ")" ":") are merged back and split as the exception says; longest
        // first, left to right.
        let mut i = 0;
        while i < pieces.len() {
            let mut merged = false;
            for j in (i + 2..=pieces.len()).rev() {
                let (a, b) = (pieces[i].start as usize, pieces[j - 1].end as usize);
                let Some(sp) = SPECIALS.get(&chunk[a - base..b - base]) else {
                    continue;
                };
                if sp.plain.len() == j - i
                    && sp
                        .plain
                        .iter()
                        .zip(&pieces[i..j])
                        .all(|(&l, p)| usize::from(l) == (p.end - p.start) as usize)
                {
                    emit_special(&sp.pieces, a, sink);
                    i = j;
                    merged = true;
                    break;
                }
            }
            if !merged {
                sink.token(pieces[i]);
                i += 1;
            }
        }
        self.pieces = pieces;
    }

    /// Splits a chunk that is not itself an exception into prefixes, core pieces and
    /// suffixes.
    fn split(&mut self, chunk: &str, base: usize, sink: &mut Vec<Span>, specials: bool) {
        let special = |s: &str| if specials { special(s) } else { None };
        // Peel affixes: `lo..hi` is what remains; prefixes sit in `0..lo` (each recorded),
        // suffixes in `hi..len`.
        let mut prefix_cuts = std::mem::take(&mut self.prefix_cuts);
        let mut suffix_cuts = std::mem::take(&mut self.suffix_cuts);
        prefix_cuts.clear();
        suffix_cuts.clear();
        let (mut lo, mut hi) = (0, chunk.len());
        let mut last_size = usize::MAX;
        while lo < hi && hi - lo != last_size {
            let s = &chunk[lo..hi];
            if special(s).is_some() {
                break;
            }
            last_size = hi - lo;
            let pre = find_prefix(s);
            if pre > 0 && pre < s.len() && special(&s[pre..]).is_some() {
                prefix_cuts.push(lo + pre);
                lo += pre;
                break;
            }
            let suf = find_suffix(&s[pre..]);
            if suf > 0 && suf < s.len() && special(&s[..s.len() - suf]).is_some() {
                suffix_cuts.push(hi - suf);
                hi -= suf;
                break;
            }
            if pre > 0 && suf > 0 && pre + suf <= s.len() {
                prefix_cuts.push(lo + pre);
                suffix_cuts.push(hi - suf);
                lo += pre;
                hi -= suf;
            } else if pre > 0 {
                prefix_cuts.push(lo + pre);
                lo += pre;
            } else if suf > 0 {
                suffix_cuts.push(hi - suf);
                hi -= suf;
            }
            if lo < hi && special(&chunk[lo..hi]).is_some() {
                break;
            }
        }
        let mut at = 0;
        for &cut in &prefix_cuts {
            sink.token(span(base, at, cut));
            at = cut;
        }
        if lo < hi {
            let core = &chunk[lo..hi];
            if let Some(lens) = special(core) {
                emit_special(lens, base + lo, sink);
            } else if core.bytes().all(|b| b.is_ascii_alphanumeric()) {
                // No infix rule fires inside letters and digits, and a URL needs a dot.
                sink.token(span(base, lo, hi));
            } else if core.contains('.') && is_url(core) {
                sink.token(span(base, lo, hi));
            } else {
                find_infixes(core, &mut self.infixes, &mut self.chars);
                let mut start = 0;
                for &(a, b) in &self.infixes {
                    if a == 0 {
                        continue;
                    }
                    if a != start {
                        sink.token(span(base + lo, start, a));
                    }
                    sink.token(span(base + lo, a, b));
                    start = b;
                }
                if start < core.len() {
                    sink.token(span(base + lo, start, core.len()));
                }
            }
        }
        // Suffixes were peeled outside-in; emit them inside-out.
        let mut at = hi;
        for &cut in suffix_cuts.iter().rev() {
            if cut > at {
                sink.token(span(base, at, cut));
            }
            at = cut;
        }
        if at < chunk.len() {
            sink.token(span(base, at, chunk.len()));
        }
        self.prefix_cuts = prefix_cuts;
        self.suffix_cuts = suffix_cuts;
    }
}

fn emit_special(lens: &[u8], base: usize, sink: &mut (impl Sink + ?Sized)) {
    let mut at = 0;
    for &l in lens {
        sink.token(span(base, at, at + usize::from(l)));
        at += usize::from(l);
    }
}

/// The words of `text` as datatrove's English `split_into_words` returns them, as spans.
pub fn words_into(text: &str, out: &mut Vec<Span>) {
    out.clear();
    Tokenizer::default().run(text, out);
}

/// spaCy's rule-based sentencizer, counting: a sentence ends after a sentence-final
/// character token (`.`, `!`, `?`, …), and the next one starts at the first following token
/// that is not punctuation.
#[derive(Debug, Default)]
struct SentenceCounter {
    tokens: usize,
    sentences: usize,
    seen_end: bool,
}

impl SentenceCounter {
    fn word(&mut self, t: &str) {
        if t.as_bytes()[0].is_ascii_alphanumeric() {
            // A word: neither sentence-final nor punctuation.
            self.step(false, false);
            return;
        }
        let mut cs = t.chars();
        let is_end = match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii() => matches!(c, '.' | '!' | '?'),
            (Some(c), None) => SENTENCE_END.contains(&c),
            _ => false,
        };
        let punct = is_end
            || match t.as_bytes() {
                [b] if b.is_ascii_alphanumeric() => false,
                [b, ..] if b.is_ascii_alphanumeric() => false,
                _ => is_punct(t),
            };
        self.step(is_end, punct);
    }

    fn step(&mut self, is_end: bool, punct: bool) {
        if self.tokens == 0 {
            self.sentences = 1;
        }
        self.tokens += 1;
        if self.seen_end && !punct {
            self.sentences += 1;
            self.seen_end = false;
        } else if is_end {
            self.seen_end = true;
        }
    }
}

/// Counts the sentences spaCy's rule-based sentencizer finds in `text`.
pub fn count_sentences(text: &str, tokenizer: &mut Tokenizer) -> usize {
    struct Count<'t> {
        text: &'t str,
        counter: SentenceCounter,
    }
    impl Sink for Count<'_> {
        fn token(&mut self, span: Span) {
            self.counter.word(span.text(self.text));
        }
        fn space(&mut self) {
            self.counter.step(false, false);
        }
    }
    let mut c = Count {
        text,
        counter: SentenceCounter::default(),
    };
    tokenizer.run(text, &mut c);
    c.counter.sentences
}

/// [`count_sentences`] for a stretch of `text` whose words are already known: `words` are
/// its tokens in order, and the whitespace between them is read from `text` (a gap other
/// than one space is a whitespace token, as the tokenizer makes it).
pub fn count_sentences_of(text: &str, words: &[Span]) -> usize {
    let mut c = SentenceCounter::default();
    let bytes = text.as_bytes();
    let mut prev_end: Option<u32> = None;
    for w in words {
        let start = w.start as usize;
        if let Some(e) = prev_end {
            let e = e as usize;
            // Adjacent, or one space apart (the common cases), adds no whitespace token.
            if start != e && !(start == e + 1 && bytes[e] == b' ') {
                c.step(false, false);
            }
        }
        if bytes[start].is_ascii_alphanumeric() {
            c.step(false, false);
        } else {
            c.word(w.text(text));
        }
        prev_end = Some(w.end);
    }
    c.sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        words_into(s, &mut v);
        v.iter().map(|sp| sp.text(s)).collect()
    }

    #[test]
    fn plain_letter_bitmap_matches_the_unicode_tables() {
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(
                is_plain_letter(c),
                c.is_alphabetic() && !is_symbol(c),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    /// Each case was checked against spaCy 3.8's blank English tokenizer.
    #[test]
    fn splits_like_spacy() {
        let cases: &[(&str, &[&str])] = &[
            ("end.The next", &["end", ".", "The", "next"]),
            ("© 2024 – Acme »", &["©", "2024", "–", "Acme", "»"]),
            ("€ £ … ” ’ “", &["€", "£", "…", "”", "’", "“"]),
            ("a.b", &["a.b"]),
            ("U.S.A.", &["U.S.A."]),
            ("J. Smith", &["J.", "Smith"]),
            ("ABC.", &["ABC", "."]),
            ("x--y", &["x", "--", "y"]),
            ("well-known", &["well", "-", "known"]),
            ("9-5", &["9", "-", "5"]),
            ("3.5%", &["3.5", "%"]),
            ("$100", &["$", "100"]),
            ("100$", &["100", "$"]),
            ("(hello)", &["(", "hello", ")"]),
            ("\"Yes,\" he", &["\"", "Yes", ",", "\"", "he"]),
            ("word...", &["word", "..."]),
            ("...word", &["...", "word"]),
            ("#hashtag", &["#", "hashtag"]),
            ("http://x.com/a-b", &["http://x.com/a-b"]),
            ("foo@bar.com", &["foo@bar.com"]),
            ("it's", &["it", "'s"]),
            ("John's", &["John", "'s"]),
            ("dogs'", &["dogs", "'"]),
            ("rock'n'roll", &["rock'n'roll"]),
            ("a/b", &["a", "/", "b"]),
            ("1/2", &["1/2"]),
            ("10km", &["10", "km"]),
            ("hello!!", &["hello", "!", "!"]),
            ("C++", &["C++"]),
            ("co-op.", &["co", "-", "op", "."]),
            ("“Quote”", &["“", "Quote", "”"]),
            ("end.”", &["end", ".", "”"]),
            ("Inc.,", &["Inc.", ","]),
            ("i.e.,", &["i.e.", ","]),
            ("5pm.", &["5", "pm", "."]),
            ("don't.", &["do", "n't", "."]),
            (":)", &[":)"]),
            ("—word—", &["—", "word", "—"]),
            ("3,000", &["3,000"]),
            ("a,b", &["a", ",", "b"]),
            ("Ph.D.", &["Ph.D."]),
            ("k=v", &["k", "=", "v"]),
            ("<b>bold</b>", &["<", "b", ">", "bold</b", ">"]),
            ("A.", &["A."]),
            ("cannot", &["can", "not"]),
            ("Wed", &["We", "d"]),
            ("shed its", &["shed", "its"]),
            ("Hello  world\n\nok", &["Hello", "world", "ok"]),
        ];
        for (text, want) in cases {
            assert_eq!(toks(text), *want, "{text:?}");
        }
    }

    /// Each case was checked against spaCy 3.8.
    #[test]
    fn urls_circled_letters_and_addresses_like_spacy() {
        let cases: &[(&str, &[&str])] = &[
            ("Ⓐpple", &["Ⓐ", "pple"]),
            ("127.0.0.1:8080/admin", &["127.0.0.1:8080", "/", "admin"]),
            ("192.168.1.1/index", &["192.168.1.1", "/", "index"]),
            ("8.8.8.8/dns", &["8.8.8.8/dns"]),
            ("a/b@c.com", &["a/b@c.com"]),
            ("x.com/a@b", &["x.com/a@b"]),
            (
                "http://example.com/a-b?c=d",
                &["http://example.com/a-b?c=d"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(toks(text), *want, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn printable_runs_agree_with_the_table(x: u64) {
            let bytes = x.to_le_bytes();
            let len = bytes.iter().position(|&b| !(0x21..0x80).contains(&b)).unwrap_or(8);
            let classes = bytes[..len].iter().fold(0, |acc, &b| acc | CLASS[usize::from(b)]);
            proptest::prop_assert_eq!(printable_ascii_run(x), (classes, len));
        }

        #[test]
        fn letter_runs_agree_with_the_table(x: u64) {
            let bytes = x.to_le_bytes();
            let len = bytes.iter().position(|b| !b.is_ascii_alphabetic()).unwrap_or(8);
            proptest::prop_assert_eq!(ascii_letters_run(x), len);
        }

        #[test]
        fn letter_runs_of_text(s in "[@-`a-z{ -?é]{8}") {
            let x = super::super::load8(s.as_bytes(), 0);
            let len = s.bytes().position(|b| !b.is_ascii_alphabetic()).unwrap_or(8);
            proptest::prop_assert_eq!(ascii_letters_run(x), len);
        }

        #[test]
        fn printable_runs_of_text(s in "[ -~]{8}") {
            let x = super::super::load8(s.as_bytes(), 0);
            let len = s.bytes().position(|b| b == b' ').unwrap_or(8);
            let classes = s.bytes().take(len).fold(0, |acc, b| acc | CLASS[usize::from(b)]);
            proptest::prop_assert_eq!(printable_ascii_run(x), (classes, len));
        }
    }

    /// Records every token and whitespace token, and checks what `ascii_alnum` claims.
    struct Record<'t> {
        text: &'t str,
        out: Vec<Option<Span>>,
    }

    impl Sink for Record<'_> {
        fn token(&mut self, span: Span) {
            self.out.push(Some(span));
        }
        fn space(&mut self) {
            self.out.push(None);
        }
        fn ascii_alnum(&mut self, span: Span, letter: bool) {
            let t = span.text(self.text);
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t:?}");
            assert_eq!(t.bytes().any(|b| b.is_ascii_alphabetic()), letter, "{t:?}");
            self.token(span);
        }
        fn ascii_letters(&mut self, span: Span, bytes: u64) {
            let t = span.text(self.text);
            assert!((1..8).contains(&t.len()), "{t:?}");
            assert!(t.bytes().all(|b| b.is_ascii_alphabetic()), "{t:?}");
            let mut padded = [0u8; 8];
            padded[..t.len()].copy_from_slice(t.as_bytes());
            assert_eq!(u64::from_le_bytes(padded), bytes, "{t:?}");
            self.token(span);
        }
    }

    fn record(text: &str, general_only: bool) -> Vec<Option<Span>> {
        let mut t = Tokenizer {
            general_only,
            ..Tokenizer::default()
        };
        let mut r = Record {
            text,
            out: Vec::new(),
        };
        t.run(text, &mut r);
        r.out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn ascii_infixes_as_the_general_way_finds_them(
            s in r#"([a-z]{1,3}|[A-Z]{1,2}|[0-9]{1,2}|\.|,|-|--|---|~|:|/|=|<|>|'|"|`|\^|\*|\+|\.\.|[;?!()_])*"#
        ) {
            let (mut general, mut ascii, mut chars) = (Vec::new(), Vec::new(), Vec::new());
            // The general way, forced: a non-ASCII character after the text changes nothing
            // before it (no rule looks past the next character, and `é` is a letter).
            let padded = format!("{s}\u{1}é");
            find_infixes(&padded, &mut general, &mut chars);
            general.retain(|&(a, _)| a < s.len());
            find_ascii_infixes(s.as_bytes(), &mut ascii);
            proptest::prop_assert_eq!(general, ascii, "{:?}", s);
        }
    }

    #[test]
    fn alnum_filter_passes_every_alnum_exception() {
        let mut n = 0;
        for (k, parts) in EXCEPTIONS {
            if k.bytes().all(|b| b.is_ascii_alphanumeric()) {
                assert!(maybe_alnum_special(k), "{k}");
                assert_eq!(toks(k), *parts, "{k}");
                n += 1;
            }
        }
        assert!(n > 300, "{n}");
    }

    #[test]
    fn affix_table_matches_the_lists() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            let edge = ASCII_EDGE.contains(&b);
            assert_eq!(
                is_prefix_char(c),
                edge || matches!(c, '$' | '%' | '='),
                "{c:?}"
            );
            assert_eq!(is_suffix_char(c), edge, "{c:?}");
            let dot = c.is_ascii_lowercase() || c.is_ascii_digit() || edge;
            assert_eq!(
                before_split_dot(c),
                dot || matches!(c, '%' | '+' | '-' | '|'),
                "{c:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Every shortcut (whole chunks, affixed cores, hyphenated words) cuts as the
        /// general prefix/suffix/infix rules and the exception merge do: chunks built from
        /// opening marks, cores and closing marks.
        #[test]
        fn shortcuts_cut_as_the_general_rules_do(
            text in r#"((["(\[#$'=*+]|…|«|“|\.\.)?([a-zA-Z]{1,4}|[0-9]{1,3}|[A-Z][a-z]+|[a-z]+[A-Z]|[A-Z]{1,2}|[a-z]{1,3}|é|ß|Wed|St|etc|e\.g|km|can|don|dont|gonna|Im|[a-z]+-[a-z]+)(\.|,|\)|"|'|;|:|!|\?|'s|’s|'S|[\]*_%+&<>/-]|’|…|»|”|\.\.|[0-9]|km|\$){0,2}[ \n]{1,2}){1,6}"#
        ) {
            proptest::prop_assert_eq!(record(&text, false), record(&text, true), "{:?}", text);
        }

        /// The same over any mix of letters, digits, marks and spaces.
        #[test]
        fn shortcuts_cut_as_the_general_rules_do_anywhere(
            text in r#"([a-zA-Z]{1,5}|[0-9]{1,4}|[ .,;:!?'"()\[\]#$%=+*/@_&<>-]|’|…|«|»|©|é|É|ß|–|—|“|”|•|°|€|™|\PC|'s|’s|\.\.|e\.g\.|etc|Wed|St|can|km| |  |\n){0,14}"#
        ) {
            proptest::prop_assert_eq!(record(&text, false), record(&text, true), "{:?}", text);
        }
    }

    /// A chunk of one character is one token (or an exception's pieces) either way: every
    /// character of the Basic Multilingual Plane, and the first of each later plane.
    #[test]
    fn one_character_chunks_cut_as_the_general_rules_do() {
        let mut text = String::new();
        let chars = (0x80u32..0x1_0000).chain((1..=16).map(|p| p << 16));
        for c in chars
            .filter_map(char::from_u32)
            .filter(|&c| !is_py_space(c))
        {
            text.push(c);
            text.push(' ');
        }
        assert_eq!(record(&text, false), record(&text, true));
    }

    #[test]
    fn no_exception_is_letters_and_hyphens() {
        // The hyphenated-word fast path relies on it.
        for (k, _) in EXCEPTIONS {
            let shape = k.contains('-') && k.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-');
            assert!(!shape, "{k}");
        }
    }

    #[test]
    fn sentences_like_spacy_sentencizer() {
        let mut t = Tokenizer::default();
        assert_eq!(
            count_sentences("One. Two! Three? Four... five. e.g. six", &mut t),
            5
        );
        assert_eq!(count_sentences("No end", &mut t), 1);
        assert_eq!(count_sentences("He said \"Stop.\" Then left.", &mut t), 2);
        assert_eq!(count_sentences("", &mut t), 0);
        for text in ["One. Two!  ) Three", "A b.\t\"C d\"", "x. . y"] {
            let mut words = Vec::new();
            words_into(text, &mut words);
            assert_eq!(
                count_sentences_of(text, &words),
                count_sentences(text, &mut t),
                "{text:?}"
            );
        }
    }
}
