#!/usr/bin/env node
// Write each bash `run` script of an action.yml to DIR/<n>-<id>.sh as bash reads
// it (for shellcheck; the cmd steps of Windows runners are not bash).   node extract-scripts.cjs ACTION.yml DIR
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

try {
	const YAML = createRequire(path.resolve(__dirname, '../../tools/package.json'))('yaml');
	const [file, dir] = process.argv.slice(2);
	const meta = YAML.parse(fs.readFileSync(file, 'utf8'));
	fs.mkdirSync(dir, { recursive: true });
	(meta.runs.steps || []).forEach((s, i) => {
		if (typeof s.run !== 'string' || s.shell !== 'bash') return;
		const name = path.join(dir, `${i + 1}-${s.id || 'step'}.sh`);
		fs.writeFileSync(name, `#!/usr/bin/env bash\n${s.run}`);
		process.stdout.write(name + '\n');
	});
} catch (e) {
	process.stderr.write(`extract-scripts: ${e.message}\n`);
	process.exit(3);
}
