//! Writers: compression follows the output file's extension (`.gz`, `.zst`), like the
//! readers. Every writer is finished explicitly so that a failed flush is an error, not a
//! silently short file.

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
}

/// A file (or standard output) being written, compressed as its name says.
pub struct Output {
    path: PathBuf,
    inner: Inner,
}

impl Output {
    /// Creates `path` (and its parent directories); `-` is standard output.
    pub fn create(path: &Path) -> Result<Self> {
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
        })
    }

    /// The path written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let r = match &mut self.inner {
            Inner::Plain(w) => w.write_all(bytes),
            Inner::Gzip(w) => w.write_all(bytes),
            Inner::Zstd(w) => w.write_all(bytes),
        };
        r.map_err(|e| Error::io(&self.path, e))
    }

    /// Writes one JSON value (no newline).
    pub fn write_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let r = match &mut self.inner {
            Inner::Plain(w) => serde_json::to_writer(w, value),
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
        };
        r.map_err(|e| Error::io(path, e))
    }
}

/// Whether `path` names a JSONL file (so the output is one file rather than a directory).
pub fn is_jsonl_path(path: &Path) -> bool {
    matches!(detect(path), Some((Format::Jsonl, _)))
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
