#!/usr/bin/env bash
# Records what SUSE's own tools decide, for the tests that compare kmodx with them
# (test/kabi/rules.test.ts, test/kabi/rules-cli.test.ts): suse-kabi-tools is a Rust program
# (cargo >= 1.88, no crates to download), not packaged for Debian 12, so its answers are kept as
# fixtures and this script remakes them.
# Usage: scripts/record-ksymvers.sh SUSE_KABI_TOOLS_CHECKOUT   (a clone of github.com/SUSE/suse-kabi-tools)
set -euo pipefail
source=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
fixtures=test/fixtures/kabi
# The commit names the files; give SUSE_KABI_TOOLS_COMMIT for a source tree that is not a clone.
commit=${SUSE_KABI_TOOLS_COMMIT:-$(git -C "$source" rev-parse --short=7 HEAD)}
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# A harness around the library's own matcher (text::matches_wildcard), and ksymvers itself.
mkdir -p "$source/examples"
cat > "$source/examples/wildmat.rs" <<'RUST'
// Reads RESULT-less NAME\x01PATTERN lines, prints 1 or 0: suse-kabi-tools' own matches_wildcard.
use std::io::{self, BufRead, Write};
fn main() {
    let mut out = io::BufWriter::new(io::stdout());
    for line in io::stdin().lock().lines() {
        let line = line.unwrap();
        let (name, pattern) = line.split_once('\u{1}').unwrap();
        let matched = suse_kabi_tools::text::matches_wildcard(name, pattern);
        writeln!(out, "{}", u8::from(matched)).unwrap();
    }
}
RUST
(cd "$source" && SUSE_KABI_TOOLS_VERSION=$commit cargo build --release --offline --bin ksymvers --example wildmat)

# 40,000 seeded random pairs of wildcard and name over the characters that matter to wildmat.
node scripts/wildmat-pairs.js 7 20000 6 8 > "$work/pairs"
node scripts/wildmat-pairs.js 11 20000 3 4 >> "$work/pairs"
"$source/target/release/examples/wildmat" < "$work/pairs" | paste -d $'\x01' - "$work/pairs" | gzip -9n > "$fixtures/wildmat-$commit.gz"

# ksymvers compare on Debian 6.1.0-47 -> 56 with a severities file of every rule form: the
# exports whose changes it does not tolerate, sorted.
zcat test/fixtures/kernels/6.1.0-47-amd64/Module.symvers.gz > "$work/a.symvers"
zcat test/fixtures/kernels/6.1.0-56-amd64/Module.symvers.gz > "$work/b.symvers"
status=0
"$source/target/release/ksymvers" compare --rules "$fixtures/severities-every-form" --format symbols "$work/a.symvers" "$work/b.symvers" > "$work/symbols" || status=$?
[ "$status" -le 1 ] || exit "$status"
LC_ALL=C sort "$work/symbols" | gzip -9n > "$fixtures/ksymvers-$commit-47-56-every-form.gz"
echo "recorded $fixtures/wildmat-$commit.gz and $fixtures/ksymvers-$commit-47-56-every-form.gz"
