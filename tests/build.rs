//! The XSD contract tests (`tests/xsd_contract.rs`) validate with libxml2's `xmllint`:
//! without it they are ignored, and under CI they fail.

fn main() {
    systmone_tool_probe::programs("missing_xmllint", &["xmllint"]);
}
