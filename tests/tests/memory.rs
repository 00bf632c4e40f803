//! What a large record costs in memory: the readers leave no spare room in the vectors
//! of repeated elements (a vector filled one value at a time keeps room for four, which
//! for a record of 40,000 Events of one or two 728-byte data items was most of the
//! record). Figures on a 60 MB record: `cargo bench -p systmone-tests --bench
//! big_record_memory`.

use systmone_core::{ReadMode, Response, ResponseBody};
use systmone_get_patient_record_v1_0::GetPatientRecordResult;

#[test]
fn repeated_elements_are_read_into_vectors_without_spare_room() {
    let text = systmone_tests::real_shape_patient_record(200_000);
    let parsed =
        Response::<GetPatientRecordResult>::read(&text, ReadMode::Tolerant).expect("parses");
    let ResponseBody::Success(result) = &parsed.value.body else {
        panic!("not a success response")
    };
    let events = &result.clinical.as_ref().expect("clinical part").event;
    assert!(events.len() > 100, "{} events", events.len());
    assert_eq!(events.capacity(), events.len());
    for event in events {
        assert!(!event.items.is_empty());
        assert_eq!(event.items.capacity(), event.items.len());
    }
}
