import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';

/*
 * Private Redis and PostgreSQL servers, started by a fault spec on free ports with data directories of
 * their own, so that the spec can stop and restart them without touching the shared ones.
 */

async function until(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether something answers `PING` with `+PONG` on this port. */
function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

/** A redis-server with an append-only file in its own directory: what it acknowledged survives a restart. */
export class PrivateRedis {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'faults-redis-'));
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', ''];
    this.process = spawn('redis-server', args, { stdio: 'ignore' });
    await until(() => pongs(this.port), 10_000, 'redis-server');
  }

  /** A normal stop (SIGTERM: Redis flushes its append-only file), then a start on the same port and files. */
  async restart(): Promise<void> {
    await this.stop(false);
    await this.start();
  }

  async stop(removeFiles = true): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (removeFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A PostgreSQL cluster of its own (initdb, pg_ctl). PostgreSQL refuses to run as root: as root, its
 * commands run as the `postgres` user, which then owns the directory.
 */
export class PrivatePostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'faults-pg-'));
  private readonly bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop()!, 'bin');
  private readonly asRoot = process.getuid?.() === 0;
  port = 0;

  /** The server's URL (its `postgres` database), for createServicesBackend to make a database on. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    if (this.port === 0) {
      this.port = await freePort();
      if (this.asRoot) {
        const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
        const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
        chownSync(this.dir, uid, gid);
      }
      await this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    }
    // fsync off: the spec stops the server cleanly, and a 2-core machine shared with others needs no extra disk work.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    await this.run('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']);
  }

  /** A fast stop: the server rolls back every open transaction and drops every connection. */
  async stop(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async dispose(): Promise<void> {
    try {
      await this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** Runs a PostgreSQL command without blocking the spec's event loop (its client loops keep going). */
  private async run(command: string, args: string[]): Promise<void> {
    const path = join(this.bin, command);
    if (this.asRoot) await promisify(execFile)('runuser', ['-u', 'postgres', '--', path, ...args]);
    else await promisify(execFile)(path, args);
  }
}
