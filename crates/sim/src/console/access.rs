//! Who may use the console and the admin API: the Host check against DNS
//! rebinding, the same-origin rule for state changes, and the per-run token.
//!
//! - **Host**: on a loopback address, every request must name a loopback host (a web
//!   page whose name was re-pointed at 127.0.0.1 would name its own).
//! - **Same origin**: a request that changes state (any method but GET, HEAD and
//!   OPTIONS) is refused (403) when it comes from a page of another origin: its
//!   `Origin` must be this console's, or, absent, `Sec-Fetch-Site` must say
//!   `same-origin` or `none` (typed by the user). A request with neither header is
//!   not a browser's (curl, a script): it passes this check, and the token is what
//!   guards it. A `Referer` of another origin is refused too.
//! - **Token**: every request but the page's two assets carries the run's token
//!   (401 otherwise): as `Authorization: Bearer TOKEN` (curl, scripts), as
//!   `?token=TOKEN` (the address the simulator prints, as notebook servers do), or as
//!   the cookie that address sets (the console page in a browser: `SameSite=Strict`,
//!   so no other site's request carries it). Opening a page with `?token=` sets the
//!   cookie and redirects to the same page without it, so the token does not stay in
//!   the address bar or the history.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The console's access settings.
#[derive(Debug, Clone)]
pub(super) struct Access {
    /// The console listens on loopback: requests must name a loopback host.
    pub loopback_only: bool,
    /// The run's token.
    pub token: String,
    /// The cookie carrying it (named after the port: cookies are per host, not per
    /// port, and two simulators may run side by side).
    pub cookie: String,
}

impl Access {
    pub fn new(loopback_only: bool, token: String, port: u16) -> Self {
        Access {
            loopback_only,
            token,
            cookie: format!("systmone-console-{port}"),
        }
    }
}

/// The checks, in order: host, origin (403), token (401).
pub(super) async fn guard(access: Access, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if access.loopback_only && !loopback_host(headers) {
        return (
            StatusCode::FORBIDDEN,
            "the console answers only requests addressed to a loopback host \
             (127.0.0.1, [::1] or localhost)\n",
        )
            .into_response();
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(headers) {
        return (
            StatusCode::FORBIDDEN,
            "cross-origin requests that change state are refused\n",
        )
            .into_response();
    }
    if request.uri().path().starts_with("/console/assets/") {
        return next.run(request).await;
    }
    let query_token = query_token(request.uri().query());
    let by_query = query_token
        .as_deref()
        .is_some_and(|t| same(t, &access.token));
    let by_header = bearer(headers).is_some_and(|t| same(t, &access.token));
    let by_cookie = cookie(headers, &access.cookie).is_some_and(|t| same(t, &access.token));
    if !(by_query || by_header || by_cookie) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "this console needs the token the simulator printed with its address: open \
             http://ADDR/console?token=TOKEN, or send Authorization: Bearer TOKEN\n",
        )
            .into_response();
    }
    // The printed address, opened in a browser: the cookie, and the page without the
    // token in its address.
    if by_query && *request.method() == Method::GET && !request.uri().path().starts_with("/api") {
        let rest = without_token(request.uri().query());
        let target = match rest {
            Some(q) => format!("{}?{q}", request.uri().path()),
            None => request.uri().path().to_string(),
        };
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            access.cookie, access.token
        );
        let mut response = Redirect::to(&target).into_response();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return response;
    }
    next.run(request).await
}

/// Compares in time independent of where the texts differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == "token")
        .map(|(_, v)| v.to_string())
}

fn without_token(query: Option<&str>) -> Option<String> {
    let rest: Vec<&str> = query?
        .split('&')
        .filter(|pair| !pair.starts_with("token=") && !pair.is_empty())
        .collect();
    (!rest.is_empty()).then(|| rest.join("&"))
}

/// Whether the Host header names 127.0.0.1 (or any 127.x), [::1] or localhost.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The same-origin rule for a state change (see the module documentation).
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|h: &HeaderValue| h.to_str().ok())
    };
    let host = text(header::HOST).unwrap_or("");
    let own = |url: &str| {
        !host.is_empty()
            && url
                .strip_prefix("http://")
                .map(|rest| rest.split('/').next() == Some(host))
                .unwrap_or(false)
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        // "null" (a sandboxed page, a redirect across origins) is never ours.
        return origin
            .to_str()
            .is_ok_and(|o| own(o) && !o[7..].contains('/'));
    }
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => site == "same-origin" || site == "none",
        // Not a browser: a Referer, if any, must still be ours.
        None => text(header::REFERER).is_none_or(own),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        for (n, v) in pairs {
            h.insert(*n, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_this_consoles_own_pages_and_non_browsers_may_change_state() {
        assert!(same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:8080"
        )])));
        assert!(!same_origin(&headers(&[("origin", "http://evil.example")])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:8081"
        )])));
        assert!(!same_origin(&headers(&[("origin", "null")])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "https://127.0.0.1:8080"
        )])));
        // No Origin: the browser's Sec-Fetch-Site decides.
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(!same_origin(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("referer", "http://evil.example/")
        ])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        // Neither: not a browser (the token guards it), unless its Referer is foreign.
        assert!(same_origin(&headers(&[])));
        assert!(!same_origin(&headers(&[(
            "referer",
            "http://evil.example/"
        )])));
        assert!(same_origin(&headers(&[(
            "referer",
            "http://127.0.0.1:8080/console"
        )])));
    }

    #[test]
    fn tokens_come_from_the_header_the_cookie_or_the_query() {
        let h = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "a=1; systmone-console-8080=xyz; b=2"),
        ]);
        assert_eq!(bearer(&h), Some("abc"));
        assert_eq!(cookie(&h, "systmone-console-8080"), Some("xyz"));
        assert_eq!(cookie(&h, "systmone-console-9090"), None);
        assert_eq!(query_token(Some("q=1&token=t")), Some("t".into()));
        assert_eq!(without_token(Some("q=1&token=t")), Some("q=1".into()));
        assert_eq!(without_token(Some("token=t")), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
