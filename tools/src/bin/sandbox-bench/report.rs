//! What the bench prints on stdout: the header line, the table of values
//! and ratios to native, what each case is and how it was measured, a note
//! per failure, and the `summary:` line that judges the targets.

use std::path::Path;

use crate::cases::{Case, Target};
use crate::harness::{Outcome, Role, Runner, Unit};

/// Prints the line that opens the output: the options, the sandbox-exec
/// measured, the peer columns, the CPU count and where the programs are.
pub fn print_header(
    quick: bool,
    sandbox_exec: &Path,
    no_peers: bool,
    runners: &[Runner],
    bin_dir: &Path,
) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let peer_names: Vec<&str> = runners
        .iter()
        .filter(|r| r.role == Role::Peer)
        .map(|r| r.name)
        .collect();
    println!(
        "sandbox-bench{}: sandbox-exec {}; peers: {}; {cpus} CPUs; programs in {}",
        if quick { " --quick" } else { "" },
        sandbox_exec.display(),
        if no_peers {
            "off".to_owned()
        } else if peer_names.is_empty() {
            "none installed (proot, runsc)".to_owned()
        } else {
            peer_names.join(", ")
        },
        bin_dir.display()
    );
}

/// Prints everything after the measurements: the table, the column legend,
/// what each case measures and `hows` (how it was measured), `warnings`,
/// a note per failure, and the summary line. `results` holds each case's
/// outcome per column. Returns whether a column under test (native or
/// sandbox, not a peer) failed a run: that fails the bench.
pub fn print(
    cases: &[&Case],
    runners: &[Runner],
    results: &[Vec<Outcome>],
    hows: &[String],
    warnings: &[String],
) -> bool {
    println!();
    print!("{}", render_table(&table(cases, runners, results)));
    println!();
    println!(
        "columns: sandbox = `sandbox-exec PROGRAM` as it runs by default (a syscall site is \
         patched once hot (8 traps) to enter the sentry through shared memory, no signal); \
         sandbox --no-patch = `sandbox-exec --no-patch PROGRAM` (every system call on the \
         SIGSYS signal path); ratio = that column / native. Targets are judged on the \
         default (patched) column."
    );

    // What each case is, and every failure with its reason.
    for (case, how) in cases.iter().zip(hows) {
        println!("{}: {} ({how})", case.name, case.what);
    }
    for warning in warnings {
        println!("note: {warning}");
    }
    let mut failed = false;
    let mut noted_unavailable = Vec::new();
    for (case, outcomes) in cases.iter().zip(results) {
        for (r, o) in runners.iter().zip(outcomes) {
            let Err(why) = o else { continue };
            if r.role != Role::Peer {
                failed = true;
            }
            if r.unavailable.is_some() {
                if noted_unavailable.contains(&r.name) {
                    continue;
                }
                noted_unavailable.push(r.name);
                println!("note: {} n/a: {why}", r.name);
            } else {
                println!("note: {} n/a for {}: {why}", r.name, case.name);
            }
        }
    }

    let sandbox_index = runners.iter().position(|r| r.role == Role::Sandbox);
    let no_patch_index = runners.iter().position(|r| r.role == Role::SandboxNoPatch);
    let column = |name: &str| runners.iter().position(|r| r.name == name);
    let fragments: Vec<String> = cases
        .iter()
        .zip(results)
        .map(|(case, outcomes)| {
            let missing: Outcome = Err(String::new());
            let sandbox = sandbox_index.map_or(&missing, |i| &outcomes[i]);
            let no_patch = no_patch_index.map_or(&missing, |i| &outcomes[i]);
            let peer = match case.target {
                Target::NoSlowerThanPeer { peer, .. } => column(peer).map_or(&missing, |i| &outcomes[i]),
                _ => &missing,
            };
            summary_fragment(case, &outcomes[0], sandbox, no_patch, peer)
        })
        .collect();
    println!("summary: {}", fragments.join(", "));
    failed
}

/// The cells of the table: a header row, then per case one row per
/// [`Metric::rows`](crate::harness::Metric::rows) entry, with the value in
/// each column and, right of every column but native, its ratio to native.
fn table(cases: &[&Case], runners: &[Runner], results: &[Vec<Outcome>]) -> Vec<Vec<String>> {
    let mut header = vec!["case".to_owned()];
    for r in runners {
        header.push(r.name.to_owned());
        if r.role != Role::Native {
            header.push("ratio".to_owned());
        }
    }
    let mut rows = vec![header];
    for (case, outcomes) in cases.iter().zip(results) {
        let unit = case.metric.unit();
        let native = &outcomes[0];
        for (i, suffix) in case.metric.rows().iter().enumerate() {
            let mut row = vec![format!("{}{suffix}", case.label)];
            for (r, o) in runners.iter().zip(outcomes) {
                row.push(match o {
                    Ok(v) => unit.format(v[i]),
                    Err(_) => "n/a".to_owned(),
                });
                if r.role != Role::Native {
                    row.push(match (native, o) {
                        _ if !case.metric.has_ratio() => "-".to_owned(),
                        (Ok(n), Ok(v)) => format_ratio(v[i] / n[i]),
                        _ => "n/a".to_owned(),
                    });
                }
            }
            rows.push(row);
        }
    }
    rows
}

/// Formats rows of cells as left-aligned columns two spaces apart.
fn render_table(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Formats a ratio such as `14.0x`.
fn format_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

/// The summary-line fragment for one case. `no_patch` is the column of
/// `sandbox-exec --no-patch`, shown next to the judged ratio, not judged;
/// `peer` the column a [`Target::NoSlowerThanPeer`] compares with.
fn summary_fragment(
    case: &Case,
    native: &Outcome,
    sandbox: &Outcome,
    no_patch: &Outcome,
    peer: &Outcome,
) -> String {
    let h = case.metric.headline();
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    match case.target {
        Target::RatioAtMost(max) => {
            // At most two decimals: a target of 1/0.7 reads 1.43.
            let max = (max * 100.0).round() / 100.0;
            let signal = match (native, no_patch) {
                (Ok(n), Ok(s)) => format_ratio(s[h] / n[h]),
                _ => "n/a".to_owned(),
            };
            match (native, sandbox) {
                (Ok(n), Ok(s)) => {
                    let r = s[h] / n[h];
                    format!(
                        "{} {} native patched (target <= {max}x: {}), {} native on the \
                         signal path (--no-patch, not judged)",
                        case.name,
                        format_ratio(r),
                        verdict(r <= max),
                        signal
                    )
                }
                _ => format!(
                    "{} n/a (target <= {max}x: not measured), {} native on the signal path \
                     (--no-patch, not judged)",
                    case.name, signal
                ),
            }
        }
        Target::ThroughputAtLeast(min) => match (native, sandbox) {
            (Ok(n), Ok(s)) => {
                let share = n[h] / s[h];
                format!(
                    "{} {:.0}% of native throughput patched (target >= {:.0}%: {})",
                    case.name,
                    share * 100.0,
                    min * 100.0,
                    verdict(share >= min)
                )
            }
            _ => format!("{} n/a (target >= {:.0}% of native throughput: not measured)", case.name, min * 100.0),
        },
        Target::Report => match (native, sandbox) {
            (Ok(n), Ok(s)) => format!(
                "{} {} native (no target)",
                case.name,
                format_ratio(s[h] / n[h])
            ),
            _ => format!("{} n/a (no target)", case.name),
        },
        Target::NoSlowerThanPeer { peer: name, phrase } => {
            let label = case.metric.rows()[h].trim();
            match (sandbox, peer) {
                (Ok(s), Ok(p)) => format!(
                    "{phrase} in {:.2} ms {label}, {name} {:.2} ms (target: no slower than {name}: {})",
                    s[h] / 1e6,
                    p[h] / 1e6,
                    verdict(s[h] <= p[h])
                ),
                (Ok(s), Err(_)) => format!("{phrase} in {:.2} ms {label} ({name} not measured)", s[h] / 1e6),
                _ => format!("{phrase}: n/a (target: no slower than {name}: not measured)"),
            }
        }
        Target::SandboxBelowPercent { max_pct, phrase } => match sandbox {
            Ok(s) => format!(
                "{phrase} {} of a core (target < {max_pct}%: {})",
                Unit::Percent.format(s[h]),
                verdict(s[h] < max_pct)
            ),
            Err(_) => format!("{phrase} n/a (target < {max_pct}%: not measured)"),
        },
        Target::SandboxBelowMs { max_ms, phrase } => match sandbox {
            Ok(s) => {
                let ms = s[h] / 1e6;
                let label = case.metric.rows()[h].trim();
                format!(
                    "{phrase} in {ms:.2} ms {label} (target < {max_ms} ms: {})",
                    verdict(ms < max_ms)
                )
            }
            Err(_) => format!("{phrase}: n/a (target < {max_ms} ms: not measured)"),
        },
    }
}
