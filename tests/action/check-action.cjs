#!/usr/bin/env node
// Rules for this project's composite actions that a schema cannot check.
//   node check-action.cjs ACTION.yml...
// - every `run` step has `shell: bash` (the runner then uses -eo pipefail), or
//   `shell: cmd` or `powershell` with an `if` that holds runner.os == 'Windows';
//   a Windows step ID-windows follows its twin ID, whose if holds
//   runner.os != 'Windows' (one thin call per OS);
// - no `run` text holds a ${{ }} expression: inputs and step outputs reach the
//   scripts only through `env:` (no value can become shell code);
// - every inputs.X used is declared, and every declared input is used;
// - every steps.ID used names a step with that id before the use (or, in
//   outputs, any step), and step ids are unique.
// Prints one line per problem; exits 1 when there is any, 3 when it cannot run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

let YAML;
try {
	YAML = createRequire(path.resolve(__dirname, '../../tools/package.json'))('yaml');
} catch (e) {
	process.stderr.write(`check-action: cannot load yaml (run scripts/install-deps.sh): ${e.message}\n`);
	process.exit(3);
}

function exprs(v) {
	const out = [];
	const walk = (x) => {
		if (typeof x === 'string') {
			for (const m of x.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) out.push(m[1]);
		} else if (Array.isArray(x)) x.forEach(walk);
		else if (x && typeof x === 'object') Object.values(x).forEach(walk);
	};
	walk(v);
	return out;
}

let problems = 0;
const problem = (file, msg) => {
	process.stdout.write(`${file}: ${msg}\n`);
	problems++;
};

for (const file of process.argv.slice(2)) {
	let meta;
	try {
		meta = YAML.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		process.stderr.write(`check-action: ${file}: ${e.message}\n`);
		process.exit(3);
	}
	const inputs = Object.keys(meta.inputs || {});
	const used = new Set();
	const ids = [];
	const refs = (where, texts, known) => {
		for (const e of texts) {
			for (const m of e.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
				used.add(m[1]);
				if (!inputs.includes(m[1])) problem(file, `${where}: input '${m[1]}' is not declared`);
			}
			for (const m of e.matchAll(/\bsteps\.([A-Za-z0-9_-]+)/g))
				if (!known.includes(m[1])) problem(file, `${where}: step '${m[1]}' is not a step before it`);
		}
	};
	const steps = (meta.runs && meta.runs.steps) || [];
	steps.forEach((s, i) => {
		const where = `step ${i + 1} (${s.name || s.id || s.uses})`;
		if (s.run !== undefined) {
			const cond = String(s.if || '');
			if (s.shell === 'cmd' || s.shell === 'powershell') {
				if (!/runner\.os == 'Windows'/.test(cond)) problem(file, `${where}: shell '${s.shell}' without if: runner.os == 'Windows'`);
				const twin = s.id && s.id.endsWith('-windows') ? steps.find((t) => t.id === s.id.slice(0, -8)) : null;
				if (!twin) problem(file, `${where}: no step '${String(s.id).replace(/-windows$/, '')}' before it for the other systems`);
				else if (!/runner\.os != 'Windows'/.test(String(twin.if || ''))) problem(file, `${where}: its twin '${twin.id}' does not say runner.os != 'Windows'`);
			} else if (s.shell !== 'bash') {
				problem(file, `${where}: shell is '${s.shell}', not bash (or cmd or powershell on Windows)`);
			}
			if (/\$\{\{/.test(String(s.run))) problem(file, `${where}: an expression in the script; pass it through env:`);
		}
		const { run, if: cond, ...rest } = s;
		const conds = cond === undefined ? [] : [String(cond).replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1')];
		refs(where, [...exprs(rest), ...conds], ids.slice());
		if (s.id) {
			if (ids.includes(s.id)) problem(file, `${where}: id '${s.id}' is used twice`);
			ids.push(s.id);
		}
	});
	for (const [name, o] of Object.entries(meta.outputs || {})) refs(`output '${name}'`, exprs(o.value), ids);
	for (const i of inputs) if (!used.has(i)) problem(file, `input '${i}' is declared but never used`);
}
process.exit(problems ? 1 : 0);
