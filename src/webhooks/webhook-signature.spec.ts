import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook } from './webhook-signature';

describe(signWebhook.name, () => {
  const sut = signWebhook;

  it('reproduces the Standard Webhooks test vector', () => {
    // The vector of the specification and its reference libraries (standard-webhooks/standard-webhooks).
    expect(sut('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it.each([
    ['another id', 'msg_p5jXN8AQM9LWM0D4loKWxJeL', 1614265330, '{"test": 2432232314}'],
    ['another timestamp', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265331, '{"test": 2432232314}'],
    ['another body', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test":2432232314}'],
  ])('changes with %s', (_case, id, timestamp, body) => {
    expect(sut('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id, timestamp, body)).not.toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs what the reference library verifies, with a secret of ours', () => {
    const secret = newWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"ping","timestamp":"2026-07-28T08:00:00.000Z","data":{"webhook_id":7}}';
    const headers = {
      'webhook-id': 'a1b2',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sut(secret, 'a1b2', timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe(newWebhookSecret.name, () => {
  it('is whsec_ and the base64 of 32 random bytes, new each time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});
