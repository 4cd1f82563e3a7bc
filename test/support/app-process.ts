import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { compiledMainPath } from './compiled-app';
import { freePort } from './free-port';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  url: string;
  output: () => string;
  /** Sends `signal` to the process, as an orchestrator would (SIGTERM to stop it). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited: its status, or the signal that ended it. */
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL if it is still running 5 s later. */
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * The real service in a process of its own, started by src/main.ts exactly as in production (compiled
 * once per run by test/support/compiled-app.ts, so no build is needed), for tests about several
 * processes behind one load balancer.
 */
export async function startAppProcess(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<AppProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [compiledMainPath()], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      ...env,
      PORT: String(port),
      PUBLIC_URL: undefined,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app process exited (${child.exitCode}):\n${output}`);
    const healthy = await fetch(`${url}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app process did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    url,
    output: () => output,
    signal: (signal) => child.kill(signal),
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
    },
  };
}
