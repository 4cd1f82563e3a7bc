/*
 * The processes the bench starts (the scheduler and the bare hello app): their output is kept (a tail,
 * plus every warning/error line) for the report, and they are stopped at clean-up.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CONFIG, http, log, messageOf, sleep, StartupError } from './config';

const ROOT = resolve(__dirname, '..');

export interface ChildRecord {
  name: string;
  child: ChildProcess;
  exited: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  exitPromise: Promise<void>;
  tail: string[];
  lines: number;
  /** Warning and error lines, counted by what they say (request ids and times left out). */
  problems: Map<string, number>;
  problemLines: number;
}

/** Every child started, for clean-up. */
export const children: ChildRecord[] = [];

export function startChild(name: string, args: string[], childEnv: NodeJS.ProcessEnv): ChildRecord {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const record: ChildRecord = {
    name,
    child,
    exited: false,
    exitCode: null,
    signal: null,
    exitPromise: Promise.resolve(),
    tail: [],
    lines: 0,
    problems: new Map(),
    problemLines: 0,
  };
  record.exitPromise = new Promise((done) => {
    child.on('exit', (code, signal) => {
      record.exited = true;
      record.exitCode = code;
      record.signal = signal;
      done();
    });
  });
  child.on('error', (error) => record.tail.push(`(spawn error) ${error.message}`));
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        record.lines += 1;
        record.tail.push(line);
        if (record.tail.length > 60) record.tail.shift();
        if (/\b(ERROR|WARN|FATAL)\b|"level":"(warn|error|fatal)"|Error:|UnhandledPromiseRejection/.test(line)) {
          record.problemLines += 1;
          const key = problemKey(line);
          if (record.problems.has(key) || record.problems.size < 100) record.problems.set(key, (record.problems.get(key) ?? 0) + 1);
        }
      }
    });
  }
  children.push(record);
  return record;
}

/** What a log line says, without what differs between two lines saying the same (time, pid, request id). */
function problemKey(line: string): string {
  if (line.startsWith('{')) {
    try {
      const { level, context, msg } = JSON.parse(line) as { level?: string; context?: string; msg?: string };
      return `${level}${context ? ` [${context}]` : ''}: ${msg}`.slice(0, 400);
    } catch {
      // not JSON after all
    }
  }
  return line.replace(/^\[Nest\]\s+\d+\s+-\s+[^A-Z]*\s+/, '').slice(0, 400);
}

export async function stopChild(record: ChildRecord): Promise<void> {
  if (record.exited) return;
  record.child.kill('SIGTERM');
  const exited = await Promise.race([record.exitPromise.then(() => true), sleep(5000).then(() => false)]);
  if (!exited && !record.exited) {
    record.child.kill('SIGKILL');
    await Promise.race([record.exitPromise, sleep(2000)]);
  }
}

/** Waits for `urlPath` to answer 200; prints the child's output and throws a StartupError if it never does. */
export async function waitFor(record: ChildRecord, base: string, urlPath: string, what: string): Promise<void> {
  const deadline = Date.now() + CONFIG.startupTimeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (record.exited) {
      printTail(record);
      throw new StartupError(`${what} exited during start-up (code ${record.exitCode}, signal ${record.signal})`);
    }
    try {
      const response = await http(base, 'GET', urlPath, { timeoutMs: 2000 });
      if (response.status === 200) return;
      last = `HTTP ${response.status} ${response.text.slice(0, 300)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      last = cause?.code ?? messageOf(error);
    }
    await sleep(250);
  }
  printTail(record);
  throw new StartupError(`${what} did not answer 200 on ${urlPath} within ${CONFIG.startupTimeoutMs / 1000} s (last: ${last})`);
}

export function printTail(record: ChildRecord, lines = 40): void {
  log(`last ${Math.min(lines, record.tail.length)} lines of ${record.name}'s output:`);
  for (const line of record.tail.slice(-lines)) process.stdout.write(`    ${line}\n`);
}
