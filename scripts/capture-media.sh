#!/usr/bin/env bash
# Captures the explorer in a real terminal (tmux, 120×40) on the corpus data and renders each
# screen to SVG with the small ANSI→SVG converter below (no dependencies).
# Usage: npm run build && scripts/capture-media.sh   → media/explorer-main.svg, explorer-detail.svg, explorer-why.svg, explorer-diff.svg
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
corpus=${KMODX_CORPUS:-$root/../shared/corpus}
# Real Debian artifacts: the shared corpus when present, else the copies in test/fixtures.
if [[ -f $corpus/modules/built/my_drv-6.1.0-47-amd64.ko ]]; then
	module=$corpus/modules/built/my_drv-6.1.0-47-amd64.ko
	k47=$corpus/kernels/debian-6.1.0-47-amd64/Module.symvers
	k56=$corpus/kernels/debian-6.1.0-56-amd64/Module.symvers
else
	module=$root/test/fixtures/modules/my_drv-6.1.0-47-amd64.ko
	k47=$root/test/fixtures/kernels/6.1.0-47-amd64/Module.symvers.gz
	k56=$root/test/fixtures/kernels/6.1.0-56-amd64/Module.symvers.gz
fi

command -v tmux >/dev/null || { echo "capture-media: tmux is needed (apt-get install tmux)" >&2; exit 2; }
[[ -f build/bin/kmodx.cjs ]] || { echo "capture-media: run npm run build first" >&2; exit 2; }
mkdir -p media
socket=kmodx-media-$$
work=$(mktemp -d)
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
t() { tmux -L "$socket" "$@"; }

wait_for() { # session pattern
	for _ in $(seq 1 200); do
		if t capture-pane -p -t "$1" | grep -q -- "$2"; then return 0; fi
		sleep 0.05
	done
	echo "capture-media: '$2' never appeared" >&2
	t capture-pane -p -t "$1" >&2
	exit 1
}

start() { # session args…
	local name=$1; shift
	# Labels keep the screens short; TERM with 256 colors like a usual terminal.
	t new-session -d -s "$name" -x 120 -y 40 -c "$work" "TERM=xterm-256color node $root/build/bin/kmodx.cjs $* ; sleep 60"
}

shot() { # session file title
	t capture-pane -e -p -t "$1" > "$work/$2.ansi"
	node "$work/ansi-to-svg.mjs" "$work/$2.ansi" "$3" > "media/$2.svg"
	echo "media/$2.svg"
}

cat > "$work/ansi-to-svg.mjs" <<'JS'
// ANSI (tmux capture-pane -e) → SVG: a grid of cells, each with the SGR state in force.
import {readFileSync} from 'node:fs';
const [file, title = 'kmodx'] = process.argv.slice(2);
const text = readFileSync(file, 'utf8').replace(/\n+$/, '');
const palette = ['#1e1e1e', '#e05561', '#8cc265', '#d18f52', '#4aa5f0', '#c162de', '#42b3c2', '#d7dae0',
	'#5c6370', '#ff616e', '#a5e075', '#f0a45d', '#4dc4ff', '#de73ff', '#4cd1e0', '#ffffff'];
const xterm = n => {
	if (n < 16) return palette[n];
	if (n >= 232) { const v = 8 + (n - 232) * 10; return `rgb(${v},${v},${v})`; }
	const c = n - 16, s = [0, 95, 135, 175, 215, 255];
	return `rgb(${s[Math.floor(c / 36)]},${s[Math.floor(c / 6) % 6]},${s[c % 6]})`;
};
const fg0 = '#d7dae0', bg0 = '#1e1e1e';
const fresh = () => ({fg: undefined, bg: undefined, bold: false, dim: false, inverse: false, underline: false});
let style = fresh();
const rows = [];
for (const line of text.split('\n')) {
	const cells = [];
	const re = /\u001B\[([\d;:]*)m|\u001B\][^\u0007]*\u0007|\u001B\[[\d;?]*[A-Za-z]|([\s\S])/gu;
	let m;
	while ((m = re.exec(line))) {
		if (m[2] !== undefined) { cells.push({ch: m[2], ...style}); continue; }
		if (m[1] === undefined) continue;
		const codes = m[1] === '' ? [0] : m[1].split(/[;:]/).map(Number);
		for (let i = 0; i < codes.length; i++) {
			const c = codes[i];
			if (c === 0) style = fresh();
			else if (c === 1) style.bold = true;
			else if (c === 2) style.dim = true;
			else if (c === 4) style.underline = true;
			else if (c === 7) style.inverse = true;
			else if (c === 22) { style.bold = false; style.dim = false; }
			else if (c === 24) style.underline = false;
			else if (c === 27) style.inverse = false;
			else if (c >= 30 && c <= 37) style.fg = palette[c - 30];
			else if (c >= 90 && c <= 97) style.fg = palette[c - 90 + 8];
			else if (c === 39) style.fg = undefined;
			else if (c >= 40 && c <= 47) style.bg = palette[c - 40];
			else if (c >= 100 && c <= 107) style.bg = palette[c - 100 + 8];
			else if (c === 49) style.bg = undefined;
			else if ((c === 38 || c === 48) && codes[i + 1] === 5) { style[c === 38 ? 'fg' : 'bg'] = xterm(codes[i + 2]); i += 2; }
			else if ((c === 38 || c === 48) && codes[i + 1] === 2) { style[c === 38 ? 'fg' : 'bg'] = `rgb(${codes[i + 2]},${codes[i + 3]},${codes[i + 4]})`; i += 4; }
		}
	}
	rows.push(cells);
}
const cw = 8.4, lh = 18, pad = 12, top = 30;
const width = Math.max(120, ...rows.map(r => r.length)) * cw + 2 * pad;
const height = rows.length * lh + top + pad;
const esc = s => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height}" viewBox="0 0 ${width.toFixed(0)} ${height}" font-family="'DejaVu Sans Mono','Menlo','Consolas',monospace" font-size="14">`,
	`<rect width="100%" height="100%" rx="6" fill="${bg0}"/>`,
	`<circle cx="18" cy="15" r="5" fill="#ff5f56"/><circle cx="34" cy="15" r="5" fill="#ffbd2e"/><circle cx="50" cy="15" r="5" fill="#27c93f"/>`,
	`<text x="${(width / 2).toFixed(0)}" y="19" fill="#8b9099" text-anchor="middle" font-size="12">${esc(title)}</text>`];
rows.forEach((cells, y) => {
	const baseline = top + y * lh + 13;
	let x = 0;
	// Runs of cells with the same look become one <text>; backgrounds one <rect>.
	while (x < cells.length) {
		const c = cells[x];
		let fg = c.fg ?? fg0, bg = c.bg;
		if (c.inverse) { const f = fg; fg = bg ?? bg0; bg = f; }
		const key = JSON.stringify([fg, bg, c.bold, c.dim, c.underline]);
		let end = x + 1;
		while (end < cells.length) {
			const d = cells[end];
			let f2 = d.fg ?? fg0, b2 = d.bg;
			if (d.inverse) { const f = f2; f2 = b2 ?? bg0; b2 = f; }
			if (JSON.stringify([f2, b2, d.bold, d.dim, d.underline]) !== key) break;
			end++;
		}
		const run = cells.slice(x, end).map(k => k.ch).join('');
		const px = pad + x * cw;
		if (bg) out.push(`<rect x="${px.toFixed(1)}" y="${top + y * lh}" width="${((end - x) * cw).toFixed(1)}" height="${lh}" fill="${bg}"/>`);
		if (run.trim() !== '') {
			out.push(`<text x="${px.toFixed(1)}" y="${baseline}" fill="${fg}" xml:space="preserve" textLength="${((end - x) * cw).toFixed(1)}" lengthAdjust="spacingAndGlyphs"${c.bold ? ' font-weight="bold"' : ''}${c.dim ? ' opacity="0.6"' : ''}${c.underline ? ' text-decoration="underline"' : ''}>${esc(run)}</text>`);
		}
		x = end;
	}
});
out.push('</svg>');
process.stdout.write(out.join('\n') + '\n');
JS

start main "$module" -k "47=$k47" -k "56=$k56"
wait_for main '1 of 21'
shot main explorer-main 'kmodx my_drv.ko -k 47=… -k 56=…'

t send-keys -t main m
wait_for main 'problems only'
t send-keys -t main -l '/misc_reg'
wait_for main 'misc_reg▏'
t send-keys -t main Enter
sleep 0.2
t send-keys -t main Enter
wait_for main 'Kernel log'
shot main explorer-detail 'kmodx my_drv.ko: m, /misc_reg, Enter'

# Why module_layout changed, from the kernels' own genksyms input (verified).
types=$root/test/fixtures/symtypes
start why "$module" -k "47=$k47" -k "56=$k56" --types "47=$types/debian-6.1.0-47-amd64.version.symtypes.gz" --types "56=$types/debian-6.1.0-56-amd64.version.symtypes.gz"
wait_for why '1 of 21'
t send-keys -t why Enter
wait_for why 'symtypes, verified'
sleep 0.2
shot why explorer-why 'kmodx my_drv.ko --types 47=….symtypes --types 56=….symtypes: Enter on module_layout'

start diff -k "47=$k47" -k "56=$k56"
wait_for diff '1 of 24702'
t send-keys -t diff m
wait_for diff 'problems only'
t send-keys -t diff -l '/usb_stor'
wait_for diff 'usb_stor▏'
t send-keys -t diff Enter
sleep 0.3
shot diff explorer-diff 'kmodx -k 47=… -k 56=… (kernel vs kernel)'
