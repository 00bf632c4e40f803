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

#[test]
fn a_reading_is_a_quantity_with_its_ucum_unit_and_original_text() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="246.." Scheme="CTV3"/><Value>120</Value><Units>mmHg</Units></ClinicalCode>
        <ClinicalCode><Code Code="22A.." Scheme="CTV3"/><Value>71.4</Value><Units>stone</Units></ClinicalCode>
        </Event></Clinical>"#
    ));
    let observations = resources(&bundle, "Observation");
    let bp = &observations[0]["valueQuantity"];
    assert_eq!(bp["value"], 120.0);
    assert_eq!(bp["unit"], "mmHg");
    assert_eq!(bp["system"], "http://unitsofmeasure.org");
    assert_eq!(bp["code"], "mm[Hg]");
    // A unit with no UCUM code keeps its text only.
    let weight = &observations[1]["valueQuantity"];
    assert_eq!(weight["unit"], "stone");
    assert!(weight.get("system").is_none() && weight.get("code").is_none());
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}

#[test]
fn a_comparator_of_unknown_meaning_keeps_the_value_as_text_and_is_reported() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="451E." Scheme="CTV3"/><Value>90</Value><Units>mL/min/1.73m2</Units><Comparator>5</Comparator></ClinicalCode>
        </Event></Clinical>"#
    ));
    let observation = resources(&bundle, "Observation")[0];
    assert!(observation.get("valueQuantity").is_none());
    assert_eq!(
        observation["valueString"],
        "90 mL/min/1.73m2 (SystmOne comparator code 5)"
    );
    let item = &mapped.report.not_mapped[0];
    assert_eq!(
        (item.path.as_str(), item.value.as_str(), item.reason),
        (
            "Clinical/Event[1]/ClinicalCode[1]/Comparator",
            "5",
            Reason::NoHome
        )
    );
}

#[test]
fn a_vaccination_is_an_immunization() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <Vaccination><BatchNumber>FL2611-K7</BatchNumber><Notes>left deltoid</Notes><Name>Influenza vaccine</Name><PartType>Annual dose</PartType><Dosage>0.5 ml</Dosage></Vaccination>
        <Vaccination><Name>Pneumococcal vaccine</Name><Dosage>one dose</Dosage></Vaccination>
        </Event></Clinical>"#
    ));
    let given = resources(&bundle, "Immunization");
    assert_eq!(given.len(), 2);
    let flu = given[0];
    assert_eq!(flu["status"], "completed");
    assert_eq!(flu["vaccineCode"]["text"], "Influenza vaccine");
    assert_eq!(flu["lotNumber"], "FL2611-K7");
    assert_eq!(flu["doseQuantity"]["value"], 0.5);
    assert_eq!(flu["doseQuantity"]["code"], "mL");
    assert_eq!(flu["protocolApplied"][0]["doseNumberString"], "Annual dose");
    assert_eq!(flu["note"][0]["text"], "left deltoid");
    assert_eq!(flu["occurrenceDateTime"], "2025-07-01T10:00:00+01:00");
    // A dose that is not a number and a unit is kept as a note.
    assert_eq!(given[1]["note"][0]["text"], "Dosage: one dose");
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}

#[test]
fn a_report_has_its_result_its_readings_and_its_follow_up_actions() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="44I5." Scheme="CTV3" Term="Serum potassium"/><Value>5.6</Value><Units>mmol/L</Units></ClinicalCode>
        <Report><BatteryHeaders>Urea and electrolytes</BatteryHeaders><IssueDate>2025-06-30</IssueDate>
        <Result>Abnormal, but expected</Result><Comments>Potassium slightly raised</Comments><PatientToBeInformed/>
        <CollectionDate>2025-06-27</CollectionDate><Type>Pathology</Type>
        <FollowUpActions><FollowUpAction><Action>Need to repeat test</Action><Comments>In four weeks</Comments></FollowUpAction></FollowUpActions>
        </Report></Event></Clinical>"#
    ));
    let report = resources(&bundle, "DiagnosticReport")[0];
    assert_eq!(report["status"], "final");
    assert_eq!(report["code"]["text"], "Urea and electrolytes");
    assert_eq!(report["category"][0]["coding"][0]["code"], "LAB");
    assert_eq!(report["effectiveDateTime"], "2025-06-27");
    assert_eq!(report["issued"], "2025-06-30T00:00:00+01:00");
    assert_eq!(report["conclusion"], "Potassium slightly raised");
    let observations = resources(&bundle, "Observation");
    let url_of = |resource: &Value| format!("urn:uuid:{}", resource["id"].as_str().unwrap());
    let results: Vec<&str> = report["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reference"].as_str().unwrap())
        .collect();
    // Its Result, and the event's reading.
    assert_eq!(results.len(), 2);
    let result = observations
        .iter()
        .find(|o| o.get("interpretation").is_some())
        .unwrap();
    assert!(results.contains(&url_of(result).as_str()));
    assert!(results.contains(&url_of(observations[0]).as_str()));
    assert_eq!(result["interpretation"][0]["coding"][0]["code"], "A");
    assert_eq!(
        result["interpretation"][0]["text"],
        "Abnormal, but expected"
    );
    assert_eq!(result["category"][0]["coding"][0]["code"], "laboratory");
    let tasks = resources(&bundle, "Task");
    let what: Vec<&str> = tasks
        .iter()
        .map(|t| t["code"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        what,
        ["Need to repeat test", "Inform the patient of the result"]
    );
    for task in &tasks {
        assert_eq!(task["focus"]["reference"], url_of(report));
        assert_eq!(task["intent"], "plan");
    }
    assert_eq!(tasks[0]["description"], "In four weeks");
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}

#[test]
fn a_repeat_is_a_continuous_medication_request() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <ClinicalCode><Code Code="G20.." Scheme="CTV3" Term="Essential hypertension"/><ProblemUID>4c1d9e2b7a305f86</ProblemUID><ProblemSeverity>Major</ProblemSeverity></ClinicalCode>
        <RepeatMedication><Drug Scheme="Dmd" ProductID="318135000" Name="Amlodipine 5mg tablets"/><Dose>one daily</Dose><Quantity>28 tablet</Quantity>
        <StartDate>2025-07-01</StartDate><MaxIssues>6</MaxIssues><ReviewDate>2026-01-01</ReviewDate><IssueDurationDays>28</IssueDurationDays>
        <MedicationType>NHS medication</MedicationType><LinkedProblemUID>4c1d9e2b7a305f86</LinkedProblemUID></RepeatMedication>
        </Event></Clinical>"#
    ));
    let request = resources(&bundle, "MedicationRequest")[0];
    assert_eq!(request["status"], "active");
    assert_eq!(request["intent"], "plan");
    assert_eq!(
        request["courseOfTherapyType"]["coding"][0]["code"],
        "continuous"
    );
    assert_eq!(
        request["medicationCodeableConcept"]["coding"][0]["code"],
        "318135000"
    );
    let dispense = &request["dispenseRequest"];
    assert_eq!(dispense["numberOfRepeatsAllowed"], 5);
    assert_eq!(dispense["validityPeriod"]["start"], "2025-07-01");
    assert_eq!(dispense["quantity"]["value"], 28);
    assert_eq!(dispense["quantity"]["unit"], "tablet");
    assert_eq!(dispense["expectedSupplyDuration"]["code"], "d");
    assert_eq!(dispense["expectedSupplyDuration"]["value"], 28);
    let notes: Vec<&str> = request["note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        ["Review date: 2026-01-01", "Issues allowed before review: 6"]
    );
    assert_eq!(request["dosageInstruction"][0]["text"], "one daily");
    let condition = resources(&bundle, "Condition")[0];
    assert_eq!(
        request["reasonReference"][0]["reference"],
        format!("urn:uuid:{}", condition["id"].as_str().unwrap())
    );
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}

#[test]
fn a_relationship_is_a_related_person_and_what_it_cannot_hold_is_reported() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <Relationship><Title>Mr</Title><FirstName>Tobias</FirstName><Surname>Fenwick</Surname>
        <Address><HouseNumber>14</HouseNumber><Road>Mill Lane</Road><Town>Harrowfield</Town><Postcode>ZZ99 4QA</Postcode></Address>
        <Type>Son</Type><OrganisationName>Fenwick and Daughters</OrganisationName><Telephone>01632 960123</Telephone>
        <WorkContact>ext 2214</WorkContact><Description>Main carer</Description><EndDate>2025-01-31</EndDate></Relationship>
        </Event></Clinical>"#
    ));
    let person = resources(&bundle, "RelatedPerson")[0];
    assert_eq!(person["relationship"][0]["text"], "Son");
    assert_eq!(person["name"][0]["family"], "Fenwick");
    assert_eq!(person["name"][0]["prefix"][0], "Mr");
    assert_eq!(person["telecom"][0]["value"], "01632 960123");
    assert_eq!(person["telecom"][1]["system"], "other");
    assert_eq!(person["address"][0]["postalCode"], "ZZ99 4QA");
    // Ended before the day the record is read as of.
    assert_eq!(person["active"], false);
    assert_eq!(person["period"]["end"], "2025-01-31");
    let left_out: Vec<&str> = mapped
        .report
        .not_mapped
        .iter()
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(
        left_out,
        [
            "Clinical/Event[1]/Relationship[1]/OrganisationName",
            "Clinical/Event[1]/Relationship[1]/Description"
        ]
    );
}

#[test]
fn care_plans_and_patient_plans_are_care_plans_with_their_instructions_in_order() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <CarePlan><CarePlanName>Hypertension management</CarePlanName><Description>Lifestyle advice</Description>
        <Category>Long Term Conditions</Category><SubCategory>Cardiovascular</SubCategory><Aim>Maintenance</Aim><ReviewDate>2026-05-25</ReviewDate>
        <CarePlanInstruction><InstructionText>Check home readings</InstructionText><Order>2</Order><Responsibility>Nurse</Responsibility></CarePlanInstruction>
        <CarePlanInstruction><InstructionText>Review medication</InstructionText><Order>1</Order><Responsibility>Practitioner</Responsibility></CarePlanInstruction>
        </CarePlan>
        <PatientPlan><PatientPlan>Walk for 20 minutes a day</PatientPlan><Items><CarePlanInstruction><InstructionText>Keep a diary</InstructionText><Order>1</Order></CarePlanInstruction></Items></PatientPlan>
        </Event></Clinical>"#
    ));
    let plans = resources(&bundle, "CarePlan");
    assert_eq!(plans.len(), 2);
    let care = plans[0];
    assert_eq!(
        (care["status"].as_str(), care["intent"].as_str()),
        (Some("active"), Some("plan"))
    );
    assert_eq!(care["title"], "Hypertension management");
    assert_eq!(care["category"][1]["text"], "Cardiovascular");
    assert_eq!(
        care["activity"][0]["detail"]["description"],
        "Review medication"
    );
    assert_eq!(
        care["activity"][0]["detail"]["performer"][0]["display"],
        "Practitioner"
    );
    assert_eq!(
        care["activity"][1]["detail"]["description"],
        "Check home readings"
    );
    assert_eq!(care["note"][0]["text"], "Aim: Maintenance");
    assert_eq!(care["note"][1]["text"], "Review date: 2026-05-25");
    let patient_plan = plans[1];
    assert_eq!(patient_plan["category"][0]["text"], "Patient plan");
    assert_eq!(patient_plan["description"], "Walk for 20 minutes a day");
    assert_eq!(
        patient_plan["activity"][0]["detail"]["description"],
        "Keep a diary"
    );
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}

#[test]
fn recalls_reminders_and_activities() {
    let (bundle, mapped) = map(&format!(
        r#"<Identity><NHSNumber>9990184321</NHSNumber></Identity><Clinical>{EVENT}
        <Recall><RecallDate>2026-03-01</RecallDate><Type>Asthma review</Type><FreeText>Annual review</FreeText><Status>1st Recall</Status></Recall>
        <Reminder><FreeText>Prefers morning appointments</FreeText><Severity>High</Severity><ExpiryDate>2025-01-01</ExpiryDate></Reminder>
        <Activity><Performed>Telephone call to patient</Performed><With>Patient</With><Method>Telephone</Method><Duration>12</Duration></Activity>
        </Event></Clinical>"#
    ));
    let recall = resources(&bundle, "Task")[0];
    assert_eq!(recall["status"], "in-progress");
    assert_eq!(recall["businessStatus"]["text"], "1st Recall");
    assert_eq!(recall["code"]["text"], "Asthma review");
    assert_eq!(recall["restriction"]["period"]["end"], "2026-03-01");
    let flag = resources(&bundle, "Flag")[0];
    assert_eq!(flag["code"]["text"], "Prefers morning appointments");
    assert_eq!(flag["status"], "inactive");
    assert_eq!(
        flag["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "PH"
    );
    let encounters = resources(&bundle, "Encounter");
    assert_eq!(encounters.len(), 2);
    let activity = encounters[1];
    assert_eq!(
        activity["partOf"]["reference"],
        format!("urn:uuid:{}", encounters[0]["id"].as_str().unwrap())
    );
    assert_eq!(activity["class"]["code"], "VR");
    assert_eq!(activity["type"][0]["text"], "Telephone call to patient");
    assert_eq!(activity["type"][1]["text"], "Telephone");
    assert_eq!(activity["length"]["value"], 12);
    assert_eq!(
        activity["participant"][1]["type"][0]["text"],
        "With: Patient"
    );
    assert!(mapped.report.is_empty(), "{:?}", mapped.report);
}
