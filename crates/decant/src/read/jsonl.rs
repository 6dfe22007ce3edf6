//! One JSONL record: the text and id fields are read, every other field passes through as
//! the original bytes.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::{FieldNames, RawRecord, RecordError};
use crate::document::Origin;
use crate::Document;

/// The original bytes of a JSONL record, kept so that a record whose text did not change is
/// written back byte for byte, and one whose text changed keeps every other byte as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The original line (valid UTF-8, one JSON object, terminator removed).
    pub raw: String,
    /// Byte range of the text field's JSON string (quotes included) in `raw`.
    pub text_span: (usize, usize),
}

impl Record {
    /// The record with its text replaced by `text`; every other byte stays as it was.
    pub fn with_text(&self, text: &str) -> String {
        let (start, end) = self.text_span;
        let mut out = String::with_capacity(self.raw.len() + 16);
        out.push_str(&self.raw[..start]);
        out.push_str(&serde_json::to_string(text).expect("strings always serialize"));
        out.push_str(&self.raw[end..]);
        out
    }
}

/// The members of a JSON object with their values' raw text (which borrows from the input,
/// so its position is known). A repeated key keeps its last value, as readers of JSON do.
fn raw_members(object: &str) -> Option<std::collections::HashMap<String, &RawValue>> {
    serde_json::from_str(object).ok()
}

/// The metadata a record would be written with: the `metadata` object of `line` (one JSON
/// object; none for a record read from a text file) with `fields` set over it, as
/// [`with_metadata`] would set them; `None` when that is empty. A `metadata` that is not an
/// object is left out, as [`with_metadata`] leaves it alone.
pub fn metadata_of(
    line: Option<&str>,
    fields: &[(&'static str, serde_json::Value)],
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut map: serde_json::Map<String, serde_json::Value> = line
        // Most records have no metadata: a search for the key spares them a parse.
        .filter(|l| memchr::memmem::find(l.as_bytes(), b"\"metadata\"").is_some())
        .and_then(raw_members)
        .and_then(|m| serde_json::from_str(m.get("metadata")?.get()).ok())
        .unwrap_or_default();
    for (k, v) in fields {
        map.insert((*k).to_owned(), v.clone());
    }
    (!map.is_empty()).then_some(map)
}

/// Byte offset of `part` (a slice of `whole`) in `whole`.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// `line` (one JSON object) with `fields` set in its `metadata` object. Every other byte
/// stays as it was: a field the object already has gets its value replaced in place, the
/// others are added at the end of the object; a `metadata` that is `null` becomes an object;
/// a record without `metadata` gets one at its end. A line that is not an object, or whose
/// `metadata` is neither an object nor `null`, is returned unchanged.
pub fn with_metadata(line: &str, fields: &[(&'static str, serde_json::Value)]) -> String {
    if fields.is_empty() {
        return line.to_owned();
    }
    let json = |v: &serde_json::Value| serde_json::to_string(v).expect("values serialize");
    let key = |k: &str| serde_json::to_string(k).expect("strings serialize");
    let all_members = || {
        fields
            .iter()
            .map(|(k, v)| format!("{}:{}", key(k), json(v)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let Some(record) = raw_members(line) else {
        return line.to_owned();
    };
    let Some(meta) = record.get("metadata") else {
        let Some(close) = line.rfind('}') else {
            return line.to_owned();
        };
        let empty = line[..close].trim_end().ends_with('{');
        return format!(
            "{}{}\"metadata\":{{{}}}{}",
            &line[..close],
            if empty { "" } else { "," },
            all_members(),
            &line[close..]
        );
    };
    let value = meta.get();
    let start = offset(line, value);
    let end = start + value.len();
    let object = if value == "null" {
        format!("{{{}}}", all_members())
    } else {
        let Some(members) = value.starts_with('{').then(|| raw_members(value)).flatten() else {
            return line.to_owned();
        };
        // Replace existing values in place (last in the text first, so offsets hold), then
        // append the new members before the closing brace.
        let mut replace: Vec<(usize, usize, String)> = Vec::new();
        let mut append: Vec<String> = Vec::new();
        for (k, v) in fields {
            match members.get(*k) {
                Some(old) => {
                    let at = offset(value, old.get());
                    replace.push((at, at + old.get().len(), json(v)));
                }
                None => append.push(format!("{}:{}", key(k), json(v))),
            }
        }
        replace.sort_by_key(|r| std::cmp::Reverse(r.0));
        let mut object = value.to_owned();
        for (a, b, new) in replace {
            object.replace_range(a..b, &new);
        }
        if !append.is_empty() {
            let close = object.rfind('}').expect("an object ends with }");
            let empty = members.is_empty();
            object.insert_str(
                close,
                &format!("{}{}", if empty { "" } else { "," }, append.join(",")),
            );
        }
        object
    };
    format!("{}{object}{}", &line[..start], &line[end..])
}

#[derive(Default)]
struct Extracted<'de> {
    text: Option<&'de RawValue>,
    id: Option<serde_json::Value>,
}

struct Seed<'f>(&'f FieldNames);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Extracted<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Extracted<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Extracted<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extracted<'de>, A::Error> {
        let mut out = Extracted::default();
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if k == self.0.text {
                out.text = Some(map.next_value()?);
            } else if k == self.0.id {
                out.id = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Parses one JSONL line of `file` into a document.
pub fn parse_jsonl(
    file: &std::sync::Arc<str>,
    raw: RawRecord,
    fields: &FieldNames,
) -> Result<Document, RecordError> {
    let err = |reason: String, bytes: &[u8]| RecordError {
        file: file.clone(),
        line: raw.line,
        reason,
        raw: String::from_utf8_lossy(bytes).into_owned(),
    };
    let line = match String::from_utf8(raw.bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(err(format!("invalid UTF-8 at byte {at}"), e.as_bytes()));
        }
    };
    let mut de = serde_json::Deserializer::from_str(&line);
    let parsed = Seed(fields)
        .deserialize(&mut de)
        .and_then(|x| de.end().map(|()| x));
    let ex = match parsed {
        Ok(ex) => ex,
        Err(e) => return Err(err(format!("malformed JSON: {e}"), line.as_bytes())),
    };
    let Some(text_raw) = ex.text else {
        return Err(err(
            format!("missing text field `{}`", fields.text),
            line.as_bytes(),
        ));
    };
    let json = text_raw.get();
    // The raw value borrows from `line`: its offset is the text's place in the record.
    let start = json.as_ptr() as usize - line.as_ptr() as usize;
    let text_span = (start, start + json.len());
    let text = if json.starts_with('"') {
        // The parse above checked the string (no raw control characters, valid escapes);
        // without escapes its text is the bytes between the quotes, and the second parse
        // (2% of a filter run's instructions) is needed only for strings that have some.
        let inner = &json[1..json.len() - 1];
        if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
            inner.to_owned()
        } else {
            match serde_json::from_str::<String>(json) {
                Ok(t) => t,
                Err(e) => return Err(err(format!("malformed JSON: {e}"), line.as_bytes())),
            }
        }
    } else {
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        return Err(err(
            format!("field `{}` is {}, not a string", fields.text, kind(&v)),
            line.as_bytes(),
        ));
    };
    let id = match ex.id {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => format!("{file}:{}", raw.line),
    };
    Ok(Document {
        id,
        text,
        origin: Origin {
            file: file.clone(),
            line: raw.line,
        },
        record: Some(Record {
            raw: line,
            text_span,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Document, RecordError> {
        parse_jsonl(
            &"in.jsonl".into(),
            RawRecord {
                line: 7,
                bytes: line.as_bytes().to_vec(),
            },
            &FieldNames::default(),
        )
    }

    #[test]
    fn reads_text_and_id_and_keeps_the_rest() {
        let d = parse(r#"{"id": 12, "meta": {"a": [1, 2]}, "text": "caf\u00e9\nx"}"#).unwrap();
        assert_eq!(d.id, "12");
        assert_eq!(d.text, "café\nx");
        let out = d.record.unwrap().with_text("new \"t\"");
        assert_eq!(
            out,
            r#"{"id": 12, "meta": {"a": [1, 2]}, "text": "new \"t\""}"#
        );
    }

    proptest::proptest! {
        /// Any text, written as JSON (escaped where it must be, as is where it may be, the
        /// two ways of reading it), reads back as it was.
        #[test]
        fn any_text_reads_back(text in "\\PC*|[a-z\"\\\\\n\t\u{1}é€😀 ]*", escape_all: bool) {
            let json = if escape_all {
                text.encode_utf16().fold(String::new(), |mut s, u| {
                    use std::fmt::Write as _;
                    write!(s, "\\u{u:04x}").unwrap();
                    s
                })
            } else {
                let quoted = serde_json::to_string(&text).unwrap();
                quoted[1..quoted.len() - 1].to_owned()
            };
            let line = format!("{{\"id\": 1, \"text\": \"{json}\"}}");
            let doc = parse(&line).unwrap();
            proptest::prop_assert_eq!(&doc.text, &text);
            if !escape_all {
                proptest::prop_assert_eq!(doc.record.unwrap().with_text(&text), line);
            }
        }
    }

    #[test]
    fn made_id_names_file_and_line() {
        assert_eq!(parse(r#"{"text": "x"}"#).unwrap().id, "in.jsonl:7");
    }

    #[test]
    fn bad_records_say_why() {
        let reason = |l: &str| parse(l).unwrap_err().reason;
        assert!(reason(r#"{"text": "x""#).starts_with("malformed JSON"));
        assert!(reason(r#"{"text": "x"} trailing"#).starts_with("malformed JSON"));
        assert!(reason("[1, 2]").starts_with("malformed JSON"));
        assert_eq!(reason(r#"{"body": "x"}"#), "missing text field `text`");
        assert_eq!(
            reason(r#"{"text": 5}"#),
            "field `text` is a number, not a string"
        );
        assert_eq!(
            reason(r#"{"text": null}"#),
            "field `text` is null, not a string"
        );
        // Raw control characters and bad escapes are refused, with or without other escapes
        // in the string.
        assert!(reason("{\"text\": \"a\tb\"}").starts_with("malformed JSON"));
        assert!(reason("{\"text\": \"a\\n\tb\"}").starts_with("malformed JSON"));
        assert!(reason(r#"{"text": "a\qb"}"#).starts_with("malformed JSON"));
        assert!(reason(r#"{"text": "a\ud800"}"#).starts_with("malformed JSON"));
        let bad = parse_jsonl(
            &"in.jsonl".into(),
            RawRecord {
                line: 3,
                bytes: b"{\"text\": \"\xff\"}".to_vec(),
            },
            &FieldNames::default(),
        )
        .unwrap_err();
        assert_eq!(
            (bad.line, bad.reason.as_str()),
            (3, "invalid UTF-8 at byte 10")
        );
    }

    #[test]
    fn metadata_of_a_record_is_its_own_with_the_fields_over_it() {
        let f = [("language", serde_json::Value::from("en"))];
        let of = |line: Option<&str>, f: &[(&'static str, serde_json::Value)]| {
            metadata_of(line, f).map(|m| serde_json::Value::Object(m).to_string())
        };
        assert_eq!(
            of(
                Some(r#"{"text":"a","metadata":{"url":"u","language":"fr"}}"#),
                &f
            )
            .as_deref(),
            Some(r#"{"language":"en","url":"u"}"#)
        );
        assert_eq!(
            of(Some(r#"{"text":"a","metadata":{"url":"u"}}"#), &[]).as_deref(),
            Some(r#"{"url":"u"}"#)
        );
        // No metadata, a null one, one that is no object, or a text that only mentions it.
        assert_eq!(of(Some(r#"{"text":"a"}"#), &[]), None);
        assert_eq!(of(Some(r#"{"text":"a","metadata":null}"#), &[]), None);
        assert_eq!(of(Some(r#"{"text":"a","metadata":"none"}"#), &[]), None);
        assert_eq!(of(Some(r#"{"text":"\"metadata\""}"#), &[]), None);
        assert_eq!(of(None, &f).as_deref(), Some(r#"{"language":"en"}"#));
        assert_eq!(of(None, &[]), None);
    }

    #[test]
    fn metadata_is_added_merged_or_rewritten() {
        let f = [
            ("language", serde_json::Value::from("en")),
            ("language_score", serde_json::Value::from(0.93)),
        ];
        assert_eq!(
            with_metadata(r#"{"text": "a", "id": 1}"#, &f),
            r#"{"text": "a", "id": 1,"metadata":{"language":"en","language_score":0.93}}"#
        );
        assert_eq!(
            with_metadata(r#"{"text":"a","metadata":{"url":"u"},"z":[1]}"#, &f),
            r#"{"text":"a","metadata":{"url":"u","language":"en","language_score":0.93},"z":[1]}"#
        );
        assert_eq!(
            with_metadata(r#"{"text":"a","metadata": {} }"#, &f),
            r#"{"text":"a","metadata": {"language":"en","language_score":0.93} }"#
        );
        // Values already there are replaced in place; nothing else changes, not even the
        // spelling of numbers and escapes.
        assert_eq!(
            with_metadata(
                r#"{"text":"a","metadata":{"n":12345678901234567890123,"language":"fr","s":"caf\u00e9","e":1e3}}"#,
                &f
            ),
            r#"{"text":"a","metadata":{"n":12345678901234567890123,"language":"en","s":"caf\u00e9","e":1e3,"language_score":0.93}}"#
        );
        // A null metadata becomes an object (never a second "metadata" key).
        assert_eq!(
            with_metadata(r#"{"text":"a","metadata":null,"id":2}"#, &f),
            r#"{"text":"a","metadata":{"language":"en","language_score":0.93},"id":2}"#
        );
        let odd = r#"{"text":"a","metadata":"none"}"#;
        assert_eq!(with_metadata(odd, &f), odd);
        assert_eq!(with_metadata(odd, &[]), odd);
    }
}
