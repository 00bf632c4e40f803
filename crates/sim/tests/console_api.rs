//! The admin API (JSON) and the console's pages, against a running simulator: what a
//! CI script sets through HTTP is what a client sees over the interface, and the
//! journal shows what the client sent.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::http::{self, get, post_form, send_json};
use common::*;
use serde_json::json;
use systmone_bindings::get_current_activity_v1_0::{
    GetCurrentActivityParameters, GetCurrentActivityV1_0,
};
use systmone_bindings::get_current_selection_v1_0::{
    GetCurrentSelectionParameters, GetCurrentSelectionV1_0,
};
use systmone_bindings::get_functions_v1_0::{GetFunctionsParameters, GetFunctionsV1_0};
use systmone_bindings::get_organisation_meta_data_v1_0::{
    GetOrganisationMetaDataParameters, GetOrganisationMetaDataV1_0,
};
use systmone_bindings::is_patient_retrieved_v1_0::{
    IsPatientRetrievedParameters, IsPatientRetrievedV1_0,
};
use systmone_core::ResponseBody;
use systmone_sim::{Approval, SimConfig, SimHandle, Simulator, Throttle};
use systmone_types::{CurrentSelectionItem, SchemeName};

async fn start_with(config: SimConfig) -> (SimHandle, SocketAddr) {
    let sim = Simulator::start(SimConfig {
        console: Some("127.0.0.1:0".parse().unwrap()),
        console_token: Some(http::TOKEN.to_string()),
        ..config
    })
    .await
    .unwrap();
    let console = sim.console_addr().expect("a console address");
    (sim, console)
}

async fn retrieved(c: &mut Conn) -> bool {
    c.ok::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters {
        extra: Default::default(),
    })
    .await
    .is_patient_retrieved
}

#[tokio::test]
async fn ui_state_set_through_the_api_is_what_clients_see() {
    let (sim, api) = start_with(config()).await;
    let mut c = Conn::connect(&sim).await;

    let ui = get(api, "/api/ui").await;
    assert_eq!(ui.status, 200);
    assert_eq!(ui.json()["open_record"], serde_json::Value::Null);
    assert_eq!(ui.json()["user"], "dlittler2405");
    assert!(!retrieved(&mut c).await);

    // Open a record: IsPatientRetrieved and GetCurrentActivity follow.
    let opened = send_json(
        api,
        "PUT",
        "/api/ui/record",
        json!({"number": "7737976078"}),
    )
    .await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.json()["open_record"]["number"], "7737976078");
    assert_eq!(opened.json()["open_record"]["displayable"], true);
    assert!(retrieved(&mut c).await);
    let activity = send_json(
        api,
        "PUT",
        "/api/ui/activity",
        json!({"activity": ["Patient Actions", "Prescribing"]}),
    )
    .await;
    assert_eq!(activity.status, 200);
    let a = c
        .ok::<GetCurrentActivityV1_0>(GetCurrentActivityParameters {
            extra: Default::default(),
        })
        .await;
    assert_eq!(a.activity, ["Patient Actions", "Prescribing"]);
    assert_eq!(
        a.identity.unwrap().strategic_reporting_identifier,
        Some(665584)
    );

    // The selection: set, add, read back through GetCurrentSelection.
    let set = send_json(
        api,
        "PUT",
        "/api/ui/selection",
        json!({"items": [{"kind": "drug", "scheme": "Multilex", "id": "1004531",
                          "name": "Paracetamol 500mg soluble tablets"}]}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let added = send_json(
        api,
        "POST",
        "/api/ui/selection",
        json!({"kind": "code", "scheme": "CTV3", "id": "XE0s6", "name": "Essential hypertension"}),
    )
    .await;
    assert_eq!(added.json()["selection"].as_array().unwrap().len(), 2);
    let s = c
        .ok::<GetCurrentSelectionV1_0>(GetCurrentSelectionParameters {
            extra: Default::default(),
        })
        .await;
    match &s.current_selection.items[..] {
        [
            CurrentSelectionItem::Drug(d),
            CurrentSelectionItem::Code(code),
        ] => {
            assert_eq!(d.product_id, "1004531");
            assert_eq!(code.scheme, SchemeName::Ctv3);
            assert_eq!(code.code, "XE0s6");
        }
        other => panic!("{other:?}"),
    }
    let bad = send_json(
        api,
        "POST",
        "/api/ui/selection",
        json!({"kind": "pill", "scheme": "Multilex", "id": "1"}),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("kind"));
    let cleared = http::request(api, "DELETE", "/api/ui/selection", None, "", &[]).await;
    assert_eq!(cleared.json()["selection"], json!([]));

    // The logged-on user.
    let unknown = send_json(api, "PUT", "/api/ui/user", json!({"user_name": "nobody"})).await;
    assert_eq!(unknown.status, 404);
    let users = sim.control().practice().users;
    let other = users.iter().find(|u| *u != "dlittler2405").unwrap().clone();
    let user = send_json(api, "PUT", "/api/ui/user", json!({"user_name": other})).await;
    assert_eq!(user.status, 200);
    let me = c
        .ok::<GetOrganisationMetaDataV1_0>(GetOrganisationMetaDataParameters {
            extra: Default::default(),
            logged_on_user_only: Some(String::new()),
        })
        .await;
    assert_eq!(me.user[0].user_name, other);

    // A patient the practice does not have cannot be opened; closing works.
    let missing = send_json(api, "PUT", "/api/ui/record", json!({"number": "123"})).await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].as_str().unwrap().contains("123"));
    let closed = http::request(api, "DELETE", "/api/ui/record", None, "", &[]).await;
    assert_eq!(closed.json()["open_record"], serde_json::Value::Null);
    assert!(!retrieved(&mut c).await);

    // Reset: the UI is cleared and the practice is the seed's again.
    send_json(
        api,
        "PUT",
        "/api/ui/record",
        json!({"number": "7737976078"}),
    )
    .await;
    let reset = http::request(api, "POST", "/api/reset", None, "", &[]).await;
    assert_eq!(reset.status, 200);
    assert!(!retrieved(&mut c).await);
    assert_eq!(get(api, "/api/ui").await.json()["user"], "dlittler2405");
    sim.shutdown().await;
}

#[tokio::test]
async fn the_journal_lists_filters_and_clears() {
    let (sim, api) = start_with(config()).await;
    let mut c = Conn::connect(&sim).await;
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    })
    .await;
    let request = c.request::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters {
        extra: Default::default(),
    });
    let uid = request.header.request_uid.clone();
    c.send::<IsPatientRetrievedV1_0>(&request).await;

    let all = get(api, "/api/journal").await.json();
    let entries = all["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["function"], "GetFunctions");
    assert_eq!(entries[0]["outcome"], "success");
    assert_eq!(entries[0]["seq"], 1);
    assert!(entries[0]["device_id"].as_str().unwrap().len() == 16);
    assert!(
        entries[0].get("request_xml").is_none(),
        "XML only on request"
    );
    assert_eq!(all["throttled_total"], 0);

    let by_function = get(api, "/api/journal?function=isPatientRetrieved&xml=true")
        .await
        .json();
    let found = by_function["entries"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["request_uid"], uid.as_str());
    let request_xml = found[0]["request_xml"].as_str().unwrap();
    assert!(request_xml.contains(&uid));
    assert!(!request_xml.contains(KEY), "the API key is never shown");
    assert!(request_xml.contains("<APIKey>[redacted]</APIKey>"));
    assert!(
        found[0]["response_xml"]
            .as_str()
            .unwrap()
            .contains("<IsPatientRetrieved>")
    );
    let by_uid = get(api, &format!("/api/journal?request_uid={uid}"))
        .await
        .json();
    assert_eq!(by_uid["entries"].as_array().unwrap().len(), 1);
    let later = get(api, "/api/journal?since=2999-01-01T00:00:00")
        .await
        .json();
    assert_eq!(later["entries"], json!([]));
    let after = get(api, "/api/journal?after=1").await.json();
    assert_eq!(after["entries"].as_array().unwrap().len(), 1);
    let bad_time = get(api, "/api/journal?since=yesterday").await;
    assert_eq!(bad_time.status, 400);

    let one = get(api, "/api/journal/2").await;
    assert_eq!(one.json()["request_uid"], uid.as_str());
    assert_eq!(get(api, "/api/journal/99").await.status, 404);

    // The console shows the same entries, and a row opens the XML.
    let page = get(api, "/console").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("IsPatientRetrieved") && page.body.contains(&uid));
    let entry_page = get(api, "/console/journal/2").await;
    assert!(!entry_page.body.contains(KEY), "the API key is never shown");
    assert!(
        entry_page.body.contains("&lt;IsPatientRetrieved&gt;"),
        "escaped XML"
    );

    let cleared = http::request(api, "DELETE", "/api/journal", None, "", &[]).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(get(api, "/api/journal").await.json()["entries"], json!([]));
    // Numbers are not reused after a clear.
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    })
    .await;
    assert_eq!(
        get(api, "/api/journal").await.json()["entries"][0]["seq"],
        3
    );
    sim.shutdown().await;
}

/// A request departing from the bindings is answered, and the journal shows how it
/// departs (FIELD-EVIDENCE F14): kind, path and count, in the API and the console,
/// never the values.
#[tokio::test]
async fn the_journal_shows_a_requests_drift() {
    let (sim, api) = start_with(config()).await;
    let mut c = Conn::connect(&sim).await;
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters::default())
        .await;
    let request = c.request::<IsPatientRetrievedV1_0>(IsPatientRetrievedParameters {
        extra: Default::default(),
    });
    let xml = request.to_xml().unwrap().replace(
        "<FunctionParameters>",
        "<FunctionParameters><Nickname>Hetty</Nickname>",
    );
    c.send_raw(format!("{xml}\n").as_bytes()).await;
    let reply = c.read().await;
    assert!(!reply.contains("<ErrorMessage>"), "{reply}");

    let entries = get(api, "/api/journal").await.json()["entries"].clone();
    assert!(entries[0].get("request_drift").is_none(), "none when none");
    assert_eq!(
        entries[1]["request_drift"],
        json!([{"kind": "unknown element", "path": "FunctionParameters/Nickname", "count": 1}])
    );
    assert!(!entries[1].to_string().contains("Hetty"), "no values");
    let page = get(api, "/console/journal/2").await;
    assert!(
        page.body.contains("FunctionParameters/Nickname"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("None: the request matches"));
    let rows = get(api, "/console").await;
    assert!(rows.body.contains("(drift)"));
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_rules_are_added_and_removed_at_run_time() {
    let (sim, api) = start_with(config()).await;
    let mut c = Conn::connect(&sim).await;
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    })
    .await;

    let bad = send_json(api, "POST", "/api/faults", json!({"spec": "explode@1"})).await;
    assert_eq!(bad.status, 400);
    // `@1` counts from when the rule is added: the next request.
    let added = send_json(api, "POST", "/api/faults", json!({"spec": "temporary@1"})).await;
    assert_eq!(added.json()["faults"], json!(["temporary@1"]));
    let e = c
        .err::<GetFunctionsV1_0>(GetFunctionsParameters {
            extra: Default::default(),
        })
        .await;
    assert!(!e.permanent, "{e:?}");
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    })
    .await;
    let journal = get(api, "/api/journal?function=GetFunctions").await.json();
    assert_eq!(journal["entries"][1]["fault"], "temporary@1");

    send_json(api, "POST", "/api/faults", json!({"spec": "drop%1"})).await;
    let removed = http::request(api, "DELETE", "/api/faults/1", None, "", &[]).await;
    assert_eq!(removed.json()["faults"], json!(["temporary@1"]));
    assert_eq!(
        http::request(api, "DELETE", "/api/faults/7", None, "", &[])
            .await
            .status,
        404
    );
    c.ok::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    })
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn devices_wait_for_approval_through_the_api() {
    let (sim, api) = start_with(SimConfig {
        approval: Approval::Ask,
        ..config()
    })
    .await;
    let device = |version: &'static str| {
        let addr = sim.addr();
        tokio::spawn(async move {
            let mut c = Conn::connect_addr(addr).await;
            let mut request = c.request::<GetFunctionsV1_0>(GetFunctionsParameters {
                extra: Default::default(),
            });
            request.header.device_version = version.into();
            c.send::<GetFunctionsV1_0>(&request).await
        })
    };
    let first = device("approved-app v1");
    let pending = wait_for_pending(api, 1).await;
    assert_eq!(pending[0]["device_version"], "approved-app v1");
    let id = pending[0]["id"].as_u64().unwrap();
    let approved = http::request(
        api,
        "POST",
        &format!("/api/devices/pending/{id}/approve"),
        None,
        "",
        &[],
    )
    .await;
    assert_eq!(approved.status, 200);
    let response = first.await.unwrap();
    assert!(matches!(response.body, ResponseBody::Success(_)));
    assert_eq!(response.device_id.len(), 16);
    let devices = get(api, "/api/devices").await.json();
    assert!(
        devices["known"]
            .as_array()
            .unwrap()
            .contains(&json!(response.device_id))
    );
    assert_eq!(devices["pending"], json!([]));
    // Answering twice is an error, not a crash.
    let again = http::request(
        api,
        "POST",
        &format!("/api/devices/pending/{id}/approve"),
        None,
        "",
        &[],
    )
    .await;
    assert_eq!(again.status, 404);

    let second = device("blocked-app v1");
    let pending = wait_for_pending(api, 1).await;
    let id = pending[0]["id"].as_u64().unwrap();
    http::request(
        api,
        "POST",
        &format!("/api/devices/pending/{id}/block"),
        None,
        "",
        &[],
    )
    .await;
    match second.await.unwrap().body {
        ResponseBody::Error(e) => assert!(e.message.contains("blocked"), "{e:?}"),
        other => panic!("{other:?}"),
    }

    // Block and unblock a known device.
    let path = format!("/api/devices/{}/block", response.device_id);
    http::request(api, "POST", &path, None, "", &[]).await;
    assert!(
        get(api, "/api/devices").await.json()["blocked"]
            .as_array()
            .unwrap()
            .contains(&json!(response.device_id))
    );
    http::request(api, "DELETE", &path, None, "", &[]).await;
    assert_eq!(get(api, "/api/devices").await.json()["blocked"], json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_approval_times_out_with_a_temporary_error() {
    let (sim, api) = start_with(SimConfig {
        approval: Approval::Ask,
        approval_timeout: Duration::from_millis(300),
        ..config()
    })
    .await;
    let mut c = Conn::connect(&sim).await;
    let e = c
        .err::<GetFunctionsV1_0>(GetFunctionsParameters {
            extra: Default::default(),
        })
        .await;
    assert!(
        !e.permanent && e.message.contains("did not answer"),
        "{e:?}"
    );
    assert_eq!(get(api, "/api/devices").await.json()["pending"], json!([]));
    sim.shutdown().await;
}

async fn wait_for_pending(api: SocketAddr, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        let devices = get(api, "/api/devices").await.json();
        let pending = devices["pending"].as_array().unwrap().clone();
        if pending.len() >= n {
            return pending;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no device waited for approval within 5 s");
}

/// The throttle on tokio's paused clock; HTTP calls run with the clock going (see
/// `live` in throttle.rs).
#[tokio::test(start_paused = true)]
async fn the_throttle_counts_what_it_kept_and_can_be_switched() {
    let (sim, api) = start_with(SimConfig {
        throttle: Throttle::Spec,
        ..config()
    })
    .await;
    let mut c = Conn::connect(&sim).await;
    let first = c.request::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    });
    let second = c.request::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    });
    assert!(live(answered(&mut c, first.to_xml().unwrap())).await);
    assert!(
        !answered(&mut c, second.to_xml().unwrap()).await,
        "throttled"
    );
    let throttle = live(get(api, "/api/throttle")).await.json();
    assert_eq!(throttle["mode"], "spec");
    assert_eq!(throttle["throttled"], 1);
    let journal = live(get(api, "/api/journal?function=GetFunctions"))
        .await
        .json();
    assert_eq!(journal["throttled_total"], 1);
    assert_eq!(journal["entries"][1]["outcome"], "throttled");

    let off = live(send_json(
        api,
        "PUT",
        "/api/throttle",
        json!({"mode": "off"}),
    ))
    .await;
    assert_eq!(off.json()["mode"], "off");
    let third = c.request::<GetFunctionsV1_0>(GetFunctionsParameters {
        extra: Default::default(),
    });
    assert!(live(answered(&mut c, third.to_xml().unwrap())).await);
    let bad = live(send_json(
        api,
        "PUT",
        "/api/throttle",
        json!({"mode": "fast"}),
    ))
    .await;
    assert_eq!(bad.status, 400);
    sim.shutdown().await;
}

async fn answered(c: &mut Conn, request: String) -> bool {
    c.send_raw(format!("{request}\n").as_bytes()).await;
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    c.try_read(Duration::from_millis(500)).await.is_some()
}

async fn live<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::resume();
    let out = call.await;
    tokio::time::pause();
    out
}

#[tokio::test]
async fn a_practice_is_loaded_and_reset() {
    let (sim, api) = start_with(config()).await;
    let mut practice = sim.control().practice_data();
    practice.patients.retain(|p| p.document_example);
    let number = sim.control().practice().nhs_numbers[0].clone();
    let loaded = http::request(
        api,
        "PUT",
        "/api/practice",
        Some("application/json"),
        &practice.to_json(),
        &[],
    )
    .await;
    assert_eq!(loaded.status, 200, "{}", loaded.body);
    let gone = send_json(api, "PUT", "/api/ui/record", json!({"number": number})).await;
    assert_eq!(gone.status, 404, "a generated patient is no longer there");
    let invalid = http::request(
        api,
        "PUT",
        "/api/practice",
        Some("application/json"),
        "{\"sites\": 3}",
        &[],
    )
    .await;
    assert_eq!(invalid.status, 400);
    assert!(
        invalid.json()["error"]
            .as_str()
            .unwrap()
            .contains("invalid practice")
    );

    http::request(api, "POST", "/api/reset", None, "", &[]).await;
    let back = send_json(api, "PUT", "/api/ui/record", json!({"number": number})).await;
    assert_eq!(back.status, 200, "reset brings the seed's practice back");
    sim.shutdown().await;
}

#[tokio::test]
async fn the_console_page_searches_opens_and_refuses_other_origins() {
    let (sim, api) = start_with(config()).await;
    let mut c = Conn::connect(&sim).await;
    let page = get(api, "/console?q=hartley").await;
    assert!(page.body.contains("4667633050"), "search by name");
    let page = get(api, "/console?q=46676").await;
    assert!(page.body.contains("Hartley"), "search by number");

    let opened = post_form(api, "/console/record/open", "number=4667633050").await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.header("location"), Some("/console"));
    assert!(retrieved(&mut c).await);
    let ui = get(api, "/console/fragment/ui").await;
    assert!(ui.body.contains("Hartley") && ui.body.contains("4667633050"));

    let refused = post_form(api, "/console/record/open", "number=12").await;
    let location = refused.header("location").unwrap();
    assert!(location.starts_with("/console?msg="), "{location}");
    let picked = post_form(
        api,
        "/console/selection/add",
        "pick=code%7CCTV3%7CXE0s6%7CEssential+hypertension",
    )
    .await;
    assert_eq!(picked.status, 303);
    assert_eq!(
        get(api, "/api/ui").await.json()["selection"][0]["id"],
        "XE0s6"
    );

    // A page from another origin cannot drive the simulator; the console's own can.
    let foreign = http::request(
        api,
        "POST",
        "/console/record/close",
        None,
        "",
        &[("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!(foreign.status, 403);
    assert!(retrieved(&mut c).await);
    let own_origin = format!("http://{api}");
    let own = http::request(
        api,
        "POST",
        "/console/record/close",
        None,
        "",
        &[("Origin", &own_origin)],
    )
    .await;
    assert_eq!(own.status, 303);
    assert!(!retrieved(&mut c).await);

    assert!(
        get(api, "/console/assets/console.js")
            .await
            .body
            .contains("EventSource")
    );
    assert_eq!(get(api, "/console/fragment/nothing").await.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_console_needs_its_token_and_state_changes_need_the_same_origin() {
    let (sim, api) = start_with(config()).await;
    let bare = |method: &'static str, path: &'static str, headers: Vec<(&'static str, String)>| async move {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        http::request_without_token(
            api,
            method,
            path,
            Some("application/x-www-form-urlencoded"),
            if method == "POST" { "mode=off" } else { "" },
            &headers,
        )
        .await
    };
    // Without the token: nothing but the page's assets.
    for path in [
        "/console",
        "/api/ui",
        "/api/journal",
        "/console/fragment/journal",
    ] {
        assert_eq!(bare("GET", path, vec![]).await.status, 401, "{path}");
    }
    assert_eq!(
        bare("GET", "/console/assets/console.css", vec![])
            .await
            .status,
        200
    );
    let wrong = vec![("Authorization", "Bearer not-the-token".to_string())];
    assert_eq!(bare("GET", "/api/ui", wrong).await.status, 401);

    // The printed address sets a cookie and comes back without the token.
    let printed = sim.console_url().unwrap();
    assert_eq!(
        printed,
        format!("http://{api}/console?token={}", http::TOKEN)
    );
    let opened = bare("GET", "/console?token=test-console-token", vec![]).await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.header("location"), Some("/console"));
    let cookie = opened.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    assert_eq!(
        cookie,
        format!("systmone-console-{}={}", api.port(), http::TOKEN)
    );
    let page = bare("GET", "/console", vec![("Cookie", cookie.clone())]).await;
    assert_eq!(page.status, 200);

    // A cross-site form POST (no Origin; the browser says cross-site) is refused,
    // even with the cookie, and changes nothing.
    let throttle = || async { get(api, "/api/throttle").await.json()["mode"].clone() };
    assert_eq!(throttle().await, "off");
    let _ = send_json(api, "PUT", "/api/throttle", json!({"mode": "spec"})).await;
    assert_eq!(throttle().await, "spec");
    let cross_site = bare(
        "POST",
        "/console/throttle",
        vec![
            ("Cookie", cookie.clone()),
            ("Referer", "http://evil.example/".into()),
            ("Sec-Fetch-Site", "cross-site".into()),
        ],
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);
    let foreign = bare(
        "POST",
        "/console/throttle",
        vec![
            ("Cookie", cookie.clone()),
            ("Origin", "http://evil.example".into()),
        ],
    )
    .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(throttle().await, "spec", "unchanged");
    // The console's own form (same-origin, with or without Origin) is accepted.
    let own = bare(
        "POST",
        "/console/throttle",
        vec![
            ("Cookie", cookie.clone()),
            ("Sec-Fetch-Site", "same-origin".into()),
        ],
    )
    .await;
    assert_eq!(own.status, 303);
    assert_eq!(throttle().await, "off");
    // No cookie, no token: refused even from the console's own origin.
    let no_token = bare(
        "POST",
        "/console/throttle",
        vec![("Origin", format!("http://{api}"))],
    )
    .await;
    assert_eq!(no_token.status, 401);
    // curl with the token (no browser headers) changes state through the API.
    let curl = send_json(api, "PUT", "/api/throttle", json!({"mode": "spec"})).await;
    assert_eq!(curl.status, 200, "{}", curl.body);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_stdin_commands_use_the_same_operations() {
    let (sim, api) = start_with(config()).await;
    let control = sim.control();
    assert_eq!(control.command("fault drop@1"), "ok");
    assert_eq!(
        get(api, "/api/faults").await.json()["faults"],
        json!(["drop@1"])
    );
    assert_eq!(control.command("unfault 0"), "removed drop@1");
    assert_eq!(control.command("throttle off"), "throttle off");
    assert_eq!(get(api, "/api/throttle").await.json()["mode"], "off");
    assert!(control.command("user nobody").contains("no user"));
    assert_eq!(control.command("open 4667633050"), "opened 4667633050");
    assert_eq!(
        get(api, "/api/ui").await.json()["open_record"]["number"],
        "4667633050"
    );
    assert_eq!(
        control.command("approve"),
        "no such device is waiting for approval"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_waiting_device_is_approved_from_the_terminal_commands() {
    let (sim, api) = start_with(SimConfig {
        approval: Approval::Ask,
        ..config()
    })
    .await;
    let addr = sim.addr();
    let call = tokio::spawn(async move {
        let mut c = Conn::connect_addr(addr).await;
        c.call::<GetFunctionsV1_0>(GetFunctionsParameters {
            extra: Default::default(),
        })
        .await
    });
    let pending = wait_for_pending(api, 1).await;
    let id = pending[0]["id"].as_u64().unwrap();
    assert!(
        sim.control()
            .command("devices")
            .contains(&format!("pending {id}"))
    );
    assert_eq!(
        sim.control().command(&format!("approve {id}")),
        format!("approved device {id}")
    );
    assert!(matches!(call.await.unwrap().body, ResponseBody::Success(_)));
    sim.shutdown().await;
}
