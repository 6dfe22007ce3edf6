//! Writers: compression follows the output file's extension (`.gz`, `.zst`), like the
//! readers. A `.parquet` output is written as JSON lines to a temporary file beside it and
//! converted when finished (see [`crate::read::parquet`]). Every writer is finished
//! explicitly so that a failed flush is an error, not a silently short file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::read::{detect, Compression, Format};
use crate::{Error, Result};

enum Inner {
    Plain(BufWriter<Box<dyn Write + Send>>),
    Gzip(flate2::write::GzEncoder<BufWriter<Box<dyn Write + Send>>>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<Box<dyn Write + Send>>>),
    /// JSON lines to a temporary file, converted to Parquet by `finish`.
    Parquet(BufWriter<Box<dyn Write + Send>>, PathBuf),
}

/// A file (or standard output) being written, compressed as its name says.
pub struct Output {
    path: PathBuf,
    inner: Inner,
    /// Reused for escaping, so that writing a record allocates nothing.
    scratch: Vec<u8>,
}

impl Output {
    /// Creates `path` (and its parent directories); `-` is standard output.
    pub fn create(path: &Path) -> Result<Self> {
        if matches!(detect(path), Some((Format::Parquet, _))) {
            let mut tmp = path.as_os_str().to_owned();
            // Not named .jsonl: a folder of outputs read again must not pick it up.
            tmp.push(".partial");
            let tmp = PathBuf::from(tmp);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            let file: Box<dyn Write + Send> =
                Box::new(File::create(&tmp).map_err(|e| Error::io(&tmp, e))?);
            return Ok(Output {
                path: path.to_owned(),
                inner: Inner::Parquet(BufWriter::with_capacity(1 << 20, file), tmp),
                scratch: Vec::new(),
            });
        }
        let sink: Box<dyn Write + Send> = if path.as_os_str() == "-" {
            Box::new(io::stdout())
        } else {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            Box::new(File::create(path).map_err(|e| Error::io(path, e))?)
        };
        let buf = BufWriter::with_capacity(1 << 20, sink);
        let compression = detect(path).map_or(Compression::None, |(_, c)| c);
        let inner = match compression {
            Compression::None => Inner::Plain(buf),
            Compression::Gzip => Inner::Gzip(flate2::write::GzEncoder::new(
                buf,
                flate2::Compression::default(),
            )),
            Compression::Zstd => Inner::Zstd(
                zstd::stream::write::Encoder::new(buf, 3).map_err(|e| Error::io(path, e))?,
            ),
        };
        Ok(Output {
            path: path.to_owned(),
            inner,
            scratch: Vec::new(),
        })
    }

    /// The path written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let r = match &mut self.inner {
            Inner::Plain(w) | Inner::Parquet(w, _) => w.write_all(bytes),
            Inner::Gzip(w) => w.write_all(bytes),
            Inner::Zstd(w) => w.write_all(bytes),
        };
        r.map_err(|e| Error::io(&self.path, e))
    }

    /// Writes `text` as a JSON string, byte for byte what `serde_json` writes, but
    /// copying clean 16-byte chunks whole instead of looking up every byte.
    pub fn write_json_str(&mut self, text: &str) -> Result<()> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        escape_json_str(text, &mut buf);
        let r = self.write_all(&buf);
        self.scratch = buf;
        r
    }

    /// Writes one JSON value (no newline).
    pub fn write_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let r = match &mut self.inner {
            Inner::Plain(w) | Inner::Parquet(w, _) => serde_json::to_writer(w, value),
            Inner::Gzip(w) => serde_json::to_writer(w, value),
            Inner::Zstd(w) => serde_json::to_writer(w, value),
        };
        r.map_err(|e| Error::io(&self.path, e.into()))
    }

    /// Writes one JSON value and a newline.
    pub fn write_json_line<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let mut line =
            serde_json::to_vec(value).map_err(|e| Error::io(&self.path, io::Error::other(e)))?;
        line.push(b'\n');
        self.write_all(&line)
    }

    /// Finishes the stream (compression trailer, flush).
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let r = match self.inner {
            Inner::Plain(mut w) => w.flush(),
            Inner::Gzip(w) => w.finish().and_then(|mut w| w.flush()),
            Inner::Zstd(w) => w.finish().and_then(|mut w| w.flush()),
            Inner::Parquet(mut w, tmp) => {
                w.flush().map_err(|e| Error::io(&tmp, e))?;
                drop(w);
                let converted = crate::read::parquet::jsonl_to_parquet(&tmp, &path);
                let removed = std::fs::remove_file(&tmp).map_err(|e| Error::io(&tmp, e));
                return converted.and(removed);
            }
        };
        r.map_err(|e| Error::io(path, e))
    }
}

/// Appends `text` to `out` as a JSON string (quotes included), escaped exactly as
/// `serde_json` escapes it: `"` and `\\` with a backslash, `\b \f \n \r \t` short, other
/// control characters as `\u00XX`, everything else as is.
pub fn escape_json_str(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let needs = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let bytes = text.as_bytes();
    out.push(b'"');
    let mut clean_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip clean 16-byte chunks without a branch per byte (this loop vectorizes).
        if i + 16 <= bytes.len() && !bytes[i..i + 16].iter().fold(false, |a, &b| a | needs(b)) {
            i += 16;
            continue;
        }
        let b = bytes[i];
        if needs(b) {
            out.extend_from_slice(&bytes[clean_from..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0C => out.extend_from_slice(b"\\f"),
                _ => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xF)],
                ]),
            }
            clean_from = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[clean_from..]);
    out.push(b'"');
}

/// Whether `path` names a JSONL or Parquet file (so the output is one file rather than a
/// directory).
pub fn is_jsonl_path(path: &Path) -> bool {
    matches!(detect(path), Some((Format::Jsonl | Format::Parquet, _)))
}

/// A JSONL file created on the first record, so that a run without errors leaves no
/// empty errors file behind.
pub struct LazyJsonl {
    path: PathBuf,
    out: Option<Output>,
}

impl LazyJsonl {
    /// A file at `path`, not created yet.
    pub fn new(path: PathBuf) -> Self {
        LazyJsonl { path, out: None }
    }

    /// Appends one record.
    pub fn write<T: Serialize>(&mut self, value: &T) -> Result<()> {
        if self.out.is_none() {
            self.out = Some(Output::create(&self.path)?);
        }
        self.out
            .as_mut()
            .expect("created above")
            .write_json_line(value)
    }

    /// Finishes the file if it was created.
    pub fn finish(self) -> Result<()> {
        self.out.map_or(Ok(()), Output::finish)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn escaping_matches_serde_json(s in "(\\PC|[\\x00-\\x1f\"\\\\/\\x7f]){0,80}") {
            let mut out = Vec::new();
            escape_json_str(&s, &mut out);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }
    }
}
