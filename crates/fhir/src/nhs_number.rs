//! The NHS number check digit (modulus 11), which UK Core requires of every value
//! under the NHS number identifier system.

/// Whether `number` is ten digits whose tenth is the modulus 11 check digit of the
/// first nine.
///
/// ```
/// assert!(systmone_fhir::nhs_number_is_valid("9434765919"));
/// assert!(!systmone_fhir::nhs_number_is_valid("9434765918"));
/// assert!(!systmone_fhir::nhs_number_is_valid("943 476 5919"));
/// ```
pub fn nhs_number_is_valid(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if number.len() != 10 || digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, weight)| d * weight)
        .sum();
    let check = 11 - sum % 11;
    match check {
        11 => digits[9] == 0,
        // A check digit of 10 means the number is invalid, whatever its tenth digit.
        10 => false,
        c => digits[9] == c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        assert!(nhs_number_is_valid("9990184321"));
        assert!(!nhs_number_is_valid("9990184322"));
        // Check digit 11 becomes 0.
        assert!(nhs_number_is_valid("4010232137"));
        assert!(!nhs_number_is_valid("999018432"));
        assert!(!nhs_number_is_valid("99901843210"));
        assert!(!nhs_number_is_valid("999018432a"));
    }
}
