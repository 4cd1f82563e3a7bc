import { maskEmail, maskPhone, maskRecipient, maskUrl } from './recipient-mask';

describe('maskEmail', () => {
  it.each([
    ['grace@example.com', 'g***@example.com'],
    ['gra@example.com', 'g***@example.com'],
    // One or two characters: the first would be half the local part, or all of it.
    ['gh@example.com', '***@example.com'],
    ['g@example.com', '***@example.com'],
    ['grace.hopper+clinic@mail.example.co.uk', 'g***@mail.example.co.uk'],
    ['Grace@Example.COM', 'G***@Example.COM'],
    ['éloïse@exemple.fr', 'é***@exemple.fr'],
    // A first character outside the BMP stays whole, not half a surrogate pair.
    ['😀abc@example.com', '😀***@example.com'],
    ['not-an-address', '***'],
    ['@example.com', '***'],
    ['grace@', '***'],
    ['', '***'],
  ])('%s → %s', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });

  it.each(['grace@example.com', 'gra@example.com', 'gh@example.com', 'g@example.com'])(
    'never shows the local part of %s whole',
    (address) => {
      const local = address.split('@')[0];
      expect(maskEmail(address)).not.toContain(`${local}@`);
    },
  );
});

describe('maskPhone', () => {
  it.each([
    ['+14155550123', '+1415***0123'], // 11 digits, the contract's example
    ['+447911123456', '+4479***3456'], // 12
    ['+861391234567890', '+8613***7890'], // 15, E.164's longest
    ['+4930123456', '+493***456'], // 10
    ['+33612345', '+33***45'], // 8
    ['+3361234', '+33***34'], // 7
    ['+12345', '+1***5'], // 5
    ['+1234', '+***'], // 4: too short to show any of it
    ['+12', '+***'],
    ['14155550123', '***'],
    ['+1 415 555 0123', '***'],
    ['', '***'],
  ])('%s → %s', (number, masked) => {
    expect(maskPhone(number)).toBe(masked);
  });

  it.each(Array.from({ length: 14 }, (_, i) => `+${'123456789012345'.slice(0, i + 2)}`))(
    'hides at least three digits of %s, or all of it',
    (number) => {
      const digits = number.length - 1;
      expect(maskPhone(number).replace(/\D/g, '').length).toBeLessThanOrEqual(Math.max(0, digits - 3));
    },
  );
});

describe('maskUrl', () => {
  it.each([
    ['https://hooks.example.com/scheduler/abc?token=secret', 'hooks.example.com'],
    ['https://user:password@hooks.example.com/x', 'hooks.example.com'],
    ['http://hooks.example.com:8080/x', 'hooks.example.com:8080'],
    ['https://hooks.example.com:443/x', 'hooks.example.com'],
    ['http://127.0.0.1:3000/hook', '127.0.0.1:3000'],
    ['http://[::1]:3000/hook', '[::1]:3000'],
    ['not a url', '***'],
    ['', '***'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});

describe('maskRecipient', () => {
  it.each([
    ['email', 'grace@example.com', 'g***@example.com'],
    ['sms', '+14155550123', '+1415***0123'],
    ['webhook', 'https://hooks.example.com/a', 'hooks.example.com'],
    // The wrong channel's format is hidden whole, never shown as is.
    ['sms', 'grace@example.com', '***'],
    ['email', '+14155550123', '***'],
    ['pigeon', 'grace@example.com', '***'],
  ] as const)('%s %s → %s', (channel, recipient, masked) => {
    expect(maskRecipient(channel as never, recipient)).toBe(masked);
  });
});
