//! Parsing a large GetPatientRecord response with the typed bindings, next to a raw
//! event scan of the same bytes by the same XML reader (xml-rs, which yaserde is built
//! on): the scan is the ceiling of this stack.
//!
//! Run: `cargo bench -p systmone-tests --bench parse_patient_record`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use systmone_core::{Response, ResponseBody};
use systmone_get_patient_record_v1_0::GetPatientRecordResult;
use xml::reader::{EventReader, XmlEvent};

/// A response of about `target` bytes: Events cycling through the data item types a
/// real record holds, known (ClinicalCode, Medication, DrugSensitivity, Letter,
/// Attachment, Narrative, LinkedProblemUID) and unknown to the schema (Referral).
fn patient_record(target: usize) -> String {
    let mut xml = String::from(
        "<ClientIntegrationResponse><DeviceID>392752167bd7f69b</DeviceID>\
         <RequestUID>AACB44C0-B35F-11E3-A459-010000004280</RequestUID>\
         <Function>GetPatientRecord</Function><FunctionVersion>1.0</FunctionVersion>\
         <ResponseUID>AD01ACC0-B35F-11E3-AE33-010000004608</ResponseUID><Response>\
         <Identity><NHSNumber>7835438275</NHSNumber><StrategicReportingIdentifier>8484556</StrategicReportingIdentifier></Identity>\
         <Clinical>\n",
    );
    let mut i = 0u64;
    while xml.len() < target {
        let day = 1 + i % 28;
        xml.push_str(&format!(
            "<Event DateTime=\"2014-03-{day:02}T09:06:50\" UserName=\"dlittler2405\" DoneBy=\"Drew Littler\" DoneAt=\"Surgery\" EventUID=\"{i:016x}\">\n"
        ));
        match i % 6 {
            0 => xml.push_str(
                "  <ClinicalCode><Code Scheme=\"CTV3\" Code=\"229..\" Term=\"O/E - height\"></Code><NumericValue>1.72</NumericValue><FreeText> measured standing</FreeText></ClinicalCode>\n\
                 <ClinicalCode><Code Scheme=\"CTV3\" Code=\"X505K\" Term=\"Eczema\"></Code><LinkedProblemUID>794d100000000000</LinkedProblemUID></ClinicalCode>\n",
            ),
            1 => xml.push_str(
                "  <Medication><Drug Scheme=\"Multilex\" ProductID=\"1004531\" Name=\"Paracetamol 500mg soluble tablets\"></Drug><Dosage>Two to be taken four times a day</Dosage><Quantity>100 tablet</Quantity></Medication>\n",
            ),
            2 => xml.push_str(
                "  <DrugSensitivity><Type>Ingredient</Type><Ingredient Scheme=\"Multilex\" IngredientID=\"1\" Name=\"None known\" Details=\"LATEX FOAM - ADHESIVE\"/></DrugSensitivity>\n",
            ),
            3 => xml.push_str(
                "  <Letter><RecipientName><Title>Dr</Title><FirstName>Drew</FirstName><Surname>Littler</Surname></RecipientName><RecipientOrganisation>The Real Surgery</RecipientOrganisation><DocumentUID>4093400000000000</DocumentUID><Type>Miscellaneous</Type><Direction>Incoming</Direction><DateSentReceived>2014-06-04T15:23:29</DateSentReceived></Letter>\n",
            ),
            4 => xml.push_str(
                "  <Attachment><DocumentUID>4093400000000001</DocumentUID><Comments>Scanned discharge summary</Comments></Attachment>\n  <Narrative>Patient reports improvement since last review.</Narrative>\n",
            ),
            _ => xml.push_str(
                "  <Referral><ReferralUID>6510300000000000</ReferralUID><Reason>Dermatology opinion</Reason></Referral>\n  <LinkedProblemUID>794d100000000000</LinkedProblemUID>\n",
            ),
        }
        xml.push_str("</Event>\n");
        i += 1;
    }
    xml.push_str(
        "</Clinical><RecordState>Closed</RecordState></Response></ClientIntegrationResponse>\n",
    );
    xml
}

fn raw_scan(text: &str) -> usize {
    let reader = EventReader::new_with_config(text.as_bytes(), systmone_core::xml::parser_config());
    let mut events = 0;
    for event in reader {
        match event.expect("well-formed") {
            XmlEvent::EndDocument => break,
            _ => events += 1,
        }
    }
    events
}

fn bench(c: &mut Criterion) {
    let text = patient_record(5 * 1024 * 1024);
    let parsed = Response::<GetPatientRecordResult>::from_xml(&text).expect("parses");
    let ResponseBody::Success(result) = &parsed.body else {
        panic!("not a success response")
    };
    let events = result.clinical.as_ref().map_or(0, |c| c.event.len());
    eprintln!("document: {} bytes, {events} events", text.len());

    let mut group = c.benchmark_group("get_patient_record_5mb");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("typed_bindings", |b| {
        b.iter(|| Response::<GetPatientRecordResult>::from_xml(black_box(&text)).expect("parses"))
    });
    group.bench_function("raw_event_scan", |b| b.iter(|| raw_scan(black_box(&text))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
