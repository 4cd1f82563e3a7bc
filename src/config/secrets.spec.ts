import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvironment } from './environment';
import { loadOrCreateSecrets } from './secrets';

const LONG_SECRET = 'j'.repeat(32);
const LONG_ADMIN_KEY = 'a'.repeat(40);

/** What was printed: a generated admin key is shown to the operator, which a test run must not. */
let printed: string[] = [];
beforeEach(() => {
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

describe(loadOrCreateSecrets.name, () => {
  const sut = (raw: Record<string, string | undefined>) => loadOrCreateSecrets(validateEnvironment(raw));
  const tempDirs: string[] = [];
  const tempDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-secrets-'));
    tempDirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('are written to DATA_DIR/secrets.json, owner-only, and match what is returned', () => {
    const dataDir = tempDataDir();
    const secrets = sut({ DATA_DIR: dataDir });
    const file = join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(secrets);
  });

  it('print the generated admin key once, naming the file that keeps it', () => {
    const dataDir = tempDataDir();
    const secrets = sut({ DATA_DIR: dataDir });
    expect(printed).toEqual([`Generated ADMIN_API_KEY (kept in ${join(dataDir, 'secrets.json')}): ${secrets.adminApiKey}\n`]);
    sut({ DATA_DIR: dataDir });
    expect(printed).toHaveLength(1);
  });

  it('are long, random and distinct', () => {
    const first = sut({ DATA_DIR: tempDataDir() });
    const second = sut({ DATA_DIR: tempDataDir() });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.adminApiKey.length).toBeGreaterThanOrEqual(32);
    expect(first.jwtSecret).not.toBe(first.adminApiKey);
    expect(second.jwtSecret).not.toBe(first.jwtSecret);
    expect(second.adminApiKey).not.toBe(first.adminApiKey);
  });

  it('are reused on the next start', () => {
    const dataDir = tempDataDir();
    const first = sut({ DATA_DIR: dataDir });
    const before = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
    const second = sut({ DATA_DIR: dataDir });
    expect(second).toEqual(first);
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(before);
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('fill in only what is missing from an existing file', () => {
    const dataDir = tempDataDir();
    writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify({ jwtSecret: 'kept-jwt-secret-from-last-time-0123456789' }), {
      mode: 0o600,
    });
    const secrets = sut({ DATA_DIR: dataDir });
    expect(secrets.jwtSecret).toBe('kept-jwt-secret-from-last-time-0123456789');
    expect(secrets.adminApiKey.length).toBeGreaterThanOrEqual(32);
    expect(sut({ DATA_DIR: dataDir }).adminApiKey).toBe(secrets.adminApiKey);
  });

  it('create a DATA_DIR that does not exist yet', () => {
    const dataDir = join(tempDataDir(), 'nested', 'data');
    sut({ DATA_DIR: dataDir });
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['JWT_SECRET', { JWT_SECRET: 'env-jwt-secret' }, 'jwtSecret', 'env-jwt-secret', ['adminApiKey']],
    ['ADMIN_API_KEY', { ADMIN_API_KEY: 'env-admin-key' }, 'adminApiKey', 'env-admin-key', ['jwtSecret']],
  ])('take %s from the environment without storing it', (_name, env, key, value, stored) => {
    const dataDir = tempDataDir();
    const secrets = sut({ DATA_DIR: dataDir, ...env });
    expect(secrets[key as 'jwtSecret' | 'adminApiKey']).toBe(value);
    const file = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(Object.keys(file)).toEqual(stored);
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).not.toContain(value);
  });

  it('print nothing when the admin key comes from the environment', () => {
    sut({ DATA_DIR: tempDataDir(), ADMIN_API_KEY: 'env-admin-key' });
    expect(printed).toEqual([]);
  });

  it.each([
    ['development', {}],
    ['production', { NODE_ENV: 'production' }],
  ])('are neither generated nor written in %s when both come from the environment', (_name, env) => {
    const dataDir = tempDataDir();
    const secrets = sut({ ...env, DATA_DIR: dataDir, JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY });
    expect(secrets).toEqual({ jwtSecret: LONG_SECRET, adminApiKey: LONG_ADMIN_KEY });
    expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    expect(printed).toEqual([]);
  });
});
