import { ERASED_TEXT, mentions, PersonalDetails, scrubMessage, scrubText } from './personal-details';

const ALICE: PersonalDetails = { names: ["Alice O'Hara"], emails: ['alice@example.com'], phones: ['+14155550123'] };
const AL: PersonalDetails = { names: ['Al'], emails: ['al@example.com'], phones: [] };
const E = ERASED_TEXT;

describe('scrubText', () => {
  it.each<[string, PersonalDetails, string, string]>([
    ['a name as typed', ALICE, "Dear Alice O'Hara,", `Dear ${E},`],
    ['a name in another case', ALICE, "ALICE O'HARA booked", `${E} booked`],
    ['a name escaped for HTML', ALICE, '<p>Dear Alice O&#x27;Hara</p>', `<p>Dear ${E}</p>`],
    ['an address, and the name beside it', ALICE, "Alice O'Hara <alice@example.com>", `${E} <${E}>`],
    ['a phone', ALICE, 'Text sent to +14155550123.', `Text sent to ${E}.`],
    [
      'a name folded over two calendar lines',
      ALICE,
      "ATTENDEE;CN=Alice O'H\r\n ara:mailto:alice@example.com",
      `ATTENDEE;CN=${E}:mailto:${E}`,
    ],
    ['a short name only as a whole word', AL, 'Al met Alice and Val at al@example.com', `${E} met Alice and Val at ${E}`],
    ['nothing when nothing matches', ALICE, 'Your appointment on 2030-01-07', 'Your appointment on 2030-01-07'],
    ['nothing when there are no details', { names: [], emails: [], phones: [] }, 'Alice', 'Alice'],
  ])('replaces %s', (_label, details, text, expected) => {
    expect(scrubText(text, details)).toBe(expected);
    expect(mentions(expected, details)).toBe(false);
  });

  it('says a text still mentions a detail', () => {
    expect(mentions('call +14155550123', ALICE)).toBe(true);
    expect(mentions('call +14155550124', ALICE)).toBe(false);
  });
});

describe('scrubMessage', () => {
  it('replaces the details in every string of a stored message, keeping its shape', () => {
    const payload = JSON.stringify({
      to: 'alice@example.com',
      toName: "Alice O'Hara",
      subject: 'Cancelled',
      html: '<p>Alice O&#x27;Hara cancelled</p>',
      attachments: [{ filename: 'a.ics', content: "ATTENDEE;CN=Alice O'Hara:mailto:alice@example.com", contentType: 'text/calendar' }],
      count: 2,
    });

    expect(JSON.parse(scrubMessage(payload, ALICE)!)).toEqual({
      to: E,
      toName: E,
      subject: 'Cancelled',
      html: `<p>${E} cancelled</p>`,
      attachments: [{ filename: 'a.ics', content: `ATTENDEE;CN=${E}:mailto:${E}`, contentType: 'text/calendar' }],
      count: 2,
    });
  });

  it('gives up (null) on a message that is not JSON, so the caller drops its text', () => {
    expect(scrubMessage('not json alice@example.com', ALICE)).toBeNull();
  });
});
