//! The document, the only type passed between steps.

use std::sync::Arc;

/// Where a document came from: its file (`-` for standard input) and 1-based line (for
/// JSONL; 1 for a text file). The pair is the document's stable key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// The input file as the user named it (or as found under a named directory).
    pub file: Arc<str>,
    /// 1-based line of the record in that file.
    pub line: u64,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The id from the record's id field, or one made from file and line when absent.
    pub id: String,
    /// The text.
    pub text: String,
    /// Where it came from.
    pub origin: Origin,
    /// For a JSONL record: the original line and the record's fields, so that every field
    /// other than the text passes through untouched.
    pub record: Option<crate::read::Record>,
}
