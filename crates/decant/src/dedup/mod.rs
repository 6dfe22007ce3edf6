//! Exact and near-duplicate removal in stages that talk only through files.
//!
//! ```text
//! sign     per input: exact hash + MinHash signature of each document → docs table,
//!          band keys → sorted run files (spilled whenever the memory budget is reached)
//! bucket   per band: k-way merge of that band's runs → (anchor, doc) candidate pairs
//! cluster  union-find over the pairs (optionally verified by true Jaccard similarity)
//!          → clusters, one survivor each by the keep policy → removals + clusters.jsonl
//! filter   the ordinary pipeline re-reads the inputs and sets aside each removed document
//!          with its reason, the document it duplicates and its cluster
//! ```
//!
//! Every document has a **key**: its input file's index in the run (the inputs in the order
//! given) and its record's index in that file, packed as `file << 40 | record`. Keys order
//! documents as the input does, whatever the thread count or the way the corpus is split
//! into files, so "first" means first in input order everywhere.
//!
//! Band 0 of the run files holds the 128-bit exact hashes; bands 1..=B the MinHash band
//! keys. A group of documents sharing a key becomes pairs anchored on its first document
//! (the anchor strategy: a bucket of `n` documents gives `n - 1` pairs, never `n²`); with
//! verification, also the chain pairs (each member with the one before it), so that a
//! member far from the anchor but close to a neighbour is still checked: at most
//! `2 (n - 1)` comparisons.
//! See `signature` for the definitions of normalization, word, shingle and hash.

pub mod paragraph;
pub mod runs;
pub mod signature;

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::pipeline::{reader_thread, Batch};
use crate::read::{self, FieldNames, InputFile};
use crate::{Error, Result};
use runs::Entry;
pub use signature::{MinHasher, SigScratch};

/// Bits of a document key that hold the record index.
const RECORD_BITS: u32 = 40;

/// The key of record `record` of input `file` (see the module docs).
pub fn doc_key(file: usize, record: u64) -> u64 {
    ((file as u64) << RECORD_BITS) | record
}

fn key_parts(key: u64) -> (usize, u64) {
    (
        usize::try_from(key >> RECORD_BITS).expect("file index fits"),
        key & ((1 << RECORD_BITS) - 1),
    )
}

/// Which copy of a cluster survives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeepPolicy {
    /// The first in input order.
    #[default]
    First,
    /// The longest text (in bytes); ties go to the first in input order.
    Longest,
    /// The highest numeric value of a JSON field; a missing or non-numeric value ranks
    /// below every number; ties go to the first in input order.
    Field(String),
}

impl std::str::FromStr for KeepPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "first" => Ok(KeepPolicy::First),
            "longest" => Ok(KeepPolicy::Longest),
            _ => match s.strip_prefix("field:") {
                Some(name) if !name.is_empty() => Ok(KeepPolicy::Field(name.to_owned())),
                _ => Err(format!(
                    "unknown keep policy {s:?}: expected first, longest or field:NAME"
                )),
            },
        }
    }
}

/// Dedup settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupConfig {
    /// Words per shingle (default 5).
    pub ngram: usize,
    /// LSH bands (default 14, datatrove's FineWeb setting).
    pub bands: usize,
    /// Rows per band (default 8).
    pub rows: usize,
    /// The Jaccard similarity a verified pair must reach (default 0.8).
    pub threshold: f64,
    /// Check candidate pairs against their true Jaccard similarity before clustering.
    pub verify: bool,
    /// Which copy survives.
    pub keep: KeepPolicy,
    /// Memory budget in bytes for the stages' buffers; band keys spill to disk beyond it.
    pub memory_limit: u64,
    /// Exact duplicates only (no MinHash).
    pub exact_only: bool,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            ngram: 5,
            bands: 14,
            rows: 8,
            threshold: 0.8,
            verify: false,
            keep: KeepPolicy::First,
            memory_limit: 1 << 30,
            exact_only: false,
        }
    }
}

impl DedupConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.ngram == 0 || self.bands == 0 || self.rows == 0 {
            return Err(Error::Config(
                "n-gram size, bands and rows must all be at least 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::Config(format!(
                "threshold {} is not between 0 and 1",
                self.threshold
            )));
        }
        if self.bands * self.rows > 1024 {
            return Err(Error::Config(format!(
                "{} bands x {} rows is more than 1024 signature slots",
                self.bands, self.rows
            )));
        }
        Ok(())
    }

    /// The similarity a near duplicate is held to: the verification threshold with
    /// `verify`, else the similarity at which the bands make a pair a candidate with
    /// probability about one half, `(1 / bands) ^ (1 / rows)` (0.72 for 14 x 8).
    pub fn reported_threshold(&self) -> f64 {
        if self.verify {
            self.threshold
        } else {
            (1.0 / self.bands as f64).powf(1.0 / self.rows as f64)
        }
    }

    /// The hasher these settings describe.
    pub fn hasher(&self) -> MinHasher {
        MinHasher::new(self.ngram, self.bands, self.rows)
    }

    fn run_bands(&self) -> usize {
        if self.exact_only {
            1
        } else {
            1 + self.bands
        }
    }
}

/// The files the stages exchange: a `decant-dedup/` folder inside the directory the caller
/// names, marked by a stamp file. decant only ever deletes inside a folder that carries
/// its stamp, so pointing it at a directory with other files in it is safe.
#[derive(Debug, Clone)]
pub struct WorkDir {
    root: PathBuf,
}

/// Holds a work folder for one run (see [`WorkDir::lock`]).
#[derive(Debug)]
pub struct WorkLock {
    path: PathBuf,
}

impl Drop for WorkLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The stamp that marks a folder as decant's own.
const STAMP: &str = "DECANT-DEDUP-WORK";

impl WorkDir {
    /// The work folder `dir/decant-dedup/` (created as needed).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        WorkDir {
            root: dir.into().join("decant-dedup"),
        }
    }

    /// The folder the stages write in.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Takes the folder for one run: fails if another run holds it. The lock is a file
    /// created exclusively and removed when the guard is dropped; a run killed outright
    /// leaves it behind, and the message says which file to remove.
    pub fn lock(&self) -> Result<WorkLock> {
        self.claim()?;
        let path = self.root.join("LOCK");
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                Ok(WorkLock { path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Config(format!(
                "another run is using the work folder {} (if none is, remove {})",
                self.root.display(),
                path.display()
            ))),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Creates the folder and its stamp; refuses a folder of that name that decant did
    /// not make.
    fn claim(&self) -> Result<()> {
        let stamp = self.root.join(STAMP);
        if self.root.exists() && !stamp.exists() {
            return Err(Error::Config(format!(
                "{} exists and was not made by decant; choose another work directory",
                self.root.display()
            )));
        }
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        std::fs::write(
            &stamp,
            "Work files of `decant dedup`; decant may delete everything in this folder.\n",
        )
        .map_err(|e| Error::io(&stamp, e))
    }

    fn docs(&self, file: usize) -> PathBuf {
        self.root.join("docs").join(format!("{file:06}.bin"))
    }
    fn ids(&self, file: usize) -> PathBuf {
        self.root.join("docs").join(format!("{file:06}.ids"))
    }
    fn run_dir(&self, band: usize) -> PathBuf {
        self.root.join("runs").join(format!("{band:03}"))
    }
    fn pairs(&self, band: usize) -> PathBuf {
        self.root.join("pairs").join(format!("{band:03}.bin"))
    }
    /// Removes what earlier runs wrote in the work folder, so that a reused work directory
    /// cannot feed an earlier run's files into this one.
    pub fn clear(&self) -> Result<()> {
        self.claim()?;
        for sub in ["docs", "pairs", "runs", "paragraphs"] {
            let d = self.root.join(sub);
            match std::fs::remove_dir_all(&d) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&d, e)),
            }
        }
        Ok(())
    }

    /// Removes the run files an earlier sign of the shard starting at `first_file` left.
    fn clear_shard(&self, first_file: usize) -> Result<()> {
        self.claim()?;
        let runs = self.root.join("runs");
        let Ok(bands) = std::fs::read_dir(&runs) else {
            return Ok(());
        };
        let prefix = format!("{first_file:06}-");
        for band in bands.filter_map(std::result::Result::ok) {
            let Ok(files) = std::fs::read_dir(band.path()) else {
                continue;
            };
            for f in files.filter_map(std::result::Result::ok) {
                if f.file_name().to_string_lossy().starts_with(&prefix) {
                    std::fs::remove_file(f.path()).map_err(|e| Error::io(f.path(), e))?;
                }
            }
        }
        Ok(())
    }

    /// Empties (or creates) `name/` in the work folder with the given subfolders.
    pub(crate) fn fresh_subdirs(&self, name: &str, subs: &[&str]) -> Result<Vec<PathBuf>> {
        self.claim()?;
        let base = self.root.join(name);
        match std::fs::remove_dir_all(&base) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&base, e)),
        }
        subs.iter()
            .map(|s| {
                let d = base.join(s);
                std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
                Ok(d)
            })
            .collect()
    }

    fn mkdirs(&self, bands: usize) -> Result<()> {
        self.claim()?;
        for d in [self.root.join("docs"), self.root.join("pairs")]
            .into_iter()
            .chain((0..bands).map(|b| self.run_dir(b)))
        {
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
        }
        Ok(())
    }
}

/// Fixed-size record of the docs table: exact hash, text length, keep value, line, id
/// location, flags, signature.
const DOC_HEAD: usize = 16 + 8 + 8 + 8 + 8 + 4 + 4;
const FLAG_PRESENT: u32 = 1;

#[derive(Debug, Clone, PartialEq)]
struct DocInfo {
    exact: u128,
    len: u64,
    keep: f64,
    line: u64,
    id_off: u64,
    id_len: u32,
    present: bool,
    signature: Vec<u32>,
}

impl DocInfo {
    fn encode(&self, slots: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.exact.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&self.keep.to_le_bytes());
        out.extend_from_slice(&self.line.to_le_bytes());
        out.extend_from_slice(&self.id_off.to_le_bytes());
        out.extend_from_slice(&self.id_len.to_le_bytes());
        out.extend_from_slice(&u32::from(self.present).to_le_bytes());
        for i in 0..slots {
            let v = self.signature.get(i).copied().unwrap_or(u32::MAX);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn decode(b: &[u8], slots: usize) -> Self {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let has_sig = u32_at(DOC_HEAD - 4) & 2 != 0;
        DocInfo {
            exact: u128::from_le_bytes(b[..16].try_into().expect("16 bytes")),
            len: u64_at(16),
            keep: f64::from_le_bytes(b[24..32].try_into().expect("8 bytes")),
            line: u64_at(32),
            id_off: u64_at(40),
            id_len: u32_at(48),
            present: u32_at(52) & FLAG_PRESENT != 0,
            signature: if has_sig {
                (0..slots).map(|i| u32_at(DOC_HEAD + 4 * i)).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// One signed record: id, line, keep value, text length and hashes; `None` when the
/// record could not be read.
struct Signed {
    doc: Option<(String, u64, f64, u64, signature::Signed)>,
}

/// What the sign stage saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignSummary {
    /// Documents signed.
    pub documents: u64,
    /// Records that could not be read (reported by the filter stage).
    pub unreadable: u64,
    /// Documents with no word (no MinHash signature; exact duplicates only).
    pub without_words: u64,
    /// Run files written.
    pub runs: u64,
    /// Bytes of document text signed.
    pub text_bytes: u64,
}

/// Progress of a stage, for the caller to show.
pub trait StageObserver {
    /// `done` documents (or pairs) so far in stage `stage`.
    fn progress(&mut self, stage: &'static str, done: u64, bytes: u64) {
        let _ = (stage, done, bytes);
    }
}

impl StageObserver for () {}

fn keep_value(policy: &KeepPolicy, doc: &crate::Document) -> f64 {
    match policy {
        KeepPolicy::First => 0.0,
        KeepPolicy::Longest => doc.text.len() as f64,
        KeepPolicy::Field(name) => doc
            .record
            .as_ref()
            .and_then(|r| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&r.raw).ok()
            })
            .and_then(|m| m.get(name).and_then(serde_json::Value::as_f64))
            .unwrap_or(f64::NEG_INFINITY),
    }
}

/// Stage 1: signs every document of `inputs`, which are files `first_file..` of the run,
/// writing the docs tables and band-key runs into `work`. Callable once per shard of a
/// larger run, each with its own `first_file`.
#[allow(clippy::too_many_lines)]
pub fn sign(
    inputs: &[InputFile],
    first_file: usize,
    fields: &FieldNames,
    config: &DedupConfig,
    work: &WorkDir,
    threads: usize,
    observer: &mut dyn StageObserver,
) -> Result<SignSummary> {
    config.validate()?;
    let bands = config.run_bands();
    work.clear_shard(first_file)?;
    work.mkdirs(bands)?;
    let hasher = config.hasher();
    let slots = if config.exact_only { 0 } else { hasher.slots() };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    // Band keys are buffered up to a quarter of the budget (vectors may double while
    // growing, and the reader's batches and the workers' buffers need the rest).
    let budget = usize::try_from(config.memory_limit / 4).unwrap_or(usize::MAX);
    let mut buffers: Vec<Vec<Entry>> = vec![Vec::new(); bands];
    let mut summary = SignSummary::default();
    let mut spill_seq = 0u64;

    let spill = |buffers: &mut Vec<Vec<Entry>>, seq: &mut u64, summary: &mut SignSummary| {
        let results: Vec<Result<()>> = pool.install(|| {
            buffers
                .par_iter_mut()
                .enumerate()
                .map(|(band, buf)| {
                    if buf.is_empty() {
                        return Ok(());
                    }
                    let path = work
                        .run_dir(band)
                        .join(format!("{first_file:06}-{seq:06}.run"));
                    runs::write_run(&path, buf)?;
                    *buf = Vec::new();
                    Ok(())
                })
                .collect()
        });
        results.into_iter().collect::<Result<Vec<()>>>()?;
        *seq += 1;
        summary.runs += 1;
        Ok::<(), Error>(())
    };

    let (tx, rx) = sync_channel::<Batch>(4);
    let (done_tx, done_rx) = sync_channel::<(usize, u64, Vec<Signed>)>(2);
    let mut tables: Option<(usize, BufWriter<File>, BufWriter<File>, u64)> = None;
    let mut record = Vec::with_capacity(DOC_HEAD + 4 * slots);
    let result = std::thread::scope(|s| {
        s.spawn(move || reader_thread(inputs, &tx));
        let hasher = &hasher;
        let pool = &pool;
        s.spawn(move || {
            for batch in &rx {
                let input = &inputs[batch.input];
                let signed: Vec<Signed> = pool.install(|| {
                    batch
                        .items
                        .into_par_iter()
                        .map_init(SigScratch::default, |scratch, item| Signed {
                            doc: item
                                .and_then(|raw| read::parse(input, raw, fields))
                                .ok()
                                .map(|doc| {
                                    let signed = if config.exact_only {
                                        signature::Signed {
                                            exact: hasher.exact(&doc.text, scratch),
                                            signature: Vec::new(),
                                        }
                                    } else {
                                        hasher.sign(&doc.text, scratch)
                                    };
                                    let keep = keep_value(&config.keep, &doc);
                                    (doc.id, doc.origin.line, keep, doc.text.len() as u64, signed)
                                }),
                        })
                        .collect()
                });
                if done_tx.send((batch.input, batch.first, signed)).is_err() {
                    return;
                }
            }
        });
        let done_rx = done_rx;
        for (input, first, signed) in &done_rx {
            let file = first_file + input;
            if tables.as_ref().is_none_or(|t| t.0 != file) {
                if let Some((f, mut d, mut i, _)) = tables.take() {
                    d.flush().map_err(|e| Error::io(work.docs(f), e))?;
                    i.flush().map_err(|e| Error::io(work.ids(f), e))?;
                }
                let open = |p: PathBuf| {
                    File::create(&p)
                        .map(|f| BufWriter::with_capacity(1 << 16, f))
                        .map_err(|e| Error::io(&p, e))
                };
                tables = Some((file, open(work.docs(file))?, open(work.ids(file))?, 0));
            }
            let (_, docs_w, ids_w, id_off) = tables.as_mut().expect("opened above");
            for (i, s) in signed.into_iter().enumerate() {
                let key = doc_key(file, first + i as u64);
                record.clear();
                match s.doc {
                    None => {
                        summary.unreadable += 1;
                        DocInfo {
                            exact: 0,
                            len: 0,
                            keep: 0.0,
                            line: 0,
                            id_off: *id_off,
                            id_len: 0,
                            present: false,
                            signature: Vec::new(),
                        }
                        .encode(slots, &mut record);
                    }
                    Some((id, line, keep, len, signed)) => {
                        summary.documents += 1;
                        summary.text_bytes += len;
                        ids_w
                            .write_all(id.as_bytes())
                            .map_err(|e| Error::io(work.ids(file), e))?;
                        let info = DocInfo {
                            exact: signed.exact,
                            len,
                            keep,
                            line,
                            id_off: *id_off,
                            id_len: u32::try_from(id.len()).unwrap_or(u32::MAX),
                            present: true,
                            signature: signed.signature,
                        };
                        *id_off += id.len() as u64;
                        info.encode(slots, &mut record);
                        if !info.signature.is_empty() {
                            // Flag bit 2: has a signature.
                            record[DOC_HEAD - 4] |= 2;
                        }
                        buffers[0].push(Entry {
                            key: info.exact,
                            doc: key,
                        });
                        if info.signature.is_empty() {
                            summary.without_words += u64::from(!config.exact_only);
                        } else if bands > 1 {
                            for (b, k) in hasher.band_keys(&info.signature).enumerate() {
                                buffers[b + 1].push(Entry {
                                    key: u128::from(k),
                                    doc: key,
                                });
                            }
                        }
                    }
                }
                docs_w
                    .write_all(&record)
                    .map_err(|e| Error::io(work.docs(file), e))?;
            }
            let used: usize = buffers.iter().map(|b| b.capacity() * runs::ENTRY).sum();
            if used >= budget {
                spill(&mut buffers, &mut spill_seq, &mut summary)?;
            }
            observer.progress("sign", summary.documents, summary.text_bytes);
        }
        Ok::<(), Error>(())
    });
    result?;
    if let Some((f, mut d, mut i, _)) = tables.take() {
        d.flush().map_err(|e| Error::io(work.docs(f), e))?;
        i.flush().map_err(|e| Error::io(work.ids(f), e))?;
    }
    if buffers.iter().any(|b| !b.is_empty()) {
        spill(&mut buffers, &mut spill_seq, &mut summary)?;
    }
    Ok(summary)
}

/// What the bucket stage found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BucketSummary {
    /// Candidate pairs from exact hashes.
    pub exact_pairs: u64,
    /// Candidate pairs from MinHash bands (a pair found in several bands counts each time).
    pub band_pairs: u64,
}

/// Stage 2: merges each band's runs into candidate pairs, bands in parallel.
pub fn bucket(config: &DedupConfig, work: &WorkDir, threads: usize) -> Result<BucketSummary> {
    let bands = config.run_bands();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let counts: Vec<Result<u64>> = pool.install(|| {
        (0..bands)
            .into_par_iter()
            .map(|band| {
                let dir = work.run_dir(band);
                let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map_err(|e| Error::io(&dir, e))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "run"))
                    .collect();
                paths.sort();
                let paths = runs::compact::<Entry>(paths, &dir)?;
                let mut w = runs::PairWriter::create(&work.pairs(band))?;
                runs::merge_groups(&paths, |docs| {
                    for &d in &docs[1..] {
                        w.push(docs[0], d)?;
                    }
                    // Verification may turn down an anchor pair whose members are each
                    // close to a third: the chain pairs (each member with the one before
                    // it) give such members a second chance, still linear in the bucket.
                    if config.verify {
                        for pair in docs[1..].windows(2) {
                            w.push(pair[0], pair[1])?;
                        }
                    }
                    Ok(())
                })?;
                w.finish()
            })
            .collect()
    });
    let mut summary = BucketSummary::default();
    for (band, c) in counts.into_iter().enumerate() {
        if band == 0 {
            summary.exact_pairs = c?;
        } else {
            summary.band_pairs += c?;
        }
    }
    Ok(summary)
}

/// At most this many docs tables are open at once in the cluster stage.
const MAX_OPEN_TABLES: usize = 64;

/// Random access to the docs tables.
struct Tables<'w> {
    work: &'w WorkDir,
    slots: usize,
    open: FxHashMap<usize, (File, File)>,
}

impl Tables<'_> {
    fn info(&mut self, key: u64) -> Result<DocInfo> {
        let (file, record) = key_parts(key);
        let size = DOC_HEAD + 4 * self.slots;
        let (docs, _) = self.files(file)?;
        let mut buf = vec![0u8; size];
        docs.seek(SeekFrom::Start(record * size as u64))
            .and_then(|_| docs.read_exact(&mut buf))
            .map_err(|e| Error::io(self.work.docs(file), e))?;
        Ok(DocInfo::decode(&buf, self.slots))
    }

    fn id(&mut self, key: u64, info: &DocInfo) -> Result<String> {
        let (file, _) = key_parts(key);
        let path = self.work.ids(file);
        let (_, ids) = self.files(file)?;
        let mut buf = vec![0u8; info.id_len as usize];
        ids.seek(SeekFrom::Start(info.id_off))
            .and_then(|_| ids.read_exact(&mut buf))
            .map_err(|e| Error::io(&path, e))?;
        String::from_utf8(buf).map_err(|_| Error::Config(format!("{}: not UTF-8", path.display())))
    }

    fn files(&mut self, file: usize) -> Result<&mut (File, File)> {
        if !self.open.contains_key(&file) {
            // Two descriptors per table: close them all now and then rather than hold one
            // pair per input file.
            if self.open.len() >= MAX_OPEN_TABLES {
                self.open.clear();
            }
            let d = self.work.docs(file);
            let i = self.work.ids(file);
            let pair = (
                File::open(&d).map_err(|e| Error::io(&d, e))?,
                File::open(&i).map_err(|e| Error::io(&i, e))?,
            );
            self.open.insert(file, pair);
        }
        Ok(self.open.get_mut(&file).expect("inserted above"))
    }
}

/// Union-find over document keys; the root of a set is its smallest key, so the result does
/// not depend on the order pairs arrive in.
#[derive(Default)]
struct UnionFind {
    parent: FxHashMap<u64, u64>,
}

impl UnionFind {
    fn find(&mut self, x: u64) -> u64 {
        let mut x = x;
        loop {
            let p = *self.parent.get(&x).unwrap_or(&x);
            if p == x {
                return x;
            }
            let gp = *self.parent.get(&p).unwrap_or(&p);
            self.parent.insert(x, gp);
            x = p;
        }
    }

    fn union(&mut self, a: u64, b: u64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
            self.parent.entry(lo).or_insert(lo);
        }
    }
}

/// Why a document is removed, and what it duplicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Removal {
    /// `exact_duplicate` (same normalized text as the survivor) or `near_duplicate`.
    pub reason: &'static str,
    /// The id of the document it duplicates (its cluster's survivor).
    pub duplicate_of: std::sync::Arc<str>,
    /// The cluster's number (see [`cluster`]).
    pub cluster: u64,
    /// The share of equal signature slots with the survivor.
    pub estimated_jaccard: f64,
    /// The true Jaccard similarity of the shingle sets with the survivor (with `verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jaccard: Option<f64>,
}

/// Every removed document, by key (sorted, looked up by binary search: about 70 bytes per
/// removed document).
#[derive(Debug, Clone, Default)]
pub struct Removals {
    sorted: Vec<(u64, Removal)>,
    /// The similarity threshold reported with near duplicates (see
    /// [`DedupConfig::reported_threshold`]).
    pub threshold: f64,
}

impl Removals {
    /// The removal of the document with key `key`, if it is removed.
    pub fn get(&self, key: u64) -> Option<&Removal> {
        self.sorted
            .binary_search_by_key(&key, |r| r.0)
            .ok()
            .map(|i| &self.sorted[i].1)
    }
    /// How many documents are removed.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }
    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The removals of input `file` alone, keyed as if it were the only input (file 0): for
    /// applying a run's removals one shard at a time.
    #[must_use]
    pub fn for_file(&self, file: usize) -> Removals {
        let lo = self.sorted.partition_point(|r| r.0 < doc_key(file, 0));
        let hi = self.sorted.partition_point(|r| r.0 < doc_key(file + 1, 0));
        Removals {
            sorted: self.sorted[lo..hi]
                .iter()
                .map(|(k, r)| (doc_key(0, key_parts(*k).1), r.clone()))
                .collect(),
            threshold: self.threshold,
        }
    }

    /// Writes every removal as a JSON line (`key` and the removal), threshold first, so that
    /// a resumed run can apply them without clustering again.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut out = crate::write::Output::create(path)?;
        out.write_json_line(&serde_json::json!({ "threshold": self.threshold }))?;
        for (key, r) in &self.sorted {
            out.write_json_line(&(key, r))?;
        }
        out.finish()
    }

    /// Reads what [`Removals::save`] wrote.
    pub fn load(path: &Path) -> Result<Removals> {
        #[derive(serde::Deserialize)]
        struct Saved {
            reason: String,
            duplicate_of: std::sync::Arc<str>,
            cluster: u64,
            estimated_jaccard: f64,
            jaccard: Option<f64>,
        }
        let bad = |line: usize, what: &dyn std::fmt::Display| {
            Error::io(
                path,
                std::io::Error::other(format!("line {}: {what}", line + 1)),
            )
        };
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut lines = text.lines().enumerate();
        let threshold = lines
            .next()
            .and_then(|(_, l)| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v.get("threshold").and_then(serde_json::Value::as_f64))
            .ok_or_else(|| bad(0, &"no threshold"))?;
        let mut sorted = Vec::new();
        for (i, line) in lines {
            let (key, r): (u64, Saved) = serde_json::from_str(line).map_err(|e| bad(i, &e))?;
            let reason = match r.reason.as_str() {
                "exact_duplicate" => "exact_duplicate",
                "near_duplicate" => "near_duplicate",
                other => return Err(bad(i, &format!("unknown reason {other:?}"))),
            };
            sorted.push((
                key,
                Removal {
                    reason,
                    duplicate_of: r.duplicate_of,
                    cluster: r.cluster,
                    estimated_jaccard: r.estimated_jaccard,
                    jaccard: r.jaccard,
                },
            ));
        }
        if !sorted.is_sorted_by_key(|r: &(u64, Removal)| r.0) {
            return Err(bad(0, &"keys out of order"));
        }
        Ok(Removals { sorted, threshold })
    }
}

/// What the cluster stage decided.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterSummary {
    /// Pairs read from the buckets (a pair sharing several bands counts once per band).
    pub bucket_pairs: u64,
    /// Candidate pairs whose true Jaccard similarity was computed (with `verify`; pairs
    /// already joined through others are not checked again).
    pub verified_pairs: u64,
    /// Of those, the pairs below the threshold.
    pub rejected_pairs: u64,
    /// Members of a connected group kept because their similarity with every survivor of
    /// the group is below the threshold (with `verify`).
    pub split_off: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Documents removed as exact duplicates of their survivor.
    pub exact_duplicates: u64,
    /// Documents removed as near duplicates.
    pub near_duplicates: u64,
}

#[derive(Serialize)]
struct ClusterMember<'a> {
    id: &'a str,
    file: &'a str,
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_jaccard: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jaccard: Option<f64>,
}

#[derive(Serialize)]
struct ClusterRecord<'a> {
    cluster: u64,
    size: usize,
    survivor: &'a str,
    members: Vec<ClusterMember<'a>>,
}

/// How many survivors of a group a member is compared with, at most, under `verify`.
const MAX_SURVIVORS_CHECKED: usize = 32;

/// Stage 3: clusters the candidate pairs, picks each cluster's survivor and returns every
/// removal; writes each cluster to `clusters` (JSONL) when given.
///
/// Without `verify`, a cluster is a connected group of candidate pairs (as in datatrove):
/// every member but the survivor goes, as a duplicate of the survivor. With `verify`, the
/// inputs are read once more for the documents in some pair (kept in memory as 32-bit
/// shingle hashes), a pair joins a group only if its true Jaccard similarity reaches the
/// threshold, and then each member is checked against the group's survivor itself: a member
/// too far from it (joined through a chain) is compared with the survivors found so far and
/// removed as a duplicate of the first it is close to, or kept as a new survivor. So every
/// verified removal names a document it really is that similar to. Clusters are numbered
/// in the input order of their groups' first members.
#[allow(clippy::too_many_lines)]
pub fn cluster(
    inputs: &[InputFile],
    fields: &FieldNames,
    config: &DedupConfig,
    work: &WorkDir,
    clusters: Option<&Path>,
    threads: usize,
) -> Result<(Removals, ClusterSummary)> {
    let bands = config.run_bands();
    let mut summary = ClusterSummary::default();
    let mut uf = UnionFind::default();
    // Pairs stream from their files into the union-find: memory grows with the documents
    // that have a candidate, not with the pairs.
    runs::read_pairs(&work.pairs(0), |a, b| {
        summary.bucket_pairs += 1;
        uf.union(a, b);
    })?;
    let sets = if config.verify {
        let mut wanted: Vec<u64> = Vec::new();
        for band in 1..bands {
            runs::read_pairs(&work.pairs(band), |a, b| wanted.extend([a, b]))?;
        }
        wanted.sort_unstable();
        wanted.dedup();
        Some(shingle_sets(inputs, fields, config, &wanted, threads)?)
    } else {
        None
    };
    for band in 1..bands {
        runs::read_pairs(&work.pairs(band), |a, b| {
            summary.bucket_pairs += 1;
            if let Some(sets) = &sets {
                if uf.find(a) == uf.find(b) {
                    return;
                }
                summary.verified_pairs += 1;
                if pair_jaccard(sets, a, b) < config.threshold {
                    summary.rejected_pairs += 1;
                    return;
                }
            }
            uf.union(a, b);
        })?;
    }
    let keys: Vec<u64> = uf.parent.keys().copied().collect();
    let mut members: Vec<(u64, u64)> = keys.into_iter().map(|k| (uf.find(k), k)).collect();
    drop(uf);
    members.sort_unstable();
    let mut tables = Tables {
        work,
        slots: if config.exact_only {
            0
        } else {
            config.hasher().slots()
        },
        open: FxHashMap::default(),
    };
    if let Some(dir) = clusters
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut out = clusters
        .map(|p| {
            File::create(p)
                .map(|f| (p, BufWriter::new(f)))
                .map_err(|e| Error::io(p, e))
        })
        .transpose()?;
    let mut removals = Removals {
        threshold: config.reported_threshold(),
        ..Removals::default()
    };
    let mut number = 0u64;
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let infos: Vec<(u64, DocInfo)> = group
            .iter()
            .map(|&(_, k)| tables.info(k).map(|i| (k, i)))
            .collect::<Result<_>>()?;
        // The best unassigned member by the keep policy; members come in key order, so the
        // first of equal rank is the first in input order.
        let better = |i: usize, than: usize| match config.keep {
            KeepPolicy::First => false,
            KeepPolicy::Longest => infos[i].1.len > infos[than].1.len,
            KeepPolicy::Field(_) => infos[i].1.keep > infos[than].1.keep,
        };
        // Each member's survivor (an index into `infos`) and verified similarity, or None
        // while unassigned or when it is a survivor itself.
        let mut assigned: Vec<Option<(usize, Option<f64>)>> = vec![None; infos.len()];
        let mut is_survivor = vec![false; infos.len()];
        let mut survivors = Vec::new();
        loop {
            let open: Vec<usize> = (0..infos.len())
                .filter(|&i| assigned[i].is_none() && !is_survivor[i])
                .collect();
            let Some(&first) = open.first() else { break };
            let s = open
                .iter()
                .copied()
                .fold(first, |b, i| if better(i, b) { i } else { b });
            is_survivor[s] = true;
            survivors.push(s);
            if survivors.len() > MAX_SURVIVORS_CHECKED {
                // A group this split is kept whole rather than compared further.
                summary.split_off += open.len() as u64 - 1;
                for &i in &open {
                    is_survivor[i] = true;
                }
                break;
            }
            for &i in open.iter().filter(|&&i| i != s) {
                let Some(sets) = &sets else {
                    assigned[i] = Some((s, None));
                    continue;
                };
                let j = if infos[i].1.exact == infos[s].1.exact {
                    1.0
                } else {
                    pair_jaccard(sets, infos[i].0, infos[s].0)
                };
                if j >= config.threshold {
                    assigned[i] = Some((s, Some(j)));
                }
            }
        }
        summary.split_off += survivors.len().saturating_sub(1) as u64;
        for &s in &survivors {
            let removed: Vec<usize> = (0..infos.len())
                .filter(|&i| assigned[i].is_some_and(|(to, _)| to == s))
                .collect();
            if removed.is_empty() {
                continue;
            }
            number += 1;
            let (survivor_key, survivor) = &infos[s];
            let survivor_id: std::sync::Arc<str> = tables.id(*survivor_key, survivor)?.into();
            let mut record_members = Vec::new();
            for &i in std::iter::once(&s).chain(&removed) {
                let (key, info) = &infos[i];
                let removal = assigned[i].map(|(_, j)| {
                    let is_exact = info.exact == survivor.exact;
                    Removal {
                        reason: if is_exact {
                            "exact_duplicate"
                        } else {
                            "near_duplicate"
                        },
                        duplicate_of: survivor_id.clone(),
                        cluster: number,
                        estimated_jaccard: if is_exact {
                            1.0
                        } else {
                            signature::estimated_jaccard(&info.signature, &survivor.signature)
                        },
                        jaccard: j,
                    }
                });
                if out.is_some() {
                    record_members.push((tables.id(*key, info)?, *key, info.line, removal.clone()));
                }
                if let Some(r) = removal {
                    if r.reason == "exact_duplicate" {
                        summary.exact_duplicates += 1;
                    } else {
                        summary.near_duplicates += 1;
                    }
                    removals.sorted.push((*key, r));
                }
            }
            if let Some((path, w)) = out.as_mut() {
                let rec = ClusterRecord {
                    cluster: number,
                    size: record_members.len(),
                    survivor: &survivor_id,
                    members: record_members
                        .iter()
                        .map(|(id, key, line, r)| ClusterMember {
                            id,
                            file: &inputs[key_parts(*key).0].display,
                            line: *line,
                            reason: r.as_ref().map(|r| r.reason),
                            estimated_jaccard: r.as_ref().map(|r| r.estimated_jaccard),
                            jaccard: r.as_ref().and_then(|r| r.jaccard),
                        })
                        .collect(),
                };
                serde_json::to_writer(&mut *w, &rec).map_err(|e| Error::io(*path, e.into()))?;
                w.write_all(b"\n").map_err(|e| Error::io(*path, e))?;
            }
        }
    }
    summary.clusters = number;
    if let Some((path, mut w)) = out {
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    removals.sorted.sort_unstable_by_key(|r| r.0);
    Ok((removals, summary))
}

fn pair_jaccard(sets: &FxHashMap<u64, Vec<u32>>, a: u64, b: u64) -> f64 {
    match (sets.get(&a), sets.get(&b)) {
        (Some(x), Some(y)) => signature::jaccard(x, y),
        _ => 0.0,
    }
}

/// The shingle sets (upper 32 bits of each shingle hash, sorted, deduplicated) of the
/// documents in `wanted` (sorted keys), read from the inputs.
fn shingle_sets(
    inputs: &[InputFile],
    fields: &FieldNames,
    config: &DedupConfig,
    wanted: &[u64],
    threads: usize,
) -> Result<FxHashMap<u64, Vec<u32>>> {
    let hasher = config.hasher();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let (tx, rx) = sync_channel::<Batch>(4);
    let mut sets = FxHashMap::default();
    std::thread::scope(|s| {
        s.spawn(move || reader_thread(inputs, &tx));
        for batch in &rx {
            let input = &inputs[batch.input];
            let got: Vec<(u64, Vec<u32>)> = pool.install(|| {
                batch
                    .items
                    .into_par_iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        let key = doc_key(batch.input, batch.first + i as u64);
                        wanted.binary_search(&key).ok()?;
                        let doc = item.and_then(|raw| read::parse(input, raw, fields)).ok()?;
                        let full = hasher.shingle_set(&doc.text, &mut SigScratch::default());
                        let mut set: Vec<u32> = full.iter().map(|h| (h >> 32) as u32).collect();
                        set.sort_unstable();
                        set.dedup();
                        Some((key, set))
                    })
                    .collect()
            });
            sets.extend(got);
        }
    });
    Ok(sets)
}

/// What a whole dedup run did, stage by stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DedupReport {
    /// Stage 1.
    pub sign: SignSummary,
    /// Stage 2.
    pub bucket: BucketSummary,
    /// Stage 3.
    pub cluster: ClusterSummary,
}

/// All four stages on this machine: sign, bucket and cluster `job`'s inputs in `work` (its
/// stage files from any earlier run are removed first), then
/// run `job` (its repair and filters, if any, apply to the survivors) with the removals.
/// `job.removals` is replaced.
pub fn run(
    job: &crate::pipeline::Job,
    config: &DedupConfig,
    work: &WorkDir,
    clusters: Option<&Path>,
    stages: &mut dyn StageObserver,
    observer: &mut dyn crate::pipeline::Observer,
) -> Result<(crate::pipeline::Summary, DedupReport)> {
    let _lock = work.lock()?;
    work.clear()?;
    let sign = sign(
        &job.inputs,
        0,
        &job.fields,
        config,
        work,
        job.threads,
        stages,
    )?;
    let bucket = bucket(config, work, job.threads)?;
    stages.progress("bucket", bucket.exact_pairs + bucket.band_pairs, 0);
    let (removals, cluster) = cluster(
        &job.inputs,
        &job.fields,
        config,
        work,
        clusters,
        job.threads,
    )?;
    stages.progress("cluster", cluster.clusters, 0);
    let mut job = job.clone();
    job.removals = Some(std::sync::Arc::new(removals));
    let summary = crate::pipeline::run(&job, observer)?;
    Ok((
        summary,
        DedupReport {
            sign,
            bucket,
            cluster,
        },
    ))
}

#[cfg(test)]
mod tests;
