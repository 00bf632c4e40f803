//! Masking patient data in the documents a report keeps: names, addresses, dates of
//! birth, NHS numbers, telephones and free text become `***`, unless the caller asks
//! for payloads. The API key is always masked.
//!
//! ```
//! let xml = "<Identity><NHSNumber>9434765919</NHSNumber></Identity><Sex>F</Sex>";
//! assert_eq!(
//!     systmone_conformance::mask::mask_patient_data(xml),
//!     "<Identity><NHSNumber>***</NHSNumber></Identity><Sex>F</Sex>"
//! );
//! ```

/// Elements whose text (and every descendant's) is patient data.
pub const PATIENT_ELEMENTS: &[&str] = &[
    "NHSNumber",
    "NhsNumber",
    "PseudoNumber",
    "StrategicReportingIdentifier",
    "Title",
    "FirstName",
    "MiddleNames",
    "Surname",
    "KnownAs",
    "DateOfBirth",
    "Address",
    "HouseName",
    "HouseNumber",
    "Road",
    "Locality",
    "Town",
    "County",
    "Postcode",
    "PostCode",
    "HomeTelephone",
    "WorkTelephone",
    "MobileTelephone",
    "AlternateTelephone",
    "Telephone",
    "EmailAddress",
    "FreeText",
    "Narrative",
    "Line",
    "Comments",
    "Dose",
    "FileName",
    "Content",
    "RecipientName",
    "RecipientAddress",
    "SenderName",
    "SenderAddress",
    "PreferredPronouns",
];

/// The text of every element of [`PATIENT_ELEMENTS`] (and its descendants) replaced by
/// `***`; markup, other text and attributes unchanged.
pub fn mask_patient_data(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    // Element names open, and how many of them are patient data.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut masked_depth = 0usize;
    let mut rest = xml;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut out, rest, masked_depth > 0);
            break;
        };
        push_text(&mut out, &rest[..lt], masked_depth > 0);
        rest = &rest[lt..];
        // Comments, CDATA, declarations: copied, or masked whole inside patient data.
        let special = [
            ("<!--", "-->"),
            ("<![CDATA[", "]]>"),
            ("<?", "?>"),
            ("<!", ">"),
        ];
        if let Some((open, close)) = special.iter().find(|(open, _)| rest.starts_with(open)) {
            let end = rest.find(close).map_or(rest.len(), |i| i + close.len());
            if masked_depth > 0 && *open == "<![CDATA[" {
                out.push_str("***");
            } else {
                out.push_str(&rest[..end]);
            }
            rest = &rest[end..];
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        out.push_str(tag);
        rest = &rest[end..];
        if let Some(name) = tag.strip_prefix("</") {
            let name = name.trim_end_matches('>').trim();
            if let Some(pos) = stack.iter().rposition(|(n, _)| n == name) {
                for (_, patient) in stack.drain(pos..) {
                    if patient {
                        masked_depth -= 1;
                    }
                }
            }
        } else if !tag.ends_with("/>") {
            let name: String = tag[1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                .collect();
            let local = name.rsplit(':').next().unwrap_or(&name).to_string();
            let patient = PATIENT_ELEMENTS.contains(&local.as_str());
            if patient {
                masked_depth += 1;
            }
            stack.push((name, patient));
        }
    }
    out
}

/// The end of the tag `rest` starts with: its `>` outside quoted attribute values.
fn tag_end(rest: &str) -> usize {
    let mut quote = None;
    for (i, c) in rest.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

fn push_text(out: &mut String, text: &str, masked: bool) {
    if masked && !text.trim().is_empty() {
        out.push_str("***");
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_and_free_text_are_masked_codes_are_not() {
        let xml = "<?xml version=\"1.0\"?><Response><Demographics><Title>Mr</Title>\
                   <Surname>Swift</Surname><DateOfBirth>1933-01-01</DateOfBirth>\
                   <Address><HouseNumber>1</HouseNumber><Postcode>LS18 5PX</Postcode></Address>\
                   <Sex>M</Sex></Demographics><Event DateTime=\"2024-01-01\"><Narrative>\
                   <Line><![CDATA[feels > fine]]></Line></Narrative>\
                   <ClinicalCode><Code Code=\"X505K\" Scheme=\"CTV3\"/><FreeText>a b</FreeText>\
                   </ClinicalCode></Event><Empty/></Response>";
        let masked = mask_patient_data(xml);
        for secret in ["Swift", "1933", "LS18", "feels", "a b", ">1<", ">Mr<"] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        for kept in [
            "<Sex>M</Sex>",
            "Code=\"X505K\"",
            "DateTime=\"2024-01-01\"",
            "<Empty/>",
        ] {
            assert!(masked.contains(kept), "{kept} not in {masked}");
        }
    }
}
