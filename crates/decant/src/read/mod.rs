//! Readers: which files a run reads, how each is decompressed, and how its bytes become
//! documents.
//!
//! The format follows the extension: `.txt` (one document per file), `.jsonl`, `.ndjson`,
//! `.json` (one JSON object per line), each optionally compressed as `.gz` or `.zst`, and
//! `.parquet` (one document per row: each row becomes a JSON object, so every column passes
//! through the same record path as a JSONL field), and `.warc`/`.wet` (optionally `.gz`: each
//! text record becomes a document `{id, text, metadata: {url, date, warc_record_id,
//! warc_type, content_type}}`; records that hold no text — requests, metadata, HTML pages —
//! are counted as skipped, by reason). A directory is read recursively in sorted order; `-`
//! is JSONL on standard input.
//!
//! Reading is split in two so that parsing runs in parallel: [`RawReader`] yields the raw
//! bytes of each record with its line number (cheap, sequential), and [`parse`] turns one
//! raw record into a [`Document`] or a [`RecordError`] (pure, parallel).

mod jsonl;
pub mod parquet;
pub mod warc;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use jsonl::{metadata_of, parse_jsonl, with_metadata, Record};

use crate::document::Origin;
use crate::{Document, Error, Result};

/// How the records of a file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The whole file is one document.
    Text,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet: one document per row; its "line" is the 1-based row number.
    Parquet,
    /// WARC or WET: one document per text record; its line is the record's first line.
    Warc,
}

/// How a file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`, `.zstd`).
    Zstd,
}

/// Format and compression from a file name, or `None` for a name decant does not read.
pub fn detect(path: &Path) -> Option<(Format, Compression)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (stem, compression) = if let Some(s) = name.strip_suffix(".gz") {
        (s, Compression::Gzip)
    } else if let Some(s) = name
        .strip_suffix(".zst")
        .or_else(|| name.strip_suffix(".zstd"))
    {
        (s, Compression::Zstd)
    } else {
        (name.as_str(), Compression::None)
    };
    let ext = Path::new(stem).extension()?.to_str()?;
    let format = match ext {
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "txt" | "text" => Format::Text,
        // Parquet compresses inside the file.
        "parquet" if compression == Compression::None => Format::Parquet,
        "warc" | "wet" => Format::Warc,
        _ => return None,
    };
    Some((format, compression))
}

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where it is; `-` for standard input.
    pub path: PathBuf,
    /// The path as shown in messages and ids.
    pub display: Arc<str>,
    /// The path relative to the directory it was found under (the file name for a named
    /// file), used to mirror inputs in an output directory.
    pub relative: PathBuf,
    /// Its format.
    pub format: Format,
    /// Its compression.
    pub compression: Compression,
    /// Only part of the file (a shard of a large uncompressed JSONL file).
    pub slice: Option<Slice>,
    /// For a file decant wrote itself (a run's intermediate shard): the original line of
    /// each record in order, so that ids and messages name where each document came from.
    pub lines: Option<Arc<[u64]>>,
    /// The field names this file's records use, when they are not the run's (a run's
    /// intermediate shard of a WARC file, whose records decant wrote with its own names).
    pub fields: Option<Arc<FieldNames>>,
}

/// A byte range of a file, starting at the beginning of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// Lines before `start` (so the first line of the slice is `lines_before + 1`).
    pub lines_before: u64,
}

impl InputFile {
    /// Standard input, read as JSONL.
    pub fn stdin() -> Self {
        InputFile {
            path: PathBuf::from("-"),
            display: Arc::from("-"),
            relative: PathBuf::from("stdin.jsonl"),
            format: Format::Jsonl,
            compression: Compression::None,
            slice: None,
            lines: None,
            fields: None,
        }
    }

    fn named(path: &Path, relative: PathBuf) -> Result<Self> {
        let (format, compression) = detect(path).ok_or_else(|| Error::Unsupported {
            path: path.to_owned(),
            message: "unknown format: expected .txt, .jsonl, .ndjson, .json, .warc or .wet \
                      (optionally compressed as .gz or .zst), or .parquet"
                .into(),
        })?;
        Ok(InputFile {
            path: path.to_owned(),
            display: Arc::from(path.to_string_lossy().as_ref()),
            relative,
            format,
            compression,
            slice: None,
            lines: None,
            fields: None,
        })
    }
}

/// Expands the user's inputs: files as named, directories recursively (sorted, skipping
/// files whose format decant does not read), `-` as standard input.
pub fn expand_inputs(args: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            out.push(InputFile::stdin());
            continue;
        }
        let meta = std::fs::metadata(arg).map_err(|e| Error::io(arg, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(arg, &mut files)?;
            files.sort();
            for f in files {
                if detect(&f).is_some() {
                    let rel = f.strip_prefix(arg).unwrap_or(&f).to_owned();
                    out.push(InputFile::named(&f, rel)?);
                }
            }
        } else {
            let rel = PathBuf::from(arg.file_name().unwrap_or(arg.as_os_str()));
            out.push(InputFile::named(arg, rel)?);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Opens an input for reading, decompressing as its name says.
pub fn open(input: &InputFile) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if input.path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        let mut file = File::open(&input.path).map_err(|e| Error::io(&input.path, e))?;
        match input.slice {
            Some(slice) => {
                use std::io::Seek;
                file.seek(io::SeekFrom::Start(slice.start))
                    .map_err(|e| Error::io(&input.path, e))?;
                Box::new(file.take(slice.end - slice.start))
            }
            None => Box::new(file),
        }
    };
    let cap = 1 << 20;
    Ok(match input.compression {
        Compression::None => Box::new(BufReader::with_capacity(cap, raw)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            cap,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(cap, raw)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            cap,
            zstd::stream::read::Decoder::new(raw).map_err(|e| Error::io(&input.path, e))?,
        )),
    })
}

/// A record that could not be read, set aside with why and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// The input file.
    pub file: Arc<str>,
    /// 1-based line of the record (for a text file, the line of the first bad byte); 0
    /// when the file itself could not be opened.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
    /// The record's bytes as read (invalid UTF-8 replaced by U+FFFD).
    pub raw: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// The bytes of one record, not yet parsed.
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Its bytes, line terminator removed.
    pub bytes: Vec<u8>,
}

/// Names of the JSON fields that hold a record's text and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    /// The text field (default `text`).
    pub text: String,
    /// The id field (default `id`).
    pub id: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            text: "text".into(),
            id: "id".into(),
        }
    }
}

/// Yields the raw records of one input: each line of a JSONL file, the whole of a text
/// file, or each row of a Parquet file (as a JSON object). A stream that breaks (a truncated
/// archive, a read error) yields one error naming the line where it broke, with the bytes
/// read so far, and then ends.
pub struct RawReader {
    input: InputFile,
    source: Option<Source>,
    line: u64,
    skipped: std::collections::BTreeMap<String, u64>,
}

enum Source {
    Stream(Box<dyn BufRead + Send>),
    Parquet(parquet::ParquetRows),
    Warc(warc::WarcReader<Box<dyn BufRead + Send>>),
}

impl RawReader {
    /// Opens `input`.
    pub fn open(input: &InputFile) -> Result<Self> {
        let source = match input.format {
            Format::Parquet => Source::Parquet(parquet::ParquetRows::open(input)?),
            Format::Warc => Source::Warc(warc::WarcReader::new(open(input)?)),
            Format::Text | Format::Jsonl => Source::Stream(open(input)?),
        };
        Ok(RawReader {
            source: Some(source),
            input: input.clone(),
            line: input.slice.map_or(0, |s| s.lines_before),
            skipped: std::collections::BTreeMap::new(),
        })
    }

    /// The next text record of a WARC file (records without text are counted as skipped).
    fn next_warc(&mut self) -> Option<<Self as Iterator>::Item> {
        let Some(Source::Warc(records)) = self.source.as_mut() else {
            return None;
        };
        loop {
            match records.next() {
                None => {
                    self.source = None;
                    return None;
                }
                Some(Err(e)) => {
                    self.line = e.line;
                    let reason = format!("{}; the rest of the file is not read", e.message);
                    self.source = None;
                    return Some(Err(RecordError {
                        file: self.input.display.clone(),
                        line: e.line,
                        reason,
                        raw: String::from_utf8_lossy(&e.raw).into_owned(),
                    }));
                }
                Some(Ok(record)) => {
                    self.line = record.line;
                    match warc::content(&record) {
                        Ok(warc::Content::Skip(why)) => {
                            *self.skipped.entry(why).or_default() += 1;
                        }
                        Ok(warc::Content::Text(t)) => {
                            return Some(Ok(RawRecord {
                                line: record.line,
                                bytes: warc_json(&t),
                            }));
                        }
                        Err(why) => {
                            return Some(Err(RecordError {
                                file: self.input.display.clone(),
                                line: record.line,
                                reason: format!("WARC record: {why}"),
                                raw: String::from_utf8_lossy(&record.raw[..record.block_start])
                                    .into_owned(),
                            }))
                        }
                    }
                }
            }
        }
    }

    /// Records read since the last call that are not documents (WARC requests, metadata,
    /// HTML pages...), by reason.
    pub fn take_skipped(&mut self) -> std::collections::BTreeMap<String, u64> {
        std::mem::take(&mut self.skipped)
    }

    fn broken(&mut self, e: &dyn std::fmt::Display, bytes: &[u8]) -> RecordError {
        self.source = None;
        RecordError {
            file: self.input.display.clone(),
            line: self.line,
            reason: format!(
                "stream ends early or is corrupt ({e}); the rest of the file is not read"
            ),
            raw: String::from_utf8_lossy(bytes).into_owned(),
        }
    }
}

impl Iterator for RawReader {
    type Item = std::result::Result<RawRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let reader = match self.source.as_mut()? {
            Source::Stream(reader) => reader,
            Source::Warc(_) => return self.next_warc(),
            Source::Parquet(rows) => {
                self.line += 1;
                return match rows.next_row() {
                    Ok(Some(bytes)) => Some(Ok(RawRecord {
                        line: self.line,
                        bytes,
                    })),
                    Ok(None) => {
                        self.source = None;
                        None
                    }
                    Err(e) => Some(Err(self.broken(&e, &[]))),
                };
            }
        };
        match self.input.format {
            Format::Text => {
                let mut bytes = Vec::new();
                let r = reader.read_to_end(&mut bytes);
                self.line = 1;
                match r {
                    Ok(_) => {
                        self.source = None;
                        Some(Ok(RawRecord { line: 1, bytes }))
                    }
                    Err(e) => Some(Err(self.broken(&e, &bytes))),
                }
            }
            Format::Jsonl | Format::Parquet | Format::Warc => loop {
                let mut bytes = Vec::new();
                self.line += 1;
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => {
                        self.source = None;
                        return None;
                    }
                    Ok(_) => {
                        if bytes.last() == Some(&b'\n') {
                            bytes.pop();
                            if bytes.last() == Some(&b'\r') {
                                bytes.pop();
                            }
                        }
                        if bytes.iter().all(u8::is_ascii_whitespace) {
                            continue; // a blank line is not a record
                        }
                        return Some(Ok(RawRecord {
                            line: self.line,
                            bytes,
                        }));
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        self.line -= 1;
                    }
                    Err(e) => return Some(Err(self.broken(&e, &bytes))),
                }
            },
        }
    }
}

/// A WARC text record as the JSON object its document is read from.
fn warc_json(t: &warc::WarcText) -> Vec<u8> {
    let record = serde_json::json!({
        "id": t.record_id,
        "text": t.text,
        "metadata": {
            "url": t.url,
            "date": t.date,
            "warc_record_id": t.record_id,
            "warc_type": t.warc_type,
            "content_type": t.content_type,
        },
    });
    serde_json::to_vec(&record).expect("JSON values serialize")
}

/// Parses one raw record of `input` into a document.
pub fn parse(
    input: &InputFile,
    mut raw: RawRecord,
    fields: &FieldNames,
) -> std::result::Result<Document, RecordError> {
    let fields = input.fields.as_deref().unwrap_or(fields);
    if let Some(lines) = &input.lines {
        if let Some(&line) = usize::try_from(raw.line - 1)
            .ok()
            .and_then(|i| lines.get(i))
        {
            raw.line = line;
        }
    }
    match input.format {
        Format::Jsonl | Format::Parquet => parse_jsonl(&input.display, raw, fields),
        // decant writes these records itself, with its own field names.
        Format::Warc => parse_jsonl(&input.display, raw, &FieldNames::default()),
        Format::Text => match String::from_utf8(raw.bytes) {
            Ok(text) => Ok(Document {
                id: input.display.to_string(),
                text,
                origin: Origin {
                    file: input.display.clone(),
                    line: 1,
                },
                record: None,
            }),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                Err(RecordError {
                    file: input.display.clone(),
                    line,
                    reason: format!("invalid UTF-8 at byte {at}"),
                    raw: String::from_utf8_lossy(&bytes).into_owned(),
                })
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_extensions() {
        let d = |s: &str| detect(Path::new(s));
        assert_eq!(d("a.jsonl"), Some((Format::Jsonl, Compression::None)));
        assert_eq!(d("a.JSONL.GZ"), Some((Format::Jsonl, Compression::Gzip)));
        assert_eq!(d("x/a.json.zst"), Some((Format::Jsonl, Compression::Zstd)));
        assert_eq!(d("a.txt"), Some((Format::Text, Compression::None)));
        assert_eq!(d("a.txt.gz"), Some((Format::Text, Compression::Gzip)));
        assert_eq!(d("a.parquet"), Some((Format::Parquet, Compression::None)));
        assert_eq!(d("a.parquet.gz"), None);
        assert_eq!(d("README"), None);
    }
}
