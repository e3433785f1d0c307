//! A ZIP writer that never seeks: each entry's sizes and CRC-32 follow its data in a data
//! descriptor (general-purpose flag bit 3), and the central directory closes the file. The
//! `zip` crate's writer (2.x, already in the tree) needs `Seek` to patch local headers, which
//! a sealed stream cannot offer. No ZIP64: an archive past 4 GiB or 65,535 entries is refused
//! with a clear error rather than written unreadable.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("writing the archive failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the archive would pass 4 GiB or 65,535 files, which this writer does not support")]
    TooLarge,
}

/// How an entry is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As is: pictures, already compressed.
    Stored,
    /// Deflate: text.
    Deflate,
}

struct Entry {
    name: String,
    method: Method,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

struct Open {
    entry: Entry,
    hasher: crc32fast::Hasher,
    deflate: Option<DeflateEncoder<Vec<u8>>>,
}

/// Counts what passes through, for offsets and sizes.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

pub struct ZipStream<W: Write> {
    out: Counting<W>,
    entries: Vec<Entry>,
    open: Option<Open>,
    /// DOS time and date of every entry (the archive's time).
    dos: (u16, u16),
}

/// DOS time and date (local time is unknown here: UTC, as most tools show it anyway).
fn dos_time(unix: i64) -> (u16, u16) {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let time = (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | (u16::from(t.second()) / 2);
    let year = (t.year() - 1980).clamp(0, 127) as u16;
    let date = (year << 9) | ((t.month() as u16) << 5) | u16::from(t.day());
    (time, date)
}

const FLAGS: u16 = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 names
const VERSION: u16 = 20;

impl<W: Write> ZipStream<W> {
    pub fn new(inner: W, unix_time: i64) -> ZipStream<W> {
        ZipStream {
            out: Counting { inner, written: 0 },
            entries: Vec::new(),
            open: None,
            dos: dos_time(unix_time),
        }
    }

    fn method_code(m: Method) -> u16 {
        match m {
            Method::Stored => 0,
            Method::Deflate => 8,
        }
    }

    /// Ends the entry being written (if any) and starts `name`.
    pub fn start(&mut self, name: &str, method: Method) -> Result<(), ZipError> {
        self.end_entry()?;
        if self.entries.len() >= 0xFFFF {
            return Err(ZipError::TooLarge);
        }
        let offset = self.out.written;
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend(0x0403_4b50u32.to_le_bytes());
        h.extend(VERSION.to_le_bytes());
        h.extend(FLAGS.to_le_bytes());
        h.extend(Self::method_code(method).to_le_bytes());
        h.extend(self.dos.0.to_le_bytes());
        h.extend(self.dos.1.to_le_bytes());
        h.extend([0u8; 12]); // CRC and sizes: in the data descriptor
        h.extend((name.len() as u16).to_le_bytes());
        h.extend(0u16.to_le_bytes());
        h.extend(name.as_bytes());
        self.out.put(&h)?;
        self.open = Some(Open {
            entry: Entry { name: name.to_string(), method, crc: 0, compressed: 0, size: 0, offset },
            hasher: crc32fast::Hasher::new(),
            deflate: (method == Method::Deflate)
                .then(|| DeflateEncoder::new(Vec::new(), Compression::default())),
        });
        Ok(())
    }

    /// Appends to the entry being written.
    pub fn write(&mut self, data: &[u8]) -> Result<(), ZipError> {
        let open = self.open.as_mut().ok_or_else(|| std::io::Error::other("no entry started"))?;
        open.hasher.update(data);
        open.entry.size += data.len() as u64;
        match &mut open.deflate {
            Some(enc) => {
                enc.write_all(data)?;
                let out = std::mem::take(enc.get_mut());
                open.entry.compressed += out.len() as u64;
                self.out.put(&out)?;
            }
            None => {
                open.entry.compressed += data.len() as u64;
                self.out.put(data)?;
            }
        }
        Ok(())
    }

    fn end_entry(&mut self) -> Result<(), ZipError> {
        let Some(mut open) = self.open.take() else { return Ok(()) };
        if let Some(enc) = open.deflate.take() {
            let rest = enc.finish()?;
            open.entry.compressed += rest.len() as u64;
            self.out.put(&rest)?;
        }
        open.entry.crc = open.hasher.finalize();
        let e = open.entry;
        let (compressed, size) = (
            u32::try_from(e.compressed).map_err(|_| ZipError::TooLarge)?,
            u32::try_from(e.size).map_err(|_| ZipError::TooLarge)?,
        );
        let mut d = Vec::with_capacity(16);
        d.extend(0x0807_4b50u32.to_le_bytes());
        d.extend(e.crc.to_le_bytes());
        d.extend(compressed.to_le_bytes());
        d.extend(size.to_le_bytes());
        self.out.put(&d)?;
        self.entries.push(e);
        Ok(())
    }

    /// Writes the central directory; answers the inner writer and the archive's size.
    pub fn finish(mut self) -> Result<(W, u64), ZipError> {
        self.end_entry()?;
        let start = self.out.written;
        for e in std::mem::take(&mut self.entries) {
            let mut c = Vec::with_capacity(46 + e.name.len());
            c.extend(0x0201_4b50u32.to_le_bytes());
            c.extend((VERSION | (3 << 8)).to_le_bytes()); // made by: Unix
            c.extend(VERSION.to_le_bytes());
            c.extend(FLAGS.to_le_bytes());
            c.extend(Self::method_code(e.method).to_le_bytes());
            c.extend(self.dos.0.to_le_bytes());
            c.extend(self.dos.1.to_le_bytes());
            c.extend(e.crc.to_le_bytes());
            c.extend((e.compressed as u32).to_le_bytes());
            c.extend((e.size as u32).to_le_bytes());
            c.extend((e.name.len() as u16).to_le_bytes());
            c.extend([0u8; 8]); // extra and comment lengths, disk, internal attributes
            c.extend((0o100_644u32 << 16).to_le_bytes()); // a regular file, rw-r--r--
            c.extend(u32::try_from(e.offset).map_err(|_| ZipError::TooLarge)?.to_le_bytes());
            c.extend(e.name.as_bytes());
            self.out.put(&c)?;
            self.entries.push(e);
        }
        let size = u32::try_from(self.out.written - start).map_err(|_| ZipError::TooLarge)?;
        let offset = u32::try_from(start).map_err(|_| ZipError::TooLarge)?;
        let n = self.entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        end.extend(0x0605_4b50u32.to_le_bytes());
        end.extend([0u8; 4]); // disk numbers
        end.extend(n.to_le_bytes());
        end.extend(n.to_le_bytes());
        end.extend(size.to_le_bytes());
        end.extend(offset.to_le_bytes());
        end.extend(0u16.to_le_bytes());
        self.out.put(&end)?;
        self.out.inner.flush()?;
        Ok((self.out.inner, self.out.written))
    }
}
