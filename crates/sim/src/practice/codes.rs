//! The code tables the practice uses: CTV3 <-> Snomed, Multilex <-> dm+d.

/// CTV3 code, term, Snomed concept: the codes the practice uses.
pub const CODES: &[(&str, &str, &str)] = &[
    ("X505K", "Eczema", "43116000"),
    ("XE0s6", "Essential hypertension", "59621000"),
    ("XM1GI", "Chronic obstructive lung disease", "13645005"),
    ("XaBVJ", "Clinical findings", "404684003"),
    ("H33..", "Asthma", "195967001"),
    ("C10F.", "Type 2 diabetes mellitus", "44054006"),
    ("H06z0", "Chest infection", "50417007"),
    ("137R.", "Current smoker", "77176002"),
    ("1371.", "Never smoked tobacco", "266919005"),
    ("229..", "O/E - height", "50373000"),
    ("22A..", "O/E - weight", "27113001"),
    ("22K..", "Body Mass Index", "60621009"),
    ("246..", "O/E - blood pressure reading", "163020007"),
    ("2469.", "O/E - Systolic BP reading", "271649006"),
    ("246A.", "O/E - Diastolic BP reading", "271650006"),
    ("44I4.", "Serum potassium", "1000651000000109"),
    ("44J3.", "Serum creatinine", "1000731000000107"),
    (
        "XaPbt",
        "Haemoglobin A1c level - IFCC standardised",
        "999791000000106",
    ),
    ("423..", "Haemoglobin estimation", "1022431000000105"),
    ("44P..", "Serum cholesterol", "1005671000000105"),
    ("XE0oZ", "Single person", "125725006"),
    ("XE0oa", "Married", "87915002"),
    ("XaFwD", "White British", "494131000000105"),
    ("XaG5t", "Main spoken language English", "161139006"),
];

/// Multilex product ID, name, dm+d ID, days supply.
pub const DRUGS: &[(&str, &str, &str)] = &[
    ("1004531", "Paracetamol 500mg soluble tablets", "322280009"),
    (
        "1009071",
        "Paracetamol 120mg/5ml oral solution paediatric sugar free",
        "322251003",
    ),
    ("1012244", "Amoxicillin 500mg capsules", "323509004"),
    (
        "1020781",
        "Salbutamol 100micrograms/dose inhaler CFC free",
        "320176004",
    ),
    ("1031542", "Ramipril 5mg capsules", "318903000"),
    ("1045103", "Metformin 500mg tablets", "325278007"),
    ("1052390", "Atorvastatin 20mg tablets", "320030001"),
    (
        "1061122",
        "Omeprazole 20mg gastro-resistant capsules",
        "317319000",
    ),
];

/// The term of a CTV3 code the practice knows.
pub fn ctv3_term(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.0 == code).map(|c| c.1)
}

/// CTV3 -> Snomed.
pub fn ctv3_to_snomed(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.0 == code).map(|c| c.2)
}

/// Snomed -> CTV3.
pub fn snomed_to_ctv3(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.2 == code).map(|c| c.0)
}

/// Multilex -> dm+d.
pub fn multilex_to_dmd(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.0 == id).map(|d| d.2)
}

/// dm+d -> Multilex.
pub fn dmd_to_multilex(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.2 == id).map(|d| d.0)
}

/// The name of a Multilex product.
pub fn drug_name(id: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.0 == id).map(|d| d.1)
}
