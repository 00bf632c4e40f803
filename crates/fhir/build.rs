//! The FHIR schema validation tests (`tests/validation.rs`) run the official schema
//! under node, installed with npm: without them they are ignored, and under CI they fail.

fn main() {
    systmone_tool_probe::programs("missing_node", &["node", "npm"]);
}
