//! Checks made before anything is sent, and the hints that go with their errors.

use anyhow::bail;

/// The NHS number's check digit (modulus 11 over the first nine digits, weights 10
/// down to 2), or `None` when no number with these nine digits is valid.
pub fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

/// `number` (spaces allowed) as ten digits with a correct check digit, or why not.
pub fn nhs_number(number: &str) -> anyhow::Result<String> {
    let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        bail!("{number:?} is not an NHS number (10 digits)");
    }
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    match nhs_check_digit(&values[..9]) {
        Some(c) if c == values[9] => Ok(digits),
        Some(c) => bail!(
            "{digits} is not a valid NHS number: its check digit is {}, the first nine digits \
             need {c} (a typing error?)",
            values[9]
        ),
        None => bail!(
            "{digits} is not a valid NHS number: no check digit fits its first nine digits \
             (a typing error?)"
        ),
    }
}

/// Edit distance (insertions, deletions, substitutions, and swaps of two neighbours:
/// the commonest typing errors), case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate nearest to `wanted`, if it is near enough to be a typing error
/// (at most a third of the name's length apart), or one contains the other.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let d = edit_distance(wanted, c);
            let contains = !lower.is_empty()
                && lower.len() >= 4
                && (c.to_lowercase().contains(&lower) || lower.contains(&c.to_lowercase()));
            (c, d, contains)
        })
        .filter(|&(c, d, contains)| contains || d <= (wanted.len().max(c.len()) / 3).max(1))
        .min_by_key(|&(_, d, contains)| (d, !contains))
        .map(|(c, _, _)| c)
}

/// "; did you mean X?" or nothing.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(wanted, candidates)
        .map(|c| format!(" (did you mean {c}?)"))
        .unwrap_or_default()
}

/// The search fields PatientSearch takes, with their flags.
pub const SEARCH_FIELDS: [&str; 6] = [
    "--surname",
    "--first-name",
    "--dob",
    "--postcode",
    "--telephone",
    "--gender",
];

/// PatientSearch needs at least two criteria (SystmOne refuses fewer); `given` are the
/// flags given.
pub fn two_search_criteria(given: &[&str]) -> anyhow::Result<()> {
    if given.len() >= 2 {
        return Ok(());
    }
    let gave = match given {
        [] => "none".to_string(),
        [one] => format!("only {one}"),
        _ => unreachable!("checked above"),
    };
    bail!(
        "PatientSearch needs at least two of {} (SystmOne refuses a search on fewer); you gave {gave}",
        SEARCH_FIELDS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers() {
        for good in ["7835438275", "6640569094", "4667633050", "943 476 5919"] {
            assert!(nhs_number(good).is_ok(), "{good}");
        }
        let e = nhs_number("7835438276").unwrap_err().to_string();
        assert!(
            e.contains("check digit is 6") && e.contains("need 5"),
            "{e}"
        );
        assert!(nhs_number("123").is_err());
        assert!(nhs_number("12345678ab").is_err());
    }

    #[test]
    fn suggestions() {
        let names = ["GetPatientRecord", "GetDocument", "PatientSearch"];
        assert_eq!(nearest("GetPatientRecrd", names), Some("GetPatientRecord"));
        assert_eq!(nearest("patientsearch", names), Some("PatientSearch"));
        assert_eq!(nearest("Record", names), Some("GetPatientRecord"));
        assert_eq!(nearest("Bogus", names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("smi", "sim"), 1);
        assert_eq!(nearest("smi", ["empty", "sim"]), Some("sim"));
    }

    #[test]
    fn search_criteria() {
        assert!(two_search_criteria(&["--surname", "--dob"]).is_ok());
        let e = two_search_criteria(&["--surname"]).unwrap_err().to_string();
        assert!(e.contains("you gave only --surname"), "{e}");
        assert!(two_search_criteria(&[]).is_err());
    }
}
