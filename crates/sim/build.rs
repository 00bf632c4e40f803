//! The console's browser test (`tests/console_browser.rs`) drives Debian's chromium
//! through chromedriver: without them it is ignored, and under CI it fails.

fn main() {
    systmone_tool_probe::files(
        "missing_chromium",
        &["/usr/bin/chromium", "/usr/bin/chromedriver"],
    );
}
