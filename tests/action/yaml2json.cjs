#!/usr/bin/env node
// Print a YAML file as JSON (for jq in the tests).   node yaml2json.cjs FILE
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

try {
	const YAML = createRequire(path.resolve(__dirname, '../../tools/package.json'))('yaml');
	const doc = YAML.parseDocument(fs.readFileSync(process.argv[2], 'utf8'));
	if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
	process.stdout.write(JSON.stringify(doc.toJS(), null, 2) + '\n');
} catch (e) {
	process.stderr.write(`yaml2json: ${process.argv[2]}: ${e.message}\n`);
	process.exit(3);
}
