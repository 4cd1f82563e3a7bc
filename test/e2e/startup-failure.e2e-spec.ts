import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledMainPath } from '../support/compiled-app';
import { freePort } from '../support/free-port';

/** Starts src/main.ts as production does (compiled, see test/support/compiled-app.ts) and waits for it to exit. */
async function startAndWaitForExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scheduler-startup-'));
  try {
    const child = spawn(process.execPath, [compiledMainPath()], {
      cwd: dataDir,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        REDIS_URL: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    return { code, output };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('start-up with a database that does not answer', () => {
  it('fails: exits non-zero, saying why, instead of ending quietly with status 0', async () => {
    const { code, output } = await startAndWaitForExit({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });

    // An orchestrator restarts or alerts on a non-zero status; a 0 reads as "stopped as asked".
    expect(code).toBe(1);
    expect(output).toContain('ECONNREFUSED');
    expect(output).not.toContain('Listening on');
  }, 120_000);
});
