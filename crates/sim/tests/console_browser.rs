//! The console in a real browser: Debian's chromium driven through chromedriver
//! (WebDriver, with fantoccini). It sees a device waiting for approval and approves it,
//! and the client's call succeeds; it opens a patient's record and a client's
//! IsPatientRetrieved answers true; it sees requests appear in the journal without a
//! reload; a page of another origin cannot post a form to it (403); and it saves a
//! screenshot to `target/sim-console.png`. It opens the address the simulator prints,
//! token included.
//!
//! `.ci/run` installs `chromium` and `chromium-driver` when missing. Without them the
//! test is reported as ignored (the build script finds them: `cfg(missing_chromium)`),
//! except under CI (`CI` set), where it runs and fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use systmone_bindings::get_current_selection_v1_0::{
    GetCurrentSelectionParameters, GetCurrentSelectionV1_0,
};
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::get_organisation_meta_data_v1_0::{
    GetOrganisationMetaDataParameters, GetOrganisationMetaDataV1_0,
};
use systmone_bindings::get_patient_record_v1_0::{
    GetPatientRecordParameters, GetPatientRecordV1_0, PatientRecordFilter,
};
use systmone_bindings::is_patient_retrieved_v1_0::{
    IsPatientRetrievedParameters, IsPatientRetrievedV1_0,
};
use systmone_bindings::patient_search_v1_0::{PatientSearchParameters, PatientSearchV1_0};
use systmone_core::{Flag, ResponseBody};
use systmone_sim::{Approval, SimConfig, Simulator};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Every wait for the browser is bounded by this.
const WAIT: Duration = Duration::from_secs(30);

/// The workspace's target directory (where the screenshot goes, not committed).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    tokio::time::timeout(WAIT, async {
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("chromedriver listening within 30 s");
    driver
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            // No outside network here: without these chromium stalls on start.
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1400,1100",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    tokio::time::timeout(
        WAIT,
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url),
    )
    .await
    .expect("a browser session within 30 s")
    .expect("a browser session")
}

/// Waits until the page has an element matching `css`.
async fn wait_for(browser: &Client, css: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page within 30 s: {e}"))
}

/// The text of the element `css` selects. The page re-renders its lists as it polls, so
/// an element found a moment ago may be gone (stale): it is found again, until WAIT.
async fn text_of(browser: &Client, css: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = wait_for(browser, css).await;
        match found.text().await {
            Ok(text) => return text,
            Err(e) if is_stale(&e) && tokio::time::Instant::now() < deadline => continue,
            Err(e) => panic!("text of {css}: {e}"),
        }
    }
}

/// Clicks the element `css` selects, finding it again when a re-render made it stale.
async fn click(browser: &Client, css: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = wait_for(browser, css).await;
        match found.click().await {
            Ok(()) => return,
            Err(e) if is_stale(&e) && tokio::time::Instant::now() < deadline => continue,
            Err(e) => panic!("click on {css}: {e}"),
        }
    }
}

fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(
        e,
        fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}

async fn count(browser: &Client, css: &str) -> usize {
    browser.find_all(Locator::Css(css)).await.unwrap().len()
}

#[tokio::test]
#[cfg_attr(
    missing_chromium,
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver (.ci/run does)"
)]
async fn the_console_in_a_browser() {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "{CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver (.ci/run does)"
    );
    let sim = Simulator::start(SimConfig {
        approval: Approval::Ask,
        console: Some("127.0.0.1:0".parse().unwrap()),
        ..config()
    })
    .await
    .unwrap();
    // The address the simulator prints, with its token (the page keeps it as a cookie).
    let console = sim.console_url().unwrap();
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, profile.path()).await;
    let outcome = tokio::time::timeout(
        Duration::from_secs(120),
        walk_through(&browser, &sim, &console),
    )
    .await;
    // The screenshot first, so a failure can be looked at too.
    let png = browser.screenshot().await.expect("a screenshot");
    let path = target_dir().join("sim-console.png");
    std::fs::write(&path, &png).unwrap();
    eprintln!("console screenshot: {}", path.display());
    let _ = browser.close().await;
    drop(driver);
    outcome.expect("the walk-through finished within 120 s");
    sim.shutdown().await;
}

/// A page on another loopback port (another origin) whose form posts itself to the
/// console, as a malicious page open in the operator's browser would; its address.
async fn foreign_page(console: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let html = format!(
        "<!DOCTYPE html><html><body><form method=\"post\" action=\"http://{console}/console/throttle\">\
         <input type=\"hidden\" name=\"mode\" value=\"spec\"></form>\
         <script>document.forms[0].submit()</script></body></html>"
    );
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.is_ok_and(|n| n == 1)
            {
                head.push(byte[0]);
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    format!("http://{addr}/")
}

async fn walk_through(browser: &Client, sim: &systmone_sim::SimHandle, console: &str) {
    browser.goto(console).await.unwrap();
    // The live-update stream is connected.
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//span[@id='live' and text()='live']"))
        .await
        .expect("live updates connected");

    // 1. A client started against --approve ask waits; the page shows it without a
    //    reload; Approve lets its call through.
    let addr = sim.addr();
    let first_call = tokio::spawn(async move {
        let mut c = Conn::connect_addr(addr).await;
        let mut request = c.request::<GetFunctionsV1_0>(GetFunctionsParameters {
            extra: Default::default(),
        });
        request.header.device_version = "Browser test integration v1.0".into();
        let response = c.send::<GetFunctionsV1_0>(&request).await;
        (c, response)
    });
    let pending_text = text_of(browser, "li.pending-device").await;
    assert!(
        pending_text.contains("Browser test integration v1.0"),
        "{pending_text}"
    );
    click(browser, "li.pending-device button.approve").await;
    let (mut client, response) = tokio::time::timeout(WAIT, first_call)
        .await
        .expect("the client's call finished after approval")
        .unwrap();
    match &response.body {
        ResponseBody::Success(f) => assert!(!f.supported_function.is_empty()),
        ResponseBody::Error(e) => panic!("approved, yet {e:?}"),
    }
    assert_eq!(response.device_id.len(), 16, "a Device ID was issued");

    // 2. Open a patient's record from the page: IsPatientRetrieved says so.
    assert!(
        !client
            .ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters {
                extra: Default::default(),
            })
            .await
            .is_patient_retrieved
    );
    let search = wait_for(browser, "#search input[name=q]").await;
    search.send_keys("Hartley").await.unwrap();
    browser
        .find(Locator::Css("#search button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(browser, "button.open-record[data-number='4667633050']").await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(
            "//dd[@id='ui-record']/span[text()='4667633050']",
        ))
        .await
        .expect("the page shows the open record");
    assert!(
        client
            .ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters {
                extra: Default::default(),
            })
            .await
            .is_patient_retrieved,
        "the record opened in the console is retrieved"
    );
    assert_eq!(
        sim.control().open_record_number().as_deref(),
        Some("4667633050")
    );

    // 3. Requests appear in the journal without a reload.
    browser
        .execute("window.sameDocument = 'yes'; return null;", vec![])
        .await
        .unwrap();
    let before = count(browser, "#journal-table tr.journal-row").await;
    client
        .ok::<GetOrganisationMetaDataV1_0>(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: Some(String::new()),
        })
        .await;
    client
        .ok::<PatientSearchV1_0>(PatientSearchParameters {
            surname: Some("Hartley".into()),
            first_name: Some("Daniel".into()),
            ..Default::default()
        })
        .await;
    client
        .ok::<GetPatientRecordV1_0>(GetPatientRecordParameters {
            extra: Default::default(),
            identity: Some(nhs("4667633050")),
            leave_record_open: None,
            filter: Some(PatientRecordFilter {
                demographics: Some(Flag),
                ..Default::default()
            }),
        })
        .await;
    client
        .ok::<GetCurrentSelectionV1_0>(GetCurrentSelectionParameters {
            extra: Default::default(),
        })
        .await;
    wait_for(
        browser,
        "#journal-table tr.journal-row[data-function='GetCurrentSelection']",
    )
    .await;
    let after = count(browser, "#journal-table tr.journal-row").await;
    assert!(after >= before + 4, "journal rows {before} -> {after}");
    let same = browser
        .execute("return window.sameDocument || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(same, serde_json::json!("yes"), "the page was not reloaded");
    let journal_text = text_of(browser, "#journal-table").await;
    for function in [
        "GetFunctions",
        "IsPatientRetrieved",
        "PatientSearch",
        "GetPatientRecord",
    ] {
        assert!(
            journal_text.contains(function),
            "{function} in {journal_text}"
        );
    }

    // 4. A page of another origin the operator has open (another port of this host)
    //    submits a form to the console: refused, and nothing changes.
    let foreign = foreign_page(sim.console_addr().unwrap()).await;
    assert_eq!(sim.control().throttle().mode, systmone_sim::Throttle::Off);
    browser.goto(&foreign).await.unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(
            "//*[contains(text(), 'cross-origin requests that change state are refused')]",
        ))
        .await
        .expect("the console refused the other origin's form");
    assert_eq!(
        sim.control().throttle().mode,
        systmone_sim::Throttle::Off,
        "the throttle was not switched on"
    );
    // Back to the console, for the screenshot.
    browser.goto(console).await.unwrap();
}
