#!/usr/bin/env node
// The README's tables of the action's inputs and outputs against action.yml.
//   node readme-tables.cjs README.md action.yml
// Under the heading "## The action", the table after "### Inputs" must list
// every input of action.yml, no other, in its order, as
// | `name` | `default` | description | (an empty default cell for ''), and the
// table after "### Outputs" every output as | `name` | description |, with the
// descriptions word for word.
// Prints one line per difference; exits 1 when there is any, 3 when it cannot run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

let YAML;
try {
	YAML = createRequire(path.resolve(__dirname, '../../tools/package.json'))('yaml');
} catch (e) {
	process.stderr.write(`readme-tables: cannot load yaml (run scripts/install-deps.sh): ${e.message}\n`);
	process.exit(3);
}
const [readmeFile, actionFile] = process.argv.slice(2);
if (!readmeFile || !actionFile) {
	process.stderr.write('usage: readme-tables.cjs README.md action.yml\n');
	process.exit(3);
}
const lines = fs.readFileSync(readmeFile, 'utf8').split('\n');
const meta = YAML.parse(fs.readFileSync(actionFile, 'utf8'));

let diffs = 0;
const diff = (msg) => {
	process.stdout.write(`${readmeFile}: ${msg}\n`);
	diffs++;
};

function cells(line) {
	const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
	const out = [];
	let cur = '';
	for (let i = 0; i < inner.length; i++) {
		if (inner[i] === '\\' && inner[i + 1] === '|') {
			cur += '|';
			i++;
		} else if (inner[i] === '|') {
			out.push(cur.trim());
			cur = '';
		} else cur += inner[i];
	}
	out.push(cur.trim());
	return out;
}

// the rows of the first table after `heading` inside the action's section
function table(heading) {
	const start = lines.findIndex((l) => l.trim() === '## The action');
	if (start < 0) {
		diff("no '## The action' heading");
		return null;
	}
	let i = start + 1;
	for (; i < lines.length && !/^## /.test(lines[i]); i++) if (lines[i].trim() === heading) break;
	if (i >= lines.length || /^## /.test(lines[i])) {
		diff(`no '${heading}' under '## The action'`);
		return null;
	}
	while (i < lines.length && !lines[i].trim().startsWith('|')) i++;
	const rows = [];
	for (i += 2; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push({ n: i + 1, c: cells(lines[i]) });
	return rows;
}

const code = (s) => {
	const m = /^`([^`]*)`$/.exec(s);
	return m ? m[1] : null;
};

function compare(kind, rows, entries, withDefault) {
	if (!rows) return;
	const byName = new Map();
	for (const row of rows) {
		const name = code(row.c[0]);
		if (name === null) diff(`line ${row.n}: ${kind} cell ${row.c[0]} is not a \`name\``);
		else byName.set(name, row);
	}
	const names = entries.map(([name]) => name);
	for (const name of names) if (!byName.has(name)) diff(`${kind} '${name}' is missing from the table`);
	for (const [name, row] of byName) if (!names.includes(name)) diff(`line ${row.n}: ${kind} '${name}' is not in the action`);
	const common = names.filter((n) => byName.has(n));
	const order = [...byName.keys()].filter((n) => names.includes(n));
	const k = common.findIndex((n, idx) => order[idx] !== n);
	if (k >= 0) diff(`line ${byName.get(order[k]).n}: ${kind} '${order[k]}' is out of order (the action has '${common[k]}' here)`);
	for (const [name, spec] of entries) {
		const row = byName.get(name);
		if (!row) continue;
		const want = withDefault
			? [spec.default === undefined || spec.default === '' ? '' : String(spec.default), spec.description]
			: [spec.description];
		if (row.c.length !== want.length + 1) {
			diff(`line ${row.n}: ${row.c.length} cells, expected ${want.length + 1}`);
			continue;
		}
		if (withDefault) {
			const got = row.c[1] === '' ? '' : code(row.c[1]);
			if (got !== want[0]) diff(`line ${row.n}: default of '${name}' is ${row.c[1] || '(empty)'}, expected ${want[0] === '' ? '(empty)' : `\`${want[0]}\``}`);
		}
		const d = row.c[row.c.length - 1];
		if (d !== want[want.length - 1]) diff(`line ${row.n}: description of '${name}' differs:\n  README: ${d}\n  action: ${want[want.length - 1]}`);
	}
}

compare('input', table('### Inputs'), Object.entries(meta.inputs || {}), true);
compare('output', table('### Outputs'), Object.entries(meta.outputs || {}), false);
process.exit(diffs ? 1 : 0);
