//! Particular mapping rules, on small GetPatientRecord responses written here.

use chrono::NaiveDate;
use serde_json::Value;
use systmone_bindings::AnyResponse;
use systmone_bindings::get_reference_data_v1_0::{GetReferenceDataResult, NumericReadCodeUnits};
use systmone_core::ResponseBody;
use systmone_fhir::{MapOptions, Mapped, Reason, patient_record_bundle};

fn map(body: &str) -> (Value, Mapped) {
    map_with(
        body,
        &MapOptions::new(NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()),
    )
}

fn map_with(body: &str, options: &MapOptions) -> (Value, Mapped) {
    let xml = format!(
        "<ClientIntegrationResponse><DeviceID>392752167bd7f69b</DeviceID>\
         <RequestUID>AACB44C0-B35F-11E3-A459-010000004280</RequestUID>\
         <Function>GetPatientRecord</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>AD01ACC0-B35F-11E3-AE33-010000004608</ResponseUID>\
         <Response>{body}</Response></ClientIntegrationResponse>"
    );
    let AnyResponse::GetPatientRecordV1_0(response) = AnyResponse::parse(&xml).unwrap() else {
        panic!("not a GetPatientRecord response")
    };
    let ResponseBody::Success(record) = &response.body else {
        panic!("an error response")
    };
    let mapped = patient_record_bundle(record, options);
    (serde_json::to_value(&mapped.bundle).unwrap(), mapped)
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

const EVENT: &str = r#"<Event DateTime="2025-07-01T10:00:00" UserName="ihartwell" DoneBy="HARTWELL, Imogen (General Medical Practitioner) " DoneAt="Surgery" EventUID="a1c4e07b00000000">"#;

#[test]
fn an_nhs_number_failing_its_check_digit_is_reported_not_written() {
    let (bundle, mapped) = map("<Identity><NHSNumber>9990184322</NHSNumber></Identity>");
    let patient = resources(&bundle, "Patient")[0];
    assert!(patient.get("identifier").is_none());
    let item = &mapped.report.not_mapped[0];
    assert_eq!(
        (item.path.as_str(), item.value.as_str(), item.reason),
        ("Identity/NHSNumber", "9990184322", Reason::Invalid)
    );
}

#[test]
fn a_pseudo_number_is_an_identifier_without_the_nhs_system() {
    let (bundle, mapped) = map("<Identity><PseudoNumber>ABC123</PseudoNumber></Identity>");
    let identifier = &resources(&bundle, "Patient")[0]["identifier"][0];
    assert_eq!(identifier["value"], "ABC123");
    assert!(identifier.get("system").is_none());
    assert!(mapped.report.is_empty());
}

#[test]
fn codes_keep_their_scheme_and_an_unknown_scheme_is_reported() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="22K.." Scheme="CTV3" Term="Body Mass Index"/><Value>24.3</Value></ClinicalCode>
        <ClinicalCode><Code Code="60621009" Scheme="Snomed" Term="Body mass index"/></ClinicalCode>
        <ClinicalCode><Code Code="E123" Scheme="EMIS" Term="Local code"/></ClinicalCode>
        <Medication><Drug Name="Amoxicillin 500mg capsules" ProductID="323509004" Scheme="Dmd"/></Medication>
        </Event></Clinical>"#
    ));
    let observations = resources(&bundle, "Observation");
    assert_eq!(
        observations[0]["code"]["coding"][0]["system"],
        "http://read.info/ctv3"
    );
    assert_eq!(observations[0]["valueQuantity"]["value"], 24.3);
    assert_eq!(
        observations[1]["code"]["coding"][0]["system"],
        "http://snomed.info/sct"
    );
    assert!(observations[2]["code"].get("coding").is_none());
    assert_eq!(observations[2]["code"]["text"], "Local code");
    let medication = resources(&bundle, "MedicationStatement")[0];
    assert_eq!(
        medication["medicationCodeableConcept"]["coding"][0]["system"],
        "https://dmd.nhs.uk"
    );
    let items: Vec<_> = mapped.report.with_reason(Reason::Invalid).collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].value, "EMIS:E123");
    // Summer time: the UK offset is +01:00.
    assert_eq!(
        observations[0]["effectiveDateTime"],
        "2025-07-01T10:00:00+01:00"
    );
}

#[test]
fn medication_status_follows_its_dates_and_end_reason() {
    let med = |dates: &str| {
        format!(
            r#"<Medication><Drug Name="X" ProductID="1" Scheme="Multilex"/>{dates}</Medication>"#
        )
    };
    let (bundle, _) = map(&format!(
        "<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}{}{}{}{}</Event></Clinical>",
        med("<StartDate>2025-01-01</StartDate>"),
        med("<StartDate>2025-01-01</StartDate><EndDate>2025-02-01</EndDate>"),
        med("<StartDate>2025-01-01</StartDate><EndDate>2026-02-01</EndDate>"),
        med(
            "<StartDate>2025-01-01</StartDate><EndDate>2025-02-01</EndDate><EndReason>Side effects</EndReason>"
        ),
    ));
    let statuses: Vec<&str> = resources(&bundle, "MedicationStatement")
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "completed", "active", "stopped"]);
    let stopped = resources(&bundle, "MedicationStatement")[3];
    assert_eq!(stopped["statusReason"][0]["text"], "Side effects");
    assert_eq!(stopped["effectivePeriod"]["end"], "2025-02-01");
}

#[test]
fn problems_and_links() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="H33.." Scheme="CTV3" Term="Asthma"/><Episodicity>First</Episodicity><ProblemUID>2f90d6b7e4c81a35</ProblemUID><ProblemSeverity>Major</ProblemSeverity><ProblemEndDate>2025-10-31</ProblemEndDate></ClinicalCode>
        <ClinicalCode><Code Code="663U." Scheme="CTV3" Term="Asthma management plan given"/><LinkedProblemUID>2f90d6b7e4c81a35</LinkedProblemUID><LinkedProblemUID>0000000000000000</LinkedProblemUID></ClinicalCode>
        </Event></Clinical>"#
    ));
    let condition = resources(&bundle, "Condition")[0];
    assert_eq!(condition["clinicalStatus"]["coding"][0]["code"], "resolved");
    assert_eq!(condition["abatementDateTime"], "2025-10-31");
    assert_eq!(condition["severity"]["text"], "Major");
    assert_eq!(condition["note"][0]["text"], "Episodicity: First");
    let observation = resources(&bundle, "Observation")[0];
    let observation_url = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["id"] == observation["id"])
        .unwrap()["fullUrl"]
        .clone();
    assert_eq!(
        condition["evidence"][0]["detail"][0]["reference"],
        observation_url
    );
    let unresolved: Vec<_> = mapped.report.with_reason(Reason::UnresolvedLink).collect();
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unresolved[0].value, "0000000000000000");
}

#[test]
fn unknown_content_of_a_typed_item_is_reported() {
    let (_, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode Flavour="x"><Code Code="H33.." Scheme="CTV3" Term="Asthma"/><Mystery>kept</Mystery></ClinicalCode>
        </Event></Clinical>"#
    ));
    let unknown: Vec<(&str, &str)> = mapped
        .report
        .with_reason(Reason::Unknown)
        .map(|i| (i.path.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("Clinical/Event[1]/ClinicalCode[1]/@Flavour", "x"),
            (
                "Clinical/Event[1]/ClinicalCode[1]/Mystery",
                "<Mystery>kept</Mystery>"
            ),
        ]
    );
}

#[test]
fn the_same_record_gives_the_same_bundle() {
    let body = format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}<Narrative><Line>Seen.</Line></Narrative></Event></Clinical>"#
    );
    let (first, _) = map(&body);
    let (second, _) = map(&body);
    assert_eq!(first, second);
    // A narrative alone becomes a Comment note.
    let note = resources(&first, "Observation")[0];
    assert_eq!(note["code"]["coding"][0]["code"], "37331000000100");
    assert_eq!(note["valueString"], "Seen.");
}

#[test]
fn readings_take_their_units_from_the_record_or_reference_data() {
    let unit = |code: &str, units: &str, created: &str| NumericReadCodeUnits {
        code: code.into(),
        units: units.into(),
        created_date: created.parse().unwrap(),
        extra: Default::default(),
    };
    let reference = GetReferenceDataResult {
        numeric_read_code_units: vec![
            unit("22K..", "kg/m2", "2020-01-01T00:00:00"),
            unit("22A..", "stone", "2010-01-01T00:00:00"),
            unit("22A..", "kg", "2013-10-09T11:07:46"),
        ],
        extra: Default::default(),
    };
    let options =
        MapOptions::new(NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()).with_units(&reference);
    let body = format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="22A.." Scheme="CTV3" Term="O/E - weight"/><Value>71.4</Value></ClinicalCode>
        <ClinicalCode><Code Code="246.." Scheme="CTV3" Term="O/E - blood pressure reading"/><Value>120</Value></ClinicalCode>
        <ClinicalCode><Code Code="22A.." Scheme="CTV3" Term="O/E - weight"/><Value>11.2</Value><Units>stone</Units></ClinicalCode>
        </Event></Clinical>"#
    );
    let (bundle, _) = map_with(&body, &options);
    let observations = resources(&bundle, "Observation");
    // The latest entry of a code wins.
    assert_eq!(observations[0]["valueQuantity"]["unit"], "kg");
    assert!(observations[1]["valueQuantity"].get("unit").is_none());
    // F15: a reading's own Units come first.
    assert_eq!(observations[2]["valueQuantity"]["unit"], "stone");
    let (without, _) = map(&body);
    assert!(
        resources(&without, "Observation")[0]["valueQuantity"]
            .get("unit")
            .is_none()
    );
}

#[test]
fn keys_systmone_repeats_still_give_unique_ids() {
    let event = format!(
        r#"{EVENT}<ClinicalCode><Code Code="H33.." Scheme="CTV3" Term="Asthma"/><ProblemUID>2f90d6b7e4c81a35</ProblemUID></ClinicalCode></Event>"#
    );
    let (bundle, _) = map(&format!(
        "<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{event}{event}</Clinical>"
    ));
    let urls: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&str> = urls.iter().copied().collect();
    assert_eq!(unique.len(), urls.len());
    assert_eq!(resources(&bundle, "Condition").len(), 2);
    assert_eq!(resources(&bundle, "Encounter").len(), 2);
}
