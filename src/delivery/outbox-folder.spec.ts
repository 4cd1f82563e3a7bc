import { messageKeyOfCopy, outboxCopyName } from './outbox-folder';

describe('outbox folder copies', () => {
  it.each([
    [1927857906789, '0f1e2d3c-4b5a-4697-8877-665544332211', '.eml' as const],
    [1, 'key', '.sms.json' as const],
  ])('names a copy so its message key reads back: %s %s %s', (createdAt, key, extension) => {
    expect(messageKeyOfCopy(outboxCopyName(createdAt, key, extension))).toBe(key);
  });

  it.each(['notes.txt', 'scheduler.sqlite', 'no-extension', '.eml'])('finds no message key in %s', (name) => {
    expect(messageKeyOfCopy(name)).toBeUndefined();
  });
});
