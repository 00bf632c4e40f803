//! Patient data never reaches the simulator's log at info: a test in a file of its own,
//! since it installs the process's global log subscriber.

mod common;

use common::*;

/// Everything written through a `tracing_subscriber` writer, kept for the test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_nhs_number_not_found_is_not_logged_at_info() {
    use systmone_bindings::get_patient_record_v1_0::{
        GetPatientRecordParameters, GetPatientRecordV1_0,
    };
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, not per thread: the simulator logs from its own tasks and threads. This
    // file holds this one test, so nothing else logs into the capture.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let sim = start().await;
    let mut c = Conn::connect(&sim).await;
    let number = "9434765919";
    let e = c
        .err::<GetPatientRecordV1_0>(GetPatientRecordParameters {
            extra: Default::default(),
            identity: Some(nhs(number)),
            leave_record_open: None,
            filter: None,
        })
        .await;
    assert!(e.message.contains(number), "{}", e.message);
    sim.shutdown().await;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request failed"), "{log}");
    assert!(!log.contains(number), "{log}");
}
