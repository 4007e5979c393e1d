#!/usr/bin/env node
// Run a composite action's steps the way the GitHub Actions runner does, for
// the tests of action.yml and cache/*/action.yml.
//
//   node runner.cjs ACTION_DIR --workspace DIR --temp DIR --result FILE
//                   [--input NAME=VALUE]... [--cancel-after SECONDS]
//                   [--record-uses ACTION@REF]... [--windows WINE]
//                   [--action-ref REF] [--action-repository OWNER/NAME]
//                   [--tool-cache DIR]
//
// As the runner: input defaults; ${{ }} expressions in env, with, if and
// working-directory (contexts inputs, steps, github, runner, env; the status
// functions, contains/startsWith/endsWith/format; GitHub's loose == and the
// value-returning && and ||); an `if` without a status function is ANDed with
// success(); each `run` step written to a file and run with
// `bash --noprofile --norc -eo pipefail FILE` in its working directory, with
// GITHUB_ACTIONS=true, RUNNER_TEMP, GITHUB_WORKSPACE, GITHUB_ACTION_PATH and
// fresh GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY files,
// read back after the step (outputs in both forms, name=value and
// name<<DELIMITER; GITHUB_ENV for the later steps; GITHUB_PATH entries
// prepended to PATH; the step summaries concatenated into
// TEMP/job-summary.md). github.action_ref and github.action_repository are
// --action-ref and --action-repository (empty by default, as for a local
// action, `uses: ./`); RUNNER_TOOL_CACHE and runner.tool_cache are --tool-cache
// (default TEMP/tool-cache). Cancellation (--cancel-after) sends SIGINT to the
// running step's process, SIGTERM 7.5 s later, SIGKILL 2.5 s after that, and
// from then on cancelled() is true and success() false.
//
// With --windows WINE the job runs as on a Windows runner, the Windows
// programs under Wine: runner.os is Windows; each `shell: cmd` step is written
// to a .cmd file (CRLF) and run as the runner does,
// `cmd /D /E:ON /V:OFF /S /C "CALL "FILE""` (here /C FILE), by Wine's cmd.exe; the paths the
// runner hands over (GITHUB_OUTPUT and the other files, RUNNER_TEMP,
// GITHUB_WORKSPACE, GITHUB_ACTION_PATH, github.action_path, github.workspace,
// runner.temp) are Windows paths (Z:\...). Cancellation is the runner's Ctrl-C
// as close as Wine can deliver it: Wine implements no console control events
// between processes, but turns SIGINT to a Windows process into CTRL_C_EVENT for
// that process's own handlers (SetConsoleCtrlHandler). So SIGINT goes to each
// soak-run.exe of the step (found by a marker in its environment): on a real
// runner it is the process that gets the Ctrl-C and acts on it, cmd.exe waits
// for it, and the iterations, each in a process group of its own, have Ctrl-C
// turned off. 7.5 s later (the runner's Ctrl-Break) SIGTERM, 2.5 s after that
// SIGKILL, to every process of the step. What this cannot show: that the
// runner's GenerateConsoleCtrlEvent reaches soak-run through the console
// (a CI-only check, README's platform matrix).
//
// Stricter than the runner, so a mistake fails a test: an input the action
// does not declare, an unknown context, function or syntax, a step whose shell
// is not bash (cmd with --windows; powershell never: that is CI only), and a `uses` step that would run are errors (exit 3), except
// the actions named by --record-uses: those are not run (they are GitHub's,
// e.g. actions/upload-artifact@v4) but recorded, with their `with:` evaluated,
// as a successful step without outputs.
//
// The result file is JSON: {status, outputs, steps: [{id, name, outcome,
// conclusion, exit_code, signal, outputs, with}], annotations: [{level, title,
// message}]}. Exit status: 0 success, 1 a step failed, 130 cancelled,
// 3 usage or an unsupported construct.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createRequire } = require('node:module');

const toolsDir = path.resolve(__dirname, '../../tools');
let YAML;
try {
	YAML = createRequire(path.join(toolsDir, 'package.json'))('yaml');
} catch (e) {
	die(`cannot load the yaml package from ${toolsDir}/node_modules (run scripts/install-deps.sh): ${e.message}`);
}

function die(msg) {
	process.stderr.write(`runner: ${msg}\n`);
	process.exit(3);
}

// ---- expressions ----

function tokenize(src) {
	const toks = [];
	let i = 0;
	while (i < src.length) {
		const c = src[i];
		if (/\s/.test(c)) {
			i++;
		} else if (c === "'") {
			let s = '';
			i++;
			for (;;) {
				if (i >= src.length) throw new Error(`unterminated string in '${src}'`);
				if (src[i] === "'") {
					if (src[i + 1] === "'") {
						s += "'";
						i += 2;
						continue;
					}
					i++;
					break;
				}
				s += src[i++];
			}
			toks.push({ t: 'str', v: s });
		} else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] || ''))) {
			const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
			toks.push({ t: 'num', v: Number(m[0]) });
			i += m[0].length;
		} else if (/[A-Za-z_]/.test(c)) {
			const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
			toks.push({ t: 'id', v: m[0] });
			i += m[0].length;
		} else {
			const two = src.slice(i, i + 2);
			if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
				toks.push({ t: 'op', v: two });
				i += 2;
			} else if ('()!<>.,[]*'.includes(c)) {
				toks.push({ t: 'op', v: c });
				i++;
			} else {
				throw new Error(`unexpected '${c}' in '${src}'`);
			}
		}
	}
	return toks;
}

const STATUS_FUNCS = ['success', 'failure', 'always', 'cancelled'];

function parse(src) {
	const toks = tokenize(src);
	let p = 0;
	const peek = () => toks[p];
	const isOp = (v) => peek() && peek().t === 'op' && peek().v === v;
	const expect = (v) => {
		if (!isOp(v)) throw new Error(`expected '${v}' in '${src}'`);
		p++;
	};
	function or() {
		let l = and();
		while (isOp('||')) {
			p++;
			l = { k: 'or', l, r: and() };
		}
		return l;
	}
	function and() {
		let l = cmp();
		while (isOp('&&')) {
			p++;
			l = { k: 'and', l, r: cmp() };
		}
		return l;
	}
	function cmp() {
		let l = unary();
		while (peek() && peek().t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(peek().v)) {
			const op = toks[p++].v;
			l = { k: 'cmp', op, l, r: unary() };
		}
		return l;
	}
	function unary() {
		if (isOp('!')) {
			p++;
			return { k: 'not', e: unary() };
		}
		return postfix(primary());
	}
	function postfix(e) {
		for (;;) {
			if (isOp('.')) {
				p++;
				const t = toks[p++];
				if (!t || t.t !== 'id') throw new Error(`expected a property name in '${src}'`);
				e = { k: 'prop', e, name: t.v };
			} else if (isOp('[')) {
				p++;
				const idx = or();
				expect(']');
				e = { k: 'index', e, idx };
			} else {
				return e;
			}
		}
	}
	function primary() {
		const t = toks[p++];
		if (!t) throw new Error(`unexpected end of '${src}'`);
		if (t.t === 'str' || t.t === 'num') return { k: 'lit', v: t.v };
		if (t.t === 'op' && t.v === '(') {
			const e = or();
			expect(')');
			return e;
		}
		if (t.t === 'id') {
			if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
			if (t.v === 'null') return { k: 'lit', v: null };
			if (isOp('(')) {
				p++;
				const args = [];
				while (!isOp(')')) {
					args.push(or());
					if (isOp(',')) p++;
					else if (!isOp(')')) throw new Error(`expected ',' or ')' in '${src}'`);
				}
				p++;
				return { k: 'call', name: t.v, args };
			}
			return { k: 'ctx', name: t.v };
		}
		throw new Error(`unexpected '${t.v}' in '${src}'`);
	}
	const e = or();
	if (p !== toks.length) throw new Error(`unexpected '${toks[p].v}' in '${src}'`);
	return e;
}

function usesStatus(e) {
	if (!e || typeof e !== 'object') return false;
	if (e.k === 'call' && STATUS_FUNCS.includes(e.name)) return true;
	return ['l', 'r', 'e', 'idx'].some((k) => usesStatus(e[k])) || (e.args || []).some(usesStatus);
}

const truthy = (v) => !(v === false || v === null || v === undefined || v === 0 || v === '' || Number.isNaN(v));

function toNum(v) {
	if (v === null || v === undefined) return 0;
	if (typeof v === 'boolean') return v ? 1 : 0;
	if (typeof v === 'number') return v;
	if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
	return NaN;
}

function looseEq(a, b) {
	if (a === undefined) a = null;
	if (b === undefined) b = null;
	if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
	if (typeof a === typeof b && a !== null && typeof a !== 'object') return a === b;
	if (a === null && b === null) return true;
	if (typeof a === 'object' && a !== null) return a === b;
	return toNum(a) === toNum(b);
}

function toStr(v) {
	if (v === null || v === undefined) return '';
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	if (typeof v === 'object') return JSON.stringify(v);
	return String(v);
}

function evaluate(e, ctx) {
	switch (e.k) {
	case 'lit':
		return e.v;
	case 'ctx':
		if (!(e.name in ctx.contexts)) throw new Error(`unknown context '${e.name}'`);
		return ctx.contexts[e.name];
	case 'prop': {
		const o = evaluate(e.e, ctx);
		if (o === null || o === undefined || typeof o !== 'object') return null;
		const key = Object.keys(o).find((k) => k.toLowerCase() === e.name.toLowerCase());
		return key === undefined ? null : o[key];
	}
	case 'index': {
		const o = evaluate(e.e, ctx);
		const i = evaluate(e.idx, ctx);
		if (o === null || typeof o !== 'object') return null;
		return o[i] === undefined ? null : o[i];
	}
	case 'not':
		return !truthy(evaluate(e.e, ctx));
	case 'and': {
		const l = evaluate(e.l, ctx);
		return truthy(l) ? evaluate(e.r, ctx) : l;
	}
	case 'or': {
		const l = evaluate(e.l, ctx);
		return truthy(l) ? l : evaluate(e.r, ctx);
	}
	case 'cmp': {
		const a = evaluate(e.l, ctx);
		const b = evaluate(e.r, ctx);
		if (e.op === '==') return looseEq(a, b);
		if (e.op === '!=') return !looseEq(a, b);
		const x = toNum(a), y = toNum(b);
		return { '<': x < y, '>': x > y, '<=': x <= y, '>=': x >= y }[e.op];
	}
	case 'call': {
		const args = e.args.map((a) => evaluate(a, ctx));
		const s = (v) => toStr(v).toLowerCase();
		switch (e.name) {
		case 'success':
			return !ctx.failed && !ctx.cancelled;
		case 'failure':
			return ctx.failed && !ctx.cancelled;
		case 'always':
			return true;
		case 'cancelled':
			return ctx.cancelled;
		case 'contains':
			return Array.isArray(args[0]) ? args[0].some((x) => looseEq(x, args[1])) : s(args[0]).includes(s(args[1]));
		case 'startsWith':
			return s(args[0]).startsWith(s(args[1]));
		case 'endsWith':
			return s(args[0]).endsWith(s(args[1]));
		case 'format':
			return toStr(args[0]).replace(/\{(\d+)\}/g, (_, n) => toStr(args[1 + Number(n)]));
		default:
			throw new Error(`unsupported function '${e.name}'`);
		}
	}
	default:
		throw new Error(`bad node ${e.k}`);
	}
}

// "a ${{ x }} b" -> text with each expression's value
function interpolate(text, ctx) {
	if (text === null || text === undefined) return '';
	const s = typeof text === 'string' ? text : toStr(text);
	return s.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr) => toStr(evaluate(parse(expr), ctx)));
}

function condition(text, ctx) {
	let src = text === undefined || text === null ? 'success()' : toStr(text).trim();
	const m = /^\$\{\{([\s\S]*)\}\}$/.exec(src);
	if (m) src = m[1];
	let e = parse(src);
	if (!usesStatus(e)) e = { k: 'and', l: { k: 'call', name: 'success', args: [] }, r: e };
	return truthy(evaluate(e, ctx));
}

// ---- file commands ----

function readKeyValues(file) {
	const out = {};
	if (!fs.existsSync(file)) return out;
	const lines = fs.readFileSync(file, 'utf8').split('\n');
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i].replace(/\r$/, '');
		if (line === '') continue;
		const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
		const eq = line.indexOf('=');
		if (heredoc && (eq < 0 || eq > line.indexOf('<<'))) {
			const [, name, delim] = heredoc;
			const val = [];
			for (i++; i < lines.length && lines[i].replace(/\r$/, '') !== delim; i++) val.push(lines[i].replace(/\r$/, ''));
			if (i >= lines.length) throw new Error(`${file}: no closing delimiter '${delim}' for '${name}'`);
			out[name] = val.join('\n');
		} else if (eq > 0) {
			out[line.slice(0, eq)] = line.slice(eq + 1);
		} else {
			throw new Error(`${file}: invalid line '${line}'`);
		}
	}
	return out;
}

// ---- the job ----

function parseArgs(argv) {
	const a = { inputs: {}, cancelAfter: null, recordUses: [] };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) die(`missing value for ${arg}`);
			return argv[++i];
		};
		if (arg === '--input') {
			const v = val();
			const eq = v.indexOf('=');
			if (eq <= 0) die(`bad --input '${v}' (NAME=VALUE)`);
			a.inputs[v.slice(0, eq)] = v.slice(eq + 1);
		} else if (arg === '--workspace') a.workspace = path.resolve(val());
		else if (arg === '--temp') a.temp = path.resolve(val());
		else if (arg === '--result') a.result = path.resolve(val());
		else if (arg === '--cancel-after') a.cancelAfter = Number(val());
		else if (arg === '--record-uses') a.recordUses.push(val());
		else if (arg === '--windows') a.wine = val();
		else if (arg === '--action-ref') a.actionRef = val();
		else if (arg === '--action-repository') a.actionRepository = val();
		else if (arg === '--tool-cache') a.toolCache = path.resolve(val());
		else if (!a.action && !arg.startsWith('-')) a.action = path.resolve(arg);
		else die(`unknown argument '${arg}'`);
	}
	if (!a.action || !a.workspace || !a.temp || !a.result) die('usage: runner.cjs ACTION_DIR --workspace DIR --temp DIR --result FILE [--input NAME=VALUE]... [--cancel-after S]');
	return a;
}

// The Windows path Wine gives a Linux path: Z: and backslashes.
function winPath(p) {
	return 'Z:' + path.resolve(p).replace(/\//g, '\\');
}

// The live processes whose environment holds NAME=VALUE (Wine passes a Windows
// process's environment on to its Linux process), with their command lines.
function processesWithEnv(name, value) {
	const out = [];
	const want = `${name}=${value}`;
	for (const d of fs.readdirSync('/proc')) {
		if (!/^[0-9]+$/.test(d)) continue;
		try {
			const env = fs.readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
			if (!env.includes(want)) continue;
			const stat = fs.readFileSync(`/proc/${d}/stat`, 'latin1');
			if (/\) Z /.test(stat)) continue;
			out.push({ pid: Number(d), cmdline: fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').replace(/\0/g, ' ') });
		} catch (e) {
			// gone, or not ours to read
		}
	}
	return out;
}

function runStep(file, cwd, env, job, wine) {
	return new Promise((resolve) => {
		const [cmd, argv] = wine
			? // Wine quotes each argument for the C runtime (a quote becomes \"), so the
			  // file goes as an argument of its own; and Wine's cmd returns 1 for any
			  // failure of a CALLed script (Windows' returns its errorlevel), so the
			  // script runs without CALL: for one script at the top, the same run
			  [wine, ['cmd', '/D', '/E:ON', '/V:OFF', '/S', '/C', winPath(file)]]
			: ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]];
		const child = spawn(cmd, argv, {
			cwd,
			env,
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		job.child = child;
		let buf = '';
		child.stdout.on('data', (d) => {
			process.stdout.write(d);
			buf += d.toString();
			let nl;
			while ((nl = buf.indexOf('\n')) >= 0) {
				job.onLine(buf.slice(0, nl).replace(/\r$/, ''));
				buf = buf.slice(nl + 1);
			}
		});
		// 'close' waits for stdout to end too; a process the step left behind
		// may hold it open, so give it a moment after 'exit', then stop reading.
		let done = false;
		const finish = (code, signal) => {
			if (done) return;
			done = true;
			if (buf) job.onLine(buf);
			job.child = null;
			resolve({ code, signal });
		};
		child.on('exit', (code, signal) => {
			setTimeout(() => {
				child.stdout.destroy();
				finish(code, signal);
			}, 2000).unref();
		});
		child.on('close', finish);
	});
}

function unescapeData(s) {
	return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const file = ['action.yml', 'action.yaml'].map((f) => path.join(args.action, f)).find((f) => fs.existsSync(f));
	if (!file) die(`no action.yml in '${args.action}'`);
	const meta = YAML.parse(fs.readFileSync(file, 'utf8'));
	if (!meta.runs || meta.runs.using !== 'composite') die(`${file}: not a composite action`);
	const declared = meta.inputs || {};
	for (const name of Object.keys(args.inputs))
		if (!(name in declared)) die(`input '${name}' is not declared in ${file}`);

	fs.mkdirSync(args.temp, { recursive: true });
	const summaryFile = path.join(args.temp, 'job-summary.md');
	fs.writeFileSync(summaryFile, '');

	const job = {
		failed: false,
		cancelled: false,
		child: null,
		annotations: [],
		onLine(line) {
			const m = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
			if (m) {
				const t = /title=([^,]*)/.exec(m[2] || '');
				job.annotations.push({ level: m[1], title: t ? unescapeData(t[1]) : null, message: unescapeData(m[3]) });
			}
		},
	};
	const win = args.wine !== undefined;
	const runnerOs = win ? 'Windows' : { linux: 'Linux', darwin: 'macOS', win32: 'Windows' }[process.platform] || process.platform;
	// the paths as the programs of the step see them
	const hostPath = (p) => (win ? winPath(p) : p);
	const runnerArch = { x64: 'X64', arm64: 'ARM64', arm: 'ARM', ia32: 'X86' }[process.arch] || process.arch;
	const toolCache = args.toolCache || path.join(args.temp, 'tool-cache');
	const baseEnv = {
		...process.env,
		CI: 'true',
		GITHUB_ACTIONS: 'true',
		GITHUB_WORKSPACE: hostPath(args.workspace),
		GITHUB_ACTION_PATH: hostPath(args.action),
		GITHUB_RUN_ID: '1000',
		GITHUB_RUN_NUMBER: '1',
		GITHUB_JOB: 'soak',
		GITHUB_REPOSITORY: 'org/soak-action',
		GITHUB_SERVER_URL: 'https://github.com',
		RUNNER_TEMP: hostPath(args.temp),
		RUNNER_TOOL_CACHE: hostPath(toolCache),
		RUNNER_OS: runnerOs,
		RUNNER_ARCH: runnerArch,
	};
	const envFromFiles = {};
	const pathsAdded = [];
	const stepsCtx = {};
	const contexts = {
		inputs: {},
		steps: stepsCtx,
		github: { action_path: hostPath(args.action), workspace: hostPath(args.workspace), run_id: '1000', run_number: '1', job: 'soak', event_name: 'workflow_dispatch', repository: 'org/soak-action', server_url: 'https://github.com', action_ref: args.actionRef || '', action_repository: args.actionRepository || '' },
		runner: { os: runnerOs, arch: runnerArch, temp: hostPath(args.temp), tool_cache: hostPath(toolCache), debug: '' },
		env: {},
	};
	const ctx = { contexts, get failed() { return job.failed; }, get cancelled() { return job.cancelled; } };
	for (const [name, spec] of Object.entries(declared)) {
		const v = name in args.inputs ? args.inputs[name] : spec && spec.default !== undefined ? interpolate(spec.default, ctx) : '';
		contexts.inputs[name] = toStr(v);
	}

	let killTimers = [];
	if (args.cancelAfter !== null) {
		setTimeout(() => {
			job.cancelled = true;
			process.stderr.write('runner: cancelling the job\n');
			if (job.child && win) {
				// Ctrl-C to soak-run, then Ctrl-Break and the end of the tree (above)
				const c = job.child;
				const mark = job.mark;
				const send = (sig, all) => {
					if (job.child !== c) return;
					for (const p of processesWithEnv('SOAK_RUNNER_STEP', mark)) {
						if (!all && !/(^|[\\/ ])soak-run\.exe"?( |$)/i.test(p.cmdline)) continue;
						process.stderr.write(`runner: ${sig} to ${p.pid} (${p.cmdline.trim()})\n`);
						try {
							process.kill(p.pid, sig);
						} catch (e) {
							// gone already
						}
					}
					if (all) c.kill(sig);
				};
				send('SIGINT', false);
				killTimers.push(setTimeout(() => send('SIGTERM', true), 7500));
				killTimers.push(setTimeout(() => send('SIGKILL', true), 10000));
			} else if (job.child) {
				const c = job.child;
				c.kill('SIGINT');
				killTimers.push(setTimeout(() => job.child === c && c.kill('SIGTERM'), 7500));
				killTimers.push(setTimeout(() => job.child === c && c.kill('SIGKILL'), 10000));
			}
		}, args.cancelAfter * 1000);
	}

	const results = [];
	const steps = meta.runs.steps || [];
	for (let n = 0; n < steps.length; n++) {
		const step = steps[n];
		const id = step.id || `__step${n}`;
		const name = step.name || step.run || step.uses;
		const rec = { id, name, outcome: 'skipped', conclusion: 'skipped', exit_code: null, signal: null, outputs: {} };
		stepsCtx[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
		results.push(rec);
		contexts.env = { ...baseEnv, ...envFromFiles };
		if (!condition(step.if, ctx)) {
			process.stderr.write(`runner: step '${name}' skipped\n`);
			continue;
		}
		if (step.uses && args.recordUses.includes(step.uses)) {
			rec.with = {};
			for (const [k, v] of Object.entries(step.with || {})) rec.with[k] = interpolate(v, ctx);
			rec.outcome = rec.conclusion = 'success';
			stepsCtx[id] = { outputs: {}, outcome: 'success', conclusion: 'success' };
			process.stderr.write(`runner: step '${name}' (${step.uses}) recorded, not run\n`);
			continue;
		}
		if (step.uses) die(`step '${name}' uses '${step.uses}', which this runner cannot run (turn it off with an input)`);
		if (typeof step.run !== 'string') die(`step '${name}' has neither run nor uses`);
		if (win ? step.shell !== 'cmd' : step.shell !== 'bash')
			die(`step '${name}': shell '${step.shell}' (${win ? 'only cmd on a Windows runner here: Windows runners need not have bash, and powershell is CI only' : 'only bash is supported, as the tests need'})`);

		const dir = fs.mkdtempSync(path.join(args.temp, 'step-'));
		const files = {};
		for (const f of ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY']) {
			files[f] = path.join(dir, f.toLowerCase());
			fs.writeFileSync(files[f], '');
		}
		const stepEnv = {};
		for (const [k, v] of Object.entries(step.env || {})) stepEnv[k] = interpolate(v, ctx);
		const hostFiles = {};
		for (const [k, v] of Object.entries(files)) hostFiles[k] = hostPath(v);
		const env = { ...baseEnv, ...envFromFiles, ...stepEnv, ...hostFiles };
		// Wine takes PATH from its registry, not from here: the Windows steps call programs by path
		if (pathsAdded.length && !win) env.PATH = [...pathsAdded, env.PATH || ''].join(path.delimiter);
		job.mark = `${process.pid}-${n}`;
		env.SOAK_RUNNER_STEP = job.mark;
		const wd = step['working-directory'] ? path.resolve(args.workspace, interpolate(step['working-directory'], ctx)) : args.workspace;
		const script = path.join(dir, win ? 'script.cmd' : 'script.sh');
		const text = interpolate(step.run, ctx);
		fs.writeFileSync(script, win ? text.replace(/\r?\n/g, '\r\n') : text);

		process.stderr.write(`runner: step '${name}'\n`);
		const { code, signal } = await runStep(script, wd, env, job, args.wine);
		rec.exit_code = code;
		rec.signal = signal;
		rec.outcome = code === 0 ? 'success' : 'failure';
		rec.conclusion = rec.outcome === 'failure' && step['continue-on-error'] === true ? 'success' : rec.outcome;
		rec.outputs = readKeyValues(files.GITHUB_OUTPUT);
		Object.assign(envFromFiles, readKeyValues(files.GITHUB_ENV));
		for (const p of fs.readFileSync(files.GITHUB_PATH, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)) pathsAdded.unshift(p);
		fs.appendFileSync(summaryFile, fs.readFileSync(files.GITHUB_STEP_SUMMARY));
		stepsCtx[id] = { outputs: rec.outputs, outcome: rec.outcome, conclusion: rec.conclusion };
		if (rec.conclusion === 'failure') job.failed = true;
		process.stderr.write(`runner: step '${name}' ${rec.outcome} (exit ${code}${signal ? `, ${signal}` : ''})\n`);
	}
	killTimers.forEach(clearTimeout);

	const outputs = {};
	for (const [name, spec] of Object.entries(meta.outputs || {})) outputs[name] = toStr(interpolate(spec.value, ctx));
	const status = job.cancelled ? 'cancelled' : job.failed ? 'failure' : 'success';
	fs.writeFileSync(args.result, JSON.stringify({ status, outputs, steps: results, annotations: job.annotations }, null, 2) + '\n');
	process.exit(status === 'success' ? 0 : status === 'failure' ? 1 : 130);
}

main().catch((e) => die(e.message));
