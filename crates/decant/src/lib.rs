//! decant turns raw scraped web and news text into clean, deduplicated corpora.
//!
//! The library knows nothing of terminals, flags or Python: the `decant` binary parses
//! arguments, builds a config and calls in here.
//!
//! ```
//! use decant::repair::Repairer;
//!
//! let page = "Kerry to meet Lavrov in Laos next week, the State Department said on Friday.\n\
//!             Advertisement\n\
//!             The talks will cover the ceasefire in Syria and aid deliveries to Aleppo, officials said.\n\
//!             Kerry to meet Lavrov in Laos next week, the State Department said on Friday.\n\
//!             The talks will cover the ceasefire in Syria and aid deliveries to Aleppo, officials said.";
//! let repaired = Repairer::default().repair(page);
//! assert_eq!(
//!     repaired.text,
//!     "Kerry to meet Lavrov in Laos next week, the State Department said on Friday.\n\
//!      The talks will cover the ceasefire in Syria and aid deliveries to Aleppo, officials said."
//! );
//! let reasons: Vec<_> = repaired.edits.iter().map(|e| e.reason.name()).collect();
//! assert_eq!(reasons, ["boilerplate_line", "repeated_block"]);
//! ```
#![deny(missing_docs)]

pub mod dedup;
pub mod document;
pub mod error;
pub mod explain;
pub mod filter;
pub mod lang;
pub mod pipeline;
pub mod read;
pub mod repair;
pub mod report;
pub mod run;
pub mod step;
pub mod text;
pub mod write;

pub use document::Document;
pub use error::{Error, Result};
