//! Helpers for the simulator's integration tests: a raw TCP connection and typed calls.
#![allow(dead_code)]

pub mod http;
pub mod kiosk;

use std::time::Duration;

use systmone_core::xml::XmlContent;
use systmone_core::{
    ApiKey, ErrorResponse, Function, Request, RequestHeader, Response, ResponseBody,
};
use systmone_sim::{SimConfig, SimHandle, Simulator, Throttle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const KEY: &str = "f31e26725b5491f2";

pub fn config() -> SimConfig {
    SimConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        throttle: Throttle::Off,
        ..SimConfig::default()
    }
}

pub async fn start() -> SimHandle {
    Simulator::start(config()).await.unwrap()
}

pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
    pub device_id: String,
    counter: u32,
}

impl Conn {
    pub async fn connect(sim: &SimHandle) -> Conn {
        Conn::connect_addr(sim.addr()).await
    }

    pub async fn connect_addr(addr: std::net::SocketAddr) -> Conn {
        Conn {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
            device_id: String::new(),
            counter: 0,
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
        self.stream.flush().await.unwrap();
    }

    /// The next response document (framed as the client frames it: the root element
    /// closes; text may hold newlines), or None at end of stream or after `wait`.
    pub async fn try_read(&mut self, wait: Duration) -> Option<String> {
        use tokio_util::codec::Decoder;
        tokio::time::timeout(wait, async {
            loop {
                let mut pending = bytes::BytesMut::from(&self.buf[..]);
                let mut codec = systmone_transport::codec::XmlDocumentCodec::new();
                if let Some(document) = codec.decode(&mut pending).expect("a well-framed response")
                {
                    self.buf = pending.to_vec();
                    // The newline written after each response.
                    if self.buf.first() == Some(&b'\n') {
                        self.buf.remove(0);
                    }
                    return Some(
                        String::from_utf8(document.to_vec())
                            .unwrap()
                            .trim()
                            .to_string(),
                    );
                }
                let mut chunk = vec![0u8; 65536];
                let n = self.stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                self.buf.extend_from_slice(&chunk[..n]);
            }
        })
        .await
        .ok()
        .flatten()
    }

    pub async fn read(&mut self) -> String {
        self.try_read(Duration::from_secs(20))
            .await
            .expect("a response")
    }

    pub fn header(&mut self) -> RequestHeader {
        self.counter += 1;
        RequestHeader {
            api_key: ApiKey::new(KEY),
            device_id: self.device_id.clone(),
            device_version: "sim-tests v1.0".into(),
            request_uid: format!("00000000-0000-0000-0000-{:012}", self.counter),
        }
    }

    pub fn request<F: Function>(&mut self, params: F::Parameters) -> Request<F::Parameters> {
        let header = self.header();
        Request::new::<F>(header, params)
    }

    pub async fn send<F: Function>(
        &mut self,
        request: &Request<F::Parameters>,
    ) -> Response<F::Result> {
        let text = request.to_xml().unwrap();
        self.send_raw(format!("{text}\n").as_bytes()).await;
        let reply = self.read().await;
        let response = Response::<F::Result>::from_xml(&reply)
            .unwrap_or_else(|e| panic!("cannot parse {reply}: {e}"));
        assert_eq!(response.request_uid, request.header.request_uid);
        assert_eq!(response.function, request.function);
        assert_eq!(response.function_version, request.function_version);
        if !response.device_id.is_empty() {
            self.device_id = response.device_id.clone();
        }
        response
    }

    pub async fn call<F: Function>(&mut self, params: F::Parameters) -> Response<F::Result> {
        let request = self.request::<F>(params);
        Box::pin(self.send::<F>(&request)).await
    }

    pub async fn ok<F: Function>(&mut self, params: F::Parameters) -> F::Result {
        success(self.call::<F>(params).await)
    }

    pub async fn err<F: Function>(&mut self, params: F::Parameters) -> ErrorResponse {
        error(self.call::<F>(params).await)
    }
}

pub fn success<T: XmlContent + std::fmt::Debug>(r: Response<T>) -> T {
    match r.body {
        ResponseBody::Success(v) => v,
        ResponseBody::Error(e) => panic!("unexpected error {e:?}"),
    }
}

pub fn error<T: XmlContent + std::fmt::Debug>(r: Response<T>) -> ErrorResponse {
    match r.body {
        ResponseBody::Success(v) => panic!("unexpected success {v:?}"),
        ResponseBody::Error(e) => e,
    }
}

/// The error of a raw response document.
pub fn raw_error(text: &str) -> ErrorResponse {
    error(
        Response::<systmone_core::NoContent>::from_xml(text)
            .unwrap_or_else(|e| panic!("{text}: {e}")),
    )
}

pub fn nhs(n: &str) -> systmone_types::Identity {
    systmone_types::Identity {
        extra: Default::default(),
        number: systmone_types::PatientId::NhsNumberMixedCase(n.into()),
        strategic_reporting_identifier: None,
    }
}
