//! Addresses as people type them: an IP address, or `localhost`, which always means
//! the loopback address 127.0.0.1 (where SystmOne listens, ERRATA E23), never whatever
//! a resolver or a hosts file makes of the name.
//!
//! ```
//! use systmone_transport::addr::{parse_ip, parse_socket_addr, with_loopback};
//!
//! assert_eq!(parse_ip("localhost").unwrap().to_string(), "127.0.0.1");
//! assert_eq!(parse_socket_addr("localhost:8080").unwrap().to_string(), "127.0.0.1:8080");
//! assert_eq!(parse_socket_addr("[::1]:40700").unwrap().to_string(), "[::1]:40700");
//! assert_eq!(with_loopback("LocalHost:40700"), "127.0.0.1:40700");
//! assert_eq!(with_loopback("192.168.0.4:40700"), "192.168.0.4:40700");
//! assert!(parse_socket_addr("localhost").is_err());
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The name that stands for the loopback address.
pub const LOCALHOST: &str = "localhost";

/// An address that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    /// Not an IP address or `localhost`.
    #[error("{0:?} is not an IP address or localhost (e.g. 127.0.0.1, ::1, localhost)")]
    NotAnAddress(String),
    /// Not `ADDRESS:PORT`.
    #[error("{0:?} is not ADDRESS:PORT (e.g. 127.0.0.1:40700, localhost:40700, [::1]:40700)")]
    NotASocketAddress(String),
    /// Not `HOST:PORT` (a host name allowed).
    #[error(
        "{0:?} is not HOST:PORT (e.g. 127.0.0.1:40700, the SystmOne client on this PC; \
         localhost:40700, surgery-pc:40700, [::1]:40700)"
    )]
    NotHostPort(String),
}

/// Checks that `text` is `HOST:PORT` (what a client connects to) before anything is
/// sent: the host an IP address (IPv6 in brackets), `localhost` or a host name, the
/// port a number from 1 to 65535. Whether the name resolves is the connection's
/// business.
///
/// ```
/// use systmone_transport::addr::check_host_port;
///
/// assert!(check_host_port("127.0.0.1:40700").is_ok());
/// assert!(check_host_port("surgery-pc.local:40700").is_ok());
/// assert!(check_host_port("[::1]:40700").is_ok());
/// assert!(check_host_port("127.0.0.1").is_err());
/// assert!(check_host_port("localhost:0").is_err());
/// assert!(check_host_port("http://127.0.0.1:40700").is_err());
/// ```
pub fn check_host_port(text: &str) -> Result<(), AddrError> {
    let text = text.trim();
    let not = || AddrError::NotHostPort(text.to_string());
    let (host, port) = text.rsplit_once(':').ok_or_else(not)?;
    match port.parse::<u16>() {
        Ok(p) if p > 0 && port.chars().all(|c| c.is_ascii_digit()) => {}
        _ => return Err(not()),
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| not());
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    // A host name: labels of letters, digits and hyphens (and underscores, which some
    // Windows networks use), separated by dots.
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if host.len() <= 253 && host.trim_end_matches('.').split('.').all(label_ok) {
        Ok(())
    } else {
        Err(not())
    }
}

fn is_localhost(host: &str) -> bool {
    host.eq_ignore_ascii_case(LOCALHOST)
}

/// An IP address, or `localhost` as 127.0.0.1.
pub fn parse_ip(text: &str) -> Result<IpAddr, AddrError> {
    let text = text.trim();
    if is_localhost(text) {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    text.parse()
        .map_err(|_| AddrError::NotAnAddress(text.to_string()))
}

/// `ADDRESS:PORT`, the address an IP address or `localhost` (as 127.0.0.1).
pub fn parse_socket_addr(text: &str) -> Result<SocketAddr, AddrError> {
    let text = text.trim();
    let not = || AddrError::NotASocketAddress(text.to_string());
    if let Some((host, port)) = text.rsplit_once(':') {
        if is_localhost(host) {
            let port = port.parse().map_err(|_| not())?;
            return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
        }
    }
    text.parse().map_err(|_| not())
}

/// `host:port` to connect to, with a `localhost` host replaced by 127.0.0.1 (other
/// names are left to the resolver).
pub fn with_loopback(addr: &str) -> String {
    match addr.trim().rsplit_once(':') {
        Some((host, port)) if is_localhost(host) => format!("{}:{port}", Ipv4Addr::LOCALHOST),
        _ => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_is_loopback_whatever_its_case() {
        for text in ["localhost", "LOCALHOST", " localhost "] {
            assert!(parse_ip(text).unwrap().is_loopback());
        }
        assert!(parse_socket_addr("Localhost:0").unwrap().ip().is_loopback());
        assert_eq!(
            parse_ip("::1").unwrap(),
            IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
        );
    }

    #[test]
    fn other_names_and_bad_ports_are_refused_with_an_example() {
        assert!(matches!(
            parse_ip("example.org"),
            Err(AddrError::NotAnAddress(_))
        ));
        let err = parse_socket_addr("localhost:http").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"localhost:http\" is not ADDRESS:PORT (e.g. 127.0.0.1:40700, localhost:40700, [::1]:40700)"
        );
        assert!(parse_socket_addr("localhost:70000").is_err());
        assert_eq!(with_loopback("surgery-pc:40700"), "surgery-pc:40700");
    }
}
