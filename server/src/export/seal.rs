//! The archive's sealing at rest, as a stream: a random key per archive, itself sealed with
//! the person's data key (so destroying that key crypto-shreds the archive, like every other
//! sealed value), and the ZIP encrypted in 64 KiB chunks with XChaCha20-Poly1305 in the
//! STREAM construction (`aead::stream`, big-endian 32-bit counter and last-chunk flag). A
//! chunk moved, dropped, reordered or cut off at the end does not open; neither writing nor
//! reading ever holds more than a chunk.
//!
//! File layout: `WARDEXP1` | sealed key length (u32 BE) | sealed key | 19-byte nonce prefix |
//! chunks (each up to 64 KiB + 16-byte tag; the last one flagged, possibly empty).

use std::io::{Read, Write};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit as _, Payload};

use crate::vault::{PersonKey, random};

const MAGIC: &[u8] = b"WARDEXP1";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const NONCE_PREFIX: usize = 19;

/// What the person's key binds the archive key to: the archive's id.
fn key_label(export_id: &str) -> String {
    format!("export:{export_id}")
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the archive file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the archive does not open with its owner's key (altered, cut off, or another archive)")]
    Unsealable,
}

/// Writes the sealed archive to `out`, a chunk at a time.
pub struct SealWriter<W: Write> {
    out: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    aad: Vec<u8>,
    buf: Vec<u8>,
}

impl<W: Write> SealWriter<W> {
    pub fn new(mut out: W, owner: &PersonKey, export_id: &str) -> Result<SealWriter<W>, SealError> {
        let key = random::<32>();
        let nonce = random::<NONCE_PREFIX>();
        let sealed_key = owner.seal_bytes(&key_label(export_id), &key);
        out.write_all(MAGIC)?;
        out.write_all(&(sealed_key.len() as u32).to_be_bytes())?;
        out.write_all(&sealed_key)?;
        out.write_all(&nonce)?;
        let aead = XChaCha20Poly1305::new(&key.into());
        Ok(SealWriter {
            out,
            enc: Some(EncryptorBE32::from_aead(aead, nonce.as_slice().into())),
            aad: export_id.as_bytes().to_vec(),
            buf: Vec::with_capacity(CHUNK),
        })
    }

    /// Seals the last chunk and answers the inner writer.
    pub fn finish(mut self) -> Result<W, SealError> {
        let enc = self.enc.take().ok_or(SealError::Unsealable)?;
        let ct = enc
            .encrypt_last(Payload { msg: &self.buf, aad: &self.aad })
            .map_err(|_| SealError::Unsealable)?;
        self.out.write_all(&ct)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            // A full buffer is sealed only when more bytes come, so the last chunk is never
            // an already-written full one.
            if self.buf.len() == CHUNK {
                let enc =
                    self.enc.as_mut().ok_or_else(|| std::io::Error::other("the archive is finished"))?;
                let ct = enc
                    .encrypt_next(Payload { msg: &self.buf, aad: &self.aad })
                    .map_err(|_| std::io::Error::other("sealing a chunk failed"))?;
                self.out.write_all(&ct)?;
                self.buf.clear();
            }
            let take = rest.len().min(CHUNK - self.buf.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Reads a sealed archive back, a chunk at a time.
pub struct SealReader<R: Read> {
    input: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    aad: Vec<u8>,
    /// The next chunk's ciphertext, read ahead to know whether it is the last.
    next: Vec<u8>,
}

/// Reads until `buf` is full or the input ends; answers how many bytes were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> SealReader<R> {
    pub fn new(mut input: R, owner: &PersonKey, export_id: &str) -> Result<SealReader<R>, SealError> {
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic)?;
        if magic != MAGIC {
            return Err(SealError::Unsealable);
        }
        let mut len = [0u8; 4];
        input.read_exact(&mut len)?;
        let len = u32::from_be_bytes(len) as usize;
        if len > 1024 {
            return Err(SealError::Unsealable);
        }
        let mut sealed_key = vec![0u8; len];
        input.read_exact(&mut sealed_key)?;
        let key = owner.open_bytes(&key_label(export_id), &sealed_key).map_err(|_| SealError::Unsealable)?;
        let key: [u8; 32] = key.try_into().map_err(|_| SealError::Unsealable)?;
        let mut nonce = [0u8; NONCE_PREFIX];
        input.read_exact(&mut nonce)?;
        let aead = XChaCha20Poly1305::new(&key.into());
        let mut reader = SealReader {
            input,
            dec: Some(DecryptorBE32::from_aead(aead, nonce.as_slice().into())),
            aad: export_id.as_bytes().to_vec(),
            next: Vec::new(),
        };
        reader.next = reader.read_chunk()?;
        Ok(reader)
    }

    fn read_chunk(&mut self) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; CHUNK + TAG];
        let n = read_full(&mut self.input, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// The next plaintext chunk; `None` after the last one.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, SealError> {
        if self.dec.is_none() {
            return Ok(None);
        }
        let current = std::mem::take(&mut self.next);
        if current.len() < TAG {
            return Err(SealError::Unsealable);
        }
        let ahead = self.read_chunk()?;
        let dec = self.dec.as_mut().ok_or(SealError::Unsealable)?;
        if ahead.is_empty() {
            let dec = self.dec.take().ok_or(SealError::Unsealable)?;
            let plain = dec
                .decrypt_last(Payload { msg: &current, aad: &self.aad })
                .map_err(|_| SealError::Unsealable)?;
            return Ok(Some(plain));
        }
        let plain =
            dec.decrypt_next(Payload { msg: &current, aad: &self.aad }).map_err(|_| SealError::Unsealable)?;
        self.next = ahead;
        Ok(Some(plain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::Vault;

    fn sealed(key: &PersonKey, id: &str, plain: &[u8]) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), key, id).unwrap();
        // Odd write sizes: chunk boundaries never line up with writes.
        for part in plain.chunks(7_777) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn opened(key: &PersonKey, id: &str, file: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut r = SealReader::new(file, key, id)?;
        let mut out = Vec::new();
        while let Some(c) = r.next_chunk()? {
            out.extend(c);
        }
        Ok(out)
    }

    #[test]
    fn an_archive_opens_only_whole_for_its_owner_and_id() {
        let vault = Vault::from_master(&[3; 32]);
        let (key, _) = vault.new_person_key("p1");
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let file = sealed(&key, "e1", &plain);
            assert_eq!(opened(&key, "e1", &file).unwrap(), plain, "{len} bytes");
            assert!(opened(&key, "e2", &file).is_err(), "another archive's id");
            let (other, _) = vault.new_person_key("p1");
            assert!(opened(&other, "e1", &file).is_err(), "another key");
            // Cut at the last chunk boundary, or anywhere in it: never a shorter archive.
            let header = 8 + 4 + (24 + 32 + 16) + NONCE_PREFIX;
            let body = file.len() - header;
            if body > CHUNK + TAG {
                let cut = header + (body - 1) / (CHUNK + TAG) * (CHUNK + TAG);
                assert!(opened(&key, "e1", &file[..cut]).is_err(), "cut at a chunk boundary ({len})");
            }
            assert!(opened(&key, "e1", &file[..file.len() - 1]).is_err(), "cut short ({len})");
            let mut flipped = file.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert!(opened(&key, "e1", &flipped).is_err(), "altered ({len})");
        }
        assert!(!sealed(&key, "e1", b"ZIP-SECRET-TEXT").windows(15).any(|w| w == b"ZIP-SECRET-TEXT"));
    }
}
