import { ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from './environment';
import { accessConfig, holdsConfig, httpConfig, mailConfig } from './namespaces';
import { SettingsModule } from './settings.module';

describe(SettingsModule.name, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-settings-module-'));
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const boot = (overrides: Record<string, string | undefined>) =>
    Test.createTestingModule({ imports: [SettingsModule.forRoot(overrides)] }).compile();

  it('provides each namespace by its token, from the overrides, leaving process.env alone', async () => {
    const before = { ...process.env };
    const sut = await boot({ DATA_DIR: dataDir, PORT: '6001', MAIL_FROM: 'Desk <desk@clinic.example>', HOLD_TTL_SECONDS: '60' });
    expect(sut.get<ConfigType<typeof httpConfig>>(httpConfig.KEY)).toMatchObject({ port: 6001, publicUrl: 'http://127.0.0.1:6001' });
    expect(sut.get<ConfigType<typeof mailConfig>>(mailConfig.KEY).from).toEqual({ name: 'Desk', address: 'desk@clinic.example' });
    expect(sut.get<ConfigType<typeof holdsConfig>>(holdsConfig.KEY).ttlSeconds).toBe(60);
    expect(process.env).toEqual(before);
    await sut.close();
  });

  it('resolves the secrets at bootstrap: generated once, kept owner-only, the same in every namespace', async () => {
    const sut = await boot({ DATA_DIR: dataDir });
    const stored = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
    expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(sut.get<ConfigType<typeof accessConfig>>(accessConfig.KEY).adminApiKey).toBe(stored.adminApiKey);
    expect(sut.get<ConfigType<typeof holdsConfig>>(holdsConfig.KEY).jwtSecret).toBe(stored.jwtSecret);
    await sut.close();
  });

  it('refuses to start on a bad value, naming it, before any secret is written', async () => {
    await expect(boot({ DATA_DIR: dataDir, PORT: '70000' })).rejects.toThrow(
      new ConfigurationError('Invalid configuration: PORT must be between 0 and 65535, got 70000'),
    );
    expect(() => statSync(join(dataDir, 'secrets.json'))).toThrow();
  });

  it('gives each app its own settings', async () => {
    const [first, second] = await Promise.all([
      boot({ DATA_DIR: dataDir, PORT: '6001', ADMIN_API_KEY: 'first-admin-key' }),
      boot({ DATA_DIR: dataDir, PORT: '6002', ADMIN_API_KEY: 'second-admin-key' }),
    ]);
    expect(first.get<ConfigType<typeof httpConfig>>(httpConfig.KEY).port).toBe(6001);
    expect(second.get<ConfigType<typeof httpConfig>>(httpConfig.KEY).port).toBe(6002);
    expect(first.get<ConfigType<typeof accessConfig>>(accessConfig.KEY).adminApiKey).toBe('first-admin-key');
    expect(second.get<ConfigType<typeof accessConfig>>(accessConfig.KEY).adminApiKey).toBe('second-admin-key');
    await Promise.all([first.close(), second.close()]);
  });
});
