//! Sorted run files and their k-way merge: how the stages hand records to each other without
//! any of them holding the whole corpus in memory.
//!
//! A run file is a sequence of fixed-size little-endian records ([`Fixed`]), sorted. The
//! sign stage's records are `(key: u128, doc: u64)` [`Entry`]s; a pair file is a sequence of
//! `(anchor: u64, doc: u64)` entries.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Bytes of one run entry.
pub const ENTRY: usize = 24;

/// One band key of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The band key (or the exact hash).
    pub key: u128,
    /// The document key.
    pub doc: u64,
}

/// A record of a run file: fixed size, little-endian, ordered as the file is sorted.
pub trait Fixed: Ord + Copy {
    /// Bytes per record.
    const SIZE: usize;
    /// Writes the record into `out` (`SIZE` bytes).
    fn encode(&self, out: &mut [u8]);
    /// Reads a record from `b` (`SIZE` bytes).
    fn decode(b: &[u8]) -> Self;
}

impl Fixed for Entry {
    const SIZE: usize = ENTRY;
    fn encode(&self, out: &mut [u8]) {
        out[..16].copy_from_slice(&self.key.to_le_bytes());
        out[16..24].copy_from_slice(&self.doc.to_le_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        Entry {
            key: u128::from_le_bytes(b[..16].try_into().expect("16 bytes")),
            doc: u64::from_le_bytes(b[16..24].try_into().expect("8 bytes")),
        }
    }
}

/// Sorts `records` and writes them to `path` as one run.
pub fn write_run<T: Fixed>(path: &Path, records: &mut [T]) -> Result<()> {
    records.sort_unstable();
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let mut buf = vec![0u8; T::SIZE];
    for r in records.iter() {
        r.encode(&mut buf);
        w.write_all(&buf).map_err(|e| Error::io(path, e))?;
    }
    w.flush().map_err(|e| Error::io(path, e))
}

/// Reads the records of one run file in order.
pub struct RunReader<T> {
    path: PathBuf,
    r: BufReader<File>,
    buf: Vec<u8>,
    _t: std::marker::PhantomData<T>,
}

impl<T: Fixed> RunReader<T> {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(RunReader {
            path: path.to_owned(),
            r: BufReader::with_capacity(1 << 16, f),
            buf: vec![0u8; T::SIZE],
            _t: std::marker::PhantomData,
        })
    }

    /// The next record, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<T>> {
        match self.r.read_exact(&mut self.buf) {
            Ok(()) => Ok(Some(T::decode(&self.buf))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }
}

/// A k-way merge of sorted runs, read one record at a time.
pub struct Merged<T> {
    readers: Vec<RunReader<T>>,
    heap: BinaryHeap<Reverse<(T, usize)>>,
}

impl<T: Fixed> Merged<T> {
    /// Opens the runs in `paths`.
    pub fn open(paths: &[PathBuf]) -> Result<Self> {
        let mut readers = paths
            .iter()
            .map(|p| RunReader::<T>::open(p))
            .collect::<Result<Vec<_>>>()?;
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(e) = r.next_record()? {
                heap.push(Reverse((e, i)));
            }
        }
        Ok(Merged { readers, heap })
    }

    /// The next record in order.
    pub fn next_record(&mut self) -> Result<Option<T>> {
        let Some(Reverse((e, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.readers[i].next_record()? {
            self.heap.push(Reverse((next, i)));
        }
        Ok(Some(e))
    }

    /// The next record, without taking it.
    pub fn peek(&self) -> Option<&T> {
        self.heap.peek().map(|r| &r.0 .0)
    }
}

/// Merges the sorted runs in `paths`, calling `each` with every record in order. Memory:
/// one buffer per run.
pub fn merge<T: Fixed>(paths: &[PathBuf], mut each: impl FnMut(T) -> Result<()>) -> Result<()> {
    let mut merged = Merged::<T>::open(paths)?;
    while let Some(r) = merged.next_record()? {
        each(r)?;
    }
    Ok(())
}

/// At most this many run files are merged (and so open) at once.
pub const MAX_FAN_IN: usize = 64;

/// Merges runs, `MAX_FAN_IN` at a time, into new runs in `dir` until at most `MAX_FAN_IN`
/// remain; returns them (the merged inputs are deleted). Keeps any merge within the
/// process's limit on open files, however many runs a small memory budget produced.
pub fn compact<T: Fixed>(mut paths: Vec<PathBuf>, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut round = 0;
    while paths.len() > MAX_FAN_IN {
        let mut next = Vec::with_capacity(paths.len().div_ceil(MAX_FAN_IN));
        for (i, chunk) in paths.chunks(MAX_FAN_IN).enumerate() {
            let out = dir.join(format!("merged-{round:03}-{i:06}.run"));
            let file = File::create(&out).map_err(|e| Error::io(&out, e))?;
            let mut w = BufWriter::with_capacity(1 << 16, file);
            let mut buf = vec![0u8; T::SIZE];
            merge::<T>(chunk, |r| {
                r.encode(&mut buf);
                w.write_all(&buf).map_err(|e| Error::io(&out, e))
            })?;
            w.flush().map_err(|e| Error::io(&out, e))?;
            for p in chunk {
                std::fs::remove_file(p).map_err(|e| Error::io(p, e))?;
            }
            next.push(out);
        }
        paths = next;
        round += 1;
    }
    Ok(paths)
}

/// Merges the sorted runs in `paths` and calls `group` once per key shared by two or more
/// documents, with the documents in ascending order. Memory: one buffer per run.
pub fn merge_groups(paths: &[PathBuf], mut group: impl FnMut(&[u64]) -> Result<()>) -> Result<()> {
    let mut current: Option<u128> = None;
    let mut docs: Vec<u64> = Vec::new();
    merge::<Entry>(paths, |e| {
        if current != Some(e.key) {
            if docs.len() > 1 {
                group(&docs)?;
            }
            docs.clear();
            current = Some(e.key);
        }
        // The same document can appear twice under one key only if it was signed twice;
        // ignore the repeat.
        if docs.last() != Some(&e.doc) {
            docs.push(e.doc);
        }
        Ok(())
    })?;
    if docs.len() > 1 {
        group(&docs)?;
    }
    Ok(())
}

/// Writes `(anchor, doc)` pairs.
pub struct PairWriter {
    path: PathBuf,
    w: BufWriter<File>,
    /// Pairs written.
    pub count: u64,
}

impl PairWriter {
    /// Creates `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let f = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(PairWriter {
            path: path.to_owned(),
            w: BufWriter::with_capacity(1 << 16, f),
            count: 0,
        })
    }

    /// Appends one pair.
    pub fn push(&mut self, a: u64, b: u64) -> Result<()> {
        let mut buf = [0u8; 16];
        buf[..8].copy_from_slice(&a.to_le_bytes());
        buf[8..].copy_from_slice(&b.to_le_bytes());
        self.count += 1;
        self.w.write_all(&buf).map_err(|e| Error::io(&self.path, e))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<u64> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.count)
    }
}

/// Reads every pair of a pair file.
pub fn read_pairs(path: &Path, mut each: impl FnMut(u64, u64)) -> Result<()> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut buf = [0u8; 16];
    loop {
        match r.read_exact(&mut buf) {
            Ok(()) => each(
                u64::from_le_bytes(buf[..8].try_into().expect("8 bytes")),
                u64::from_le_bytes(buf[8..].try_into().expect("8 bytes")),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(Error::io(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_keeps_every_record_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for r in 0..(MAX_FAN_IN * 2 + 5) as u64 {
            let p = dir.path().join(format!("{r:04}.run"));
            write_run(
                &p,
                &mut [Entry {
                    key: u128::from(r % 7),
                    doc: r,
                }],
            )
            .unwrap();
            paths.push(p);
        }
        let merged = compact::<Entry>(paths, dir.path()).unwrap();
        assert!(merged.len() <= MAX_FAN_IN && merged.len() >= 2);
        let mut all = Vec::new();
        merge::<Entry>(&merged, |e| {
            all.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(all.len(), MAX_FAN_IN * 2 + 5);
        assert!(all.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn merge_finds_shared_keys_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let e = |key, doc| Entry { key, doc };
        let a = dir.path().join("a.run");
        let b = dir.path().join("b.run");
        write_run(&a, &mut [e(5, 1), e(3, 2), e(9, 3), e(7, 7)]).unwrap();
        write_run(&b, &mut [e(5, 4), e(3, 5), e(1, 6), e(7, 7)]).unwrap();
        let mut groups = Vec::new();
        merge_groups(&[a, b], |g| {
            groups.push(g.to_vec());
            Ok(())
        })
        .unwrap();
        // Key 7 holds document 7 twice (signed twice): not a group.
        assert_eq!(groups, vec![vec![2, 5], vec![1, 4]]);
    }

    #[test]
    fn pairs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.bin");
        let mut w = PairWriter::create(&p).unwrap();
        w.push(1, 2).unwrap();
        w.push(u64::MAX, 0).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let mut got = Vec::new();
        read_pairs(&p, |a, b| got.push((a, b))).unwrap();
        assert_eq!(got, vec![(1, 2), (u64::MAX, 0)]);
    }
}
