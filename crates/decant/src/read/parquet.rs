//! Parquet in and out, through JSON: a row read becomes one JSON object (every column a
//! field, so the text and id columns are found by name and the others pass through as they
//! do for JSONL), and a Parquet file is written from JSON lines with a schema inferred from
//! all of them.
//!
//! What a round trip keeps: every field and value. What it may change: JSON numbers with a
//! fraction in some rows and none in others become floats in every row (one column type);
//! a field absent from some rows is written as `null` there (Parquet has a column for it in
//! every row); Parquet types without a JSON form (binary, timestamps) are written as arrow's
//! JSON writer writes them (base16 strings, ISO 8601 strings).

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek};
use std::path::Path;
use std::sync::Arc;

use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::{Compression, ZstdLevel};
use ::parquet::file::properties::WriterProperties;

use super::InputFile;
use crate::{Error, Result};

/// Rows read per batch.
const BATCH_ROWS: usize = 1024;

/// The rows of one Parquet file, each as the bytes of one JSON object.
pub struct ParquetRows {
    batches: ParquetRecordBatchReader,
    pending: std::vec::IntoIter<Vec<u8>>,
}

impl ParquetRows {
    /// Opens `input` and reads its footer (schema and row groups).
    pub fn open(input: &InputFile) -> Result<Self> {
        if input.path.as_os_str() == "-" {
            return Err(Error::Unsupported {
                path: input.path.clone(),
                message: "Parquet cannot be read from standard input".into(),
            });
        }
        let file = File::open(&input.path).map_err(|e| Error::io(&input.path, e))?;
        let batches = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
            .map_err(|e| Error::Unsupported {
                path: input.path.clone(),
                message: format!("not a readable Parquet file: {e}"),
            })?;
        Ok(ParquetRows {
            batches,
            pending: Vec::new().into_iter(),
        })
    }

    /// The next row as a JSON object, `None` after the last, or why the file cannot be read
    /// further.
    pub fn next_row(&mut self) -> std::result::Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(row) = self.pending.next() {
                return Ok(Some(row));
            }
            let Some(batch) = self.batches.next() else {
                return Ok(None);
            };
            let batch = batch.map_err(|e| e.to_string())?;
            let mut buf = Vec::new();
            {
                let mut w = arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow_json::writer::LineDelimited>(&mut buf);
                w.write(&batch).map_err(|e| e.to_string())?;
                w.finish().map_err(|e| e.to_string())?;
            }
            let rows: Vec<Vec<u8>> = buf
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
            self.pending = rows.into_iter();
        }
    }
}

/// Writes the JSON lines of `jsonl` as the Parquet file `out` (zstd-compressed), with a
/// schema inferred from every line.
pub fn jsonl_to_parquet(jsonl: &Path, out: &Path) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::io(
            out,
            std::io::Error::other(format!("cannot write Parquet: {e}")),
        )
    };
    let mut reader =
        BufReader::with_capacity(1 << 20, File::open(jsonl).map_err(|e| Error::io(jsonl, e))?);
    let (schema, _) =
        arrow_json::reader::infer_json_schema(&mut reader, None).map_err(|e| fail(&e))?;
    reader.rewind().map_err(|e| Error::io(jsonl, e))?;
    let schema = if schema.fields().is_empty() {
        // No row: Parquet needs at least one column, and the file must still be readable.
        arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "text",
            arrow_schema::DataType::Utf8,
            true,
        )])
    } else {
        schema
    };
    let schema = Arc::new(schema);
    let rows = arrow_json::ReaderBuilder::new(schema.clone())
        .with_batch_size(8192)
        // A field that is a number in one row and a string in another is a string column.
        .with_coerce_primitive(true)
        .build(reader)
        .map_err(|e| fail(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| fail(&e))?,
        ))
        .build();
    // Written under a temporary name and renamed when complete: a crash never leaves a
    // truncated file under the final name.
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let file =
        BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(|e| Error::io(&tmp, e))?);
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| fail(&e))?;
    for batch in rows {
        writer
            .write(&batch.map_err(|e| fail(&e))?)
            .map_err(|e| fail(&e))?;
    }
    writer.close().map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{FieldNames, RawReader};

    fn rows_of(path: &Path) -> Vec<serde_json::Value> {
        let input = crate::read::expand_inputs(&[path.to_owned()])
            .unwrap()
            .remove(0);
        RawReader::open(&input)
            .unwrap()
            .map(|r| serde_json::from_slice(&r.unwrap().bytes).unwrap())
            .collect()
    }

    #[test]
    fn jsonl_to_parquet_and_back_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("in.jsonl");
        let lines = [
            r#"{"id":"a","text":"café\n\"quoted\"","n":3,"score":0.5,"tags":["x","y"],"meta":{"url":"http://e.x/1","lang":"en"},"gone":null}"#,
            r#"{"id":"b","text":"second","n":-7,"score":2.25,"tags":[],"meta":{"url":"http://e.x/2","lang":"fr"},"gone":null}"#,
        ];
        std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
        let pq = dir.path().join("out.parquet");
        jsonl_to_parquet(&jsonl, &pq).unwrap();
        let back = rows_of(&pq);
        let want: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, want);
        // The rows parse as documents like JSONL lines do.
        let input = crate::read::expand_inputs(&[pq]).unwrap().remove(0);
        let docs: Vec<_> = RawReader::open(&input)
            .unwrap()
            .map(|r| crate::read::parse(&input, r.unwrap(), &FieldNames::default()).unwrap())
            .collect();
        assert_eq!(docs[0].text, "café\n\"quoted\"");
        assert_eq!((docs[1].id.as_str(), docs[1].origin.line), ("b", 2));
    }

    #[test]
    fn a_field_that_is_a_number_here_and_a_string_there_becomes_a_string_column() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("in.jsonl");
        std::fs::write(
            &jsonl,
            "{\"text\":\"a\",\"v\":1}\n{\"text\":\"b\",\"v\":\"x\"}\n",
        )
        .unwrap();
        let pq = dir.path().join("out.parquet");
        jsonl_to_parquet(&jsonl, &pq).unwrap();
        let rows = rows_of(&pq);
        assert_eq!(rows[0]["v"], "1");
        assert_eq!(rows[1]["v"], "x");
    }

    #[test]
    fn an_empty_output_is_a_readable_parquet_file() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("in.jsonl");
        std::fs::write(&jsonl, "").unwrap();
        let pq = dir.path().join("out.parquet");
        jsonl_to_parquet(&jsonl, &pq).unwrap();
        assert!(rows_of(&pq).is_empty());
    }

    #[test]
    fn a_file_that_is_not_parquet_fails_to_open_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.parquet");
        std::fs::write(&p, b"{\"text\": \"not parquet\"}\n").unwrap();
        let input = crate::read::expand_inputs(&[p]).unwrap().remove(0);
        let e = RawReader::open(&input).err().unwrap().to_string();
        assert!(e.contains("not a readable Parquet file"), "{e}");
    }
}
