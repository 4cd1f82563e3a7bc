import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../common/clock';
import { validateEnvironment } from '../config/environment';
import { smsConfig } from '../config/namespaces';
import { OutboxSmsSender } from './outbox-sms-sender';
import { createSmsSender } from './sms.module';

describe(OutboxSmsSender.name, () => {
  const stamp = Date.parse('2031-02-03T04:05:06.789Z');
  const clock = new (class extends Clock {
    override now(): Date {
      return new Date(stamp);
    }
  })();
  let dataDir: string;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-sms-outbox-'));
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("is the sender without SMS_URL, and names and stamps each text by the app's clock", async () => {
    const sut = createSmsSender(smsConfig(validateEnvironment({ DATA_DIR: dataDir })), clock);

    await expect(sut.send('+14155550123', "It's your turn", 'a1b2c3d4-0000-4000-8000-000000000001')).resolves.toBeUndefined();

    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toEqual([`${stamp}-a1b2c3d4-0000-4000-8000-000000000001.sms.json`]);
    expect(JSON.parse(readFileSync(join(dataDir, 'outbox', files[0]), 'utf8'))).toEqual({
      to: '+14155550123',
      body: "It's your turn",
      created_at: '2031-02-03T04:05:06.789Z',
    });
  });
});
