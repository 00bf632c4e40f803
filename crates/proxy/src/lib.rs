//! A recording proxy for the SystmOne Client Integration interface.
//!
//! An existing integration (in any language) connects to the proxy instead of
//! SystmOne; the proxy forwards every byte both ways unchanged (no pacing, no retries),
//! and on the side records each exchange (masked by default: [`masking`]), reads every
//! response tolerantly and reports drift from the bindings, and keeps a run
//! [`Summary`]. [`fixtures::import`] turns a masked recording into fixture files; the
//! simulator replays a recording (`systmone sim --replay DIR`).
//!
//! ```no_run
//! use systmone_proxy::{Masking, Proxy, ProxyConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = ProxyConfig::new("127.0.0.1:40701".parse()?, "127.0.0.1:40700".parse()?);
//! config.record = Some("recording".into());
//! config.masking = Masking::default();
//! let proxy = Proxy::start(config).await?;
//! // ... the integration talks to 127.0.0.1:40701 ...
//! let summary = proxy.shutdown().await?;
//! println!("{}", summary.render());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod fixtures;
pub mod masking;
mod proxy;
pub mod recording;
pub mod summary;

pub use masking::{MaskOptions, Masker};
pub use proxy::{Proxy, ProxyConfig, ProxyError, ProxyHandle};
pub use recording::{ExchangeMeta, Masking, Outcome, Recorder};
pub use summary::Summary;
