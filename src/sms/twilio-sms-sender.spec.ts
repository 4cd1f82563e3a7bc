import { mkdtempSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeTwilio } from '../../test/support/fake-twilio';
import { Clock } from '../common/clock';
import { validateEnvironment } from '../config/environment';
import { smsConfig } from '../config/namespaces';
import { maskPhone, SmsSendError } from './sms-sender';
import { createSmsSender } from './sms.module';
import { TwilioSmsSender } from './twilio-sms-sender';

describe(TwilioSmsSender.name, () => {
  let twilio: FakeTwilio;

  beforeAll(async () => {
    twilio = new FakeTwilio();
    await twilio.start();
  });

  afterAll(() => twilio.stop());

  const sender = (overrides: { authToken?: string; from?: string } = {}) =>
    new TwilioSmsSender(
      { accountSid: twilio.accountSid, authToken: overrides.authToken ?? twilio.authToken, from: overrides.from ?? '+15005550006' },
      twilio.url,
      5000,
    );

  it('posts To, From and Body as a form with basic auth, and Twilio accepts it', async () => {
    const sut = sender();
    await expect(sut.send('+14155550123', "It's your turn")).resolves.toBeUndefined();
    expect(twilio.to('+14155550123')).toEqual([
      expect.objectContaining({ accountSid: twilio.accountSid, from: '+15005550006', body: "It's your turn" }),
    ]);
  });

  it('sends a Messaging Service SID as MessagingServiceSid', async () => {
    const service = `MG${'a'.repeat(32)}`;
    await expect(sender({ from: service }).send('+14155550124', 'hi')).resolves.toBeUndefined();
    expect(twilio.requests.at(-1)?.form).toEqual({ To: '+14155550124', Body: 'hi', MessagingServiceSid: service });
  });

  it('keeps every character of the body, including & = + and non-ASCII', async () => {
    const body = 'Dr. Ada & Co = 100% + ünïcödé 🎉';
    await sender().send('+14155550125', body);
    expect(twilio.to('+14155550125')[0].body).toBe(body);
  });

  it('refuses with a non-retryable error when the credentials are wrong', async () => {
    const error = await sender({ authToken: 'wrong' })
      .send('+14155550126', 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsSendError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('401') });
    expect(twilio.to('+14155550126')).toEqual([]);
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [400, false],
  ])('a %i answer is an error, retryable: %s', async (status, retryable) => {
    twilio.failNext(status);
    const error = await sender()
      .send('+14155550127', 'x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SmsSendError', retryable, message: expect.stringContaining(String(status)) });
  });

  it('a server that does not answer is a retryable error', async () => {
    const nowhere = new TwilioSmsSender({ accountSid: 'AC1', authToken: 't', from: '+15005550006' }, 'http://127.0.0.1:1', 5000);
    await expect(nowhere.send('+14155550128', 'x')).rejects.toMatchObject({ name: 'SmsSendError', retryable: true });
  });

  describe('against a server that takes the request and never answers', () => {
    let silent: Server;
    /** Connections that carried a request and are still open (fetch may also open a spare one, idle). */
    const asked = new Set<Socket>();
    const all = new Set<Socket>();

    beforeAll(async () => {
      silent = createServer((socket) => {
        all.add(socket);
        socket.once('data', () => asked.add(socket));
        socket.on('close', () => {
          asked.delete(socket);
          all.delete(socket);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of all) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('gives up at OUTBOUND_TIMEOUT_SECONDS with a retryable error, and closes the connection', async () => {
      const config = smsConfig(
        validateEnvironment({
          DATA_DIR: mkdtempSync(join(tmpdir(), 'scheduler-sms-')),
          SMS_URL: 'twilio://AC1:token@+15005550006',
          SMS_API_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          OUTBOUND_TIMEOUT_SECONDS: '1',
        }),
      );
      const sut = createSmsSender(config, new Clock());

      const started = Date.now();
      // Set in the same turn as the send's deadline: timers fire in the order they fall due however late a
      // loaded machine runs them, so this one fires after the deadline's, not after a wall-clock margin.
      let twiceTheDeadlinePassed = false;
      const twiceTheDeadline = setTimeout(() => (twiceTheDeadlinePassed = true), 2000);
      const error = await sut.send('+14155550129', 'x', 'deadline-check').catch((e: unknown) => e);
      const gaveUpAfterTwice = twiceTheDeadlinePassed;
      clearTimeout(twiceTheDeadline);

      expect(error).toMatchObject({ name: 'SmsSendError', retryable: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(gaveUpAfterTwice).toBe(false);
      for (const deadline = Date.now() + 10_000; asked.size > 0 && Date.now() < deadline;)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(asked.size).toBe(0);
    });
  });
});

describe(maskPhone.name, () => {
  it.each([
    ['+14155550123', '+1415*****23'],
    ['+33612345678', '+3361*****78'],
    ['+4915112345678', '+4915*******78'],
    ['+123456', '*******'],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});
