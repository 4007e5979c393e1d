#!/usr/bin/env node
// A webhook receiver for the tests, on 127.0.0.1 at a free port.
//   node hook-server.cjs PORT_FILE LOG_FILE
// Writes the port to PORT_FILE once listening; appends each request as one
// JSON line {method, url, body} to LOG_FILE and answers 200 {"ok":true}.
// Ends on SIGTERM, or by itself after 120 s.
'use strict';
const fs = require('node:fs');
const http = require('node:http');

const [portFile, logFile] = process.argv.slice(2);
const server = http.createServer((req, res) => {
	let body = '';
	req.on('data', (d) => (body += d));
	req.on('end', () => {
		fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, body }) + '\n');
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end('{"ok":true}');
	});
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(portFile + '.tmp', String(server.address().port));
	fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 120000).unref();
