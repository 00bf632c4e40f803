//! `cargo xtask test`: the project's one test command (README, `.ci/run`).
//!
//! Every test of the workspace, doctests included. When cargo-nextest is installed it
//! runs the tests (each test in a process of its own, all test binaries at once, so
//! a test that waits on a socket or a throttle does not hold up the next binary's),
//! then `cargo test --doc` runs the doctests, which nextest does not; otherwise
//! `cargo test` runs both. `SYSTMONE_TEST_RUNNER=cargo` chooses `cargo test` even when
//! nextest is there. Arguments after `--` go to whichever runs the tests.

use std::process::Command;

use anyhow::{Context, bail};

pub fn run(cargo_args: &[String]) -> anyhow::Result<()> {
    ensure_xmllint()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if use_nextest(&cargo) {
        cargo_run(&cargo, &["nextest", "run", "--workspace"], cargo_args)?;
        cargo_run(&cargo, &["test", "--workspace", "--doc"], &[])
    } else {
        cargo_run(&cargo, &["test", "--workspace"], cargo_args)
    }
}

fn cargo_run(cargo: &str, args: &[&str], extra: &[String]) -> anyhow::Result<()> {
    let status = Command::new(cargo)
        .args(args)
        .args(extra)
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Whether cargo-nextest is installed and not declined.
fn use_nextest(cargo: &str) -> bool {
    if std::env::var("SYSTMONE_TEST_RUNNER").is_ok_and(|r| r == "cargo") {
        return false;
    }
    Command::new(cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The XSD contract test validates fixtures with libxml2's `xmllint`, an independent
/// validator. A fresh machine has only the Rust toolchain, so install it from Debian's
/// packages when it is missing.
fn ensure_xmllint() -> anyhow::Result<()> {
    if Command::new("xmllint").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("xtask: xmllint is missing; installing Debian package libxml2-utils");
    let sudo = !is_root();
    let apt = |args: &[&str]| -> anyhow::Result<()> {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        let status = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get (xmllint is needed: install libxml2-utils)")?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install libxml2-utils by hand",
                args.join(" ")
            );
        }
        Ok(())
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "libxml2-utils"])?;
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
