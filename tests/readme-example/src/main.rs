//! README's library example, word for word: build.rs takes it from README.md.

include!(concat!(env!("OUT_DIR"), "/readme_example.rs"));
