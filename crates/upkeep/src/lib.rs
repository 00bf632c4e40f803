//! Bindings upkeep: what a maintainer (or a user, through the `systmone` command) needs
//! when SystmOne changes.
//!
//! - [`xsd_diff`]: a schema-level diff of two versions of a function schema (or of two
//!   directories of schemas), each change classed as breaking or compatible for a
//!   client that sends requests and reads responses;
//! - [`compat`]: the functions and versions a live client advertises (GetFunctions)
//!   against the bindings we ship, and the highest version both sides support;
//! - [`fetch`]: installing the XSDs a live client wrote (GetXSDFiles) into a directory,
//!   saying which are new, changed, unchanged or failed;
//! - [`reconcile`]: SystmOne's own request schemas against ours, path by path, and what
//!   ours lack written into them;
//! - [`systmone_style`]: our schemas written the way SystmOne writes its own (F13);
//! - [`absorb`]: the elements and attributes observed responses hold and our schemas
//!   lack (from documents, recordings, conformance and drift reports), proposed as
//!   annotated additions to the schemas.
//!
//! ```
//! use systmone_upkeep::compat::highest_common;
//! let advertised = vec!["1.0".to_string(), "1.10".to_string(), "1.9".to_string()];
//! assert_eq!(highest_common(&advertised, &["1.0", "1.9", "1.10"]).as_deref(), Some("1.10"));
//! ```

#![warn(missing_docs)]

pub mod absorb;
pub mod compat;
pub mod fetch;
pub mod reconcile;
pub mod schema;
pub mod systmone_style;
pub mod xsd_diff;
