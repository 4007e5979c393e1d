#!/usr/bin/env node
// A static file server for the tests (a release mirror), on 127.0.0.1 at a free port.
//   node file-server.cjs ROOT PORT_FILE LOG_FILE [FAIL_FIRST]
// Answers GET of ROOT/PATH with the file (200) or 404; the first FAIL_FIRST
// requests (default 0) get 503, as an overloaded server does. Writes the port to
// PORT_FILE once listening; appends each request as one JSON line {method, url,
// status} to LOG_FILE. Ends on SIGTERM, or by itself after 300 s.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');

const [root, portFile, logFile, failFirst] = process.argv.slice(2);
let failLeft = Number(failFirst || 0);
const base = path.resolve(root);
const server = http.createServer((req, res) => {
	let status = 404;
	let body = null;
	const file = path.resolve(base, '.' + decodeURIComponent(req.url.split('?')[0]));
	if (failLeft > 0) {
		failLeft--;
		status = 503;
	} else if (req.method === 'GET' && file.startsWith(base + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
		status = 200;
		body = fs.readFileSync(file);
	}
	fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, status }) + '\n');
	res.writeHead(status, { 'Content-Type': 'application/octet-stream' });
	res.end(body || `${status}\n`);
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(portFile + '.tmp', String(server.address().port));
	fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 300000).unref();
