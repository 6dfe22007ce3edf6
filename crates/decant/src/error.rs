//! The library's error type.

use std::path::PathBuf;

/// Errors that stop an operation. Problems with single records are not errors of this kind:
/// they are [`crate::read::RecordError`]s, set aside while the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a named file. The cause is part of the message (and not also a
    /// `source`, so that error chains do not print it twice).
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
    /// An input or output that decant cannot handle.
    #[error("{path}: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A configuration that makes no sense.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
