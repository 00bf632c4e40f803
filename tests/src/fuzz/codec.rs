//! The client-side framer `systmone_transport::codec::XmlDocumentCodec`: decoding
//! (responses and requests alike) and encoding.

use bytes::{Bytes, BytesMut};
use systmone_transport::codec::{FrameError, XmlDocumentCodec};
use tokio_util::codec::{Decoder, Encoder};

/// The first byte picks the codec's settings, the second how the stream is split into
/// reads; the rest is the stream.
///
/// Invariants: no panic; the stream decodes to the same documents and the same
/// outcome (end, or the same kind of error) however it is split into reads, down to
/// a byte at a time; each byte is scanned at most once; every document decoded,
/// encoded again, decodes to itself, whatever the splits.
pub fn codec(data: &[u8]) {
    let [settings, split_seed, stream @ ..] = data else {
        return;
    };
    let make = || {
        let mut codec = XmlDocumentCodec::new().accept_eof_marker(settings & 1 != 0);
        if settings & 2 != 0 {
            codec = codec.max_document_size(usize::from(settings >> 2) * 8 + 1);
        }
        if settings & 4 != 0 {
            codec = codec.max_depth(usize::from(settings >> 3) + 1);
        }
        codec
    };

    let whole = decode_in_reads(make(), stream, &[stream.len()]);
    for sizes in [read_sizes(*split_seed, stream.len()), vec![1; stream.len()]] {
        let split = decode_in_reads(make(), stream, &sizes);
        assert_eq!(split, whole, "reads of sizes {sizes:?}");
    }

    // What was decoded, encoded again, frames the same (no `<EOF>` markers: a
    // document whose root is named EOF is a marker to a decoder that accepts them).
    let mut encoded = BytesMut::new();
    let mut encoder = XmlDocumentCodec::new();
    for doc in &whole.documents {
        encoder
            .encode(doc, &mut encoded)
            .expect("a decoded document encodes");
    }
    let reencoded = || XmlDocumentCodec::new().max_depth(usize::MAX);
    let again = decode_in_reads(reencoded(), &encoded, &[encoded.len()]);
    assert_eq!(
        again.documents, whole.documents,
        "decoded, encoded, decoded"
    );
    assert_eq!(again.error, None);
    let again = decode_in_reads(
        reencoded(),
        &encoded,
        &read_sizes(split_seed.wrapping_add(1), encoded.len()),
    );
    assert_eq!(again.documents, whole.documents, "split after encoding");
}

/// What decoding a stream gave: the documents, then the kind of error that stopped it.
#[derive(Debug, PartialEq)]
struct Outcome {
    documents: Vec<Bytes>,
    error: Option<&'static str>,
}

/// Feeds `stream` in reads of `sizes` (the last read takes the rest), decoding after
/// each as `FramedRead` does, then signals the end of the stream.
fn decode_in_reads(mut codec: XmlDocumentCodec, stream: &[u8], sizes: &[usize]) -> Outcome {
    let mut outcome = Outcome {
        documents: Vec::new(),
        error: None,
    };
    let mut buf = BytesMut::new();
    let mut rest = stream;
    let mut sizes = sizes.iter();
    let result = (|| {
        while !rest.is_empty() {
            let n = sizes
                .next()
                .copied()
                .unwrap_or(rest.len())
                .clamp(1, rest.len());
            buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            while let Some(doc) = codec.decode(&mut buf)? {
                outcome.documents.push(doc);
            }
        }
        while let Some(doc) = codec.decode_eof(&mut buf)? {
            outcome.documents.push(doc);
        }
        Ok::<(), FrameError>(())
    })();
    if let Err(e) = result {
        outcome.error = Some(kind(&e));
    }
    assert!(
        codec.bytes_scanned() <= stream.len() as u64,
        "{} bytes scanned in a stream of {}",
        codec.bytes_scanned(),
        stream.len()
    );
    for doc in &outcome.documents {
        assert!(doc.starts_with(b"<") && doc.ends_with(b">"), "{doc:?}");
    }
    outcome
}

fn kind(e: &FrameError) -> &'static str {
    match e {
        FrameError::TooLarge { .. } => "too large",
        FrameError::TooDeep { .. } => "too deep",
        FrameError::Doctype => "doctype",
        FrameError::Malformed(_) => "malformed",
        FrameError::Truncated => "truncated",
        FrameError::Foreign(_) => "foreign protocol",
        FrameError::Io(_) => "io",
    }
}

/// Read sizes from 1 to 64 bytes, from a small generator seeded by `seed`.
fn read_sizes(seed: u8, len: usize) -> Vec<usize> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    let mut sizes = Vec::new();
    let mut total = 0;
    while total < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 64) as usize + 1;
        sizes.push(n);
        total += n;
    }
    sizes
}
