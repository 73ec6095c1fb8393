//! zstd compression of stored blobs (output chunks and snapshots).

use crate::error::{Result, StoreError};

/// zstd level for everything the store writes: level 1 keeps up with a flooding terminal on
/// one core and still shrinks terminal output about 3.5 times.
pub(crate) const LEVEL: i32 = 1;

/// Compresses `data` with a one-off compressor. The recorder reuses its own instead.
pub(crate) fn compress(data: &[u8]) -> Result<Vec<u8>> {
    zstd::bulk::compress(data, LEVEL).map_err(StoreError::Compression)
}

/// Decompresses a blob that must expand to exactly `raw_len` bytes.
pub(crate) fn decompress(data: &[u8], raw_len: usize) -> Result<Vec<u8>> {
    let bytes = zstd::bulk::decompress(data, raw_len).map_err(StoreError::Compression)?;
    if bytes.len() != raw_len {
        return Err(StoreError::CorruptData(format!(
            "blob expanded to {} bytes, expected {raw_len}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// A stored length, checked to fit this machine's memory.
pub(crate) fn stored_len(raw_len: i64) -> Result<usize> {
    usize::try_from(raw_len)
        .map_err(|_| StoreError::CorruptData(format!("negative or huge length {raw_len}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_byte_identical() {
        let data: Vec<u8> = (0..100_000_u32).map(|index| (index % 251) as u8).collect();
        let compressed = compress(&data).expect("compress");
        assert!(compressed.len() < data.len());
        assert_eq!(
            decompress(&compressed, data.len()).expect("decompress"),
            data
        );
    }

    #[test]
    fn a_wrong_length_is_reported() {
        let compressed = compress(b"hello world").expect("compress");
        assert!(decompress(&compressed, 5).is_err());
        assert!(decompress(&compressed, 50).is_err());
    }

    #[test]
    fn negative_lengths_are_corrupt() {
        assert!(stored_len(-1).is_err());
        assert_eq!(stored_len(7).expect("fits"), 7);
    }
}
