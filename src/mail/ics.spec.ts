import { CalendarEvent, buildIcs, escapeIcsText, foldIcsLine, icsMailto } from './ics';

const EVENT: CalendarEvent = {
  uid: 'appointment-42@scheduler',
  startMs: Date.parse('2026-07-28T14:30:00.000Z'),
  endMs: Date.parse('2026-07-28T15:00:00.000Z'),
  stampMs: Date.parse('2026-07-20T09:05:07.000Z'),
  summary: 'Appointment with Dr. Ada Lovelace',
  description: 'Appointment 42 with Dr. Ada Lovelace',
  organizerEmail: 'ada@clinic.example',
  attendeeEmail: 'grace@example.com',
};

/** RFC 5545 §3.1: a CRLF followed by one space or tab is a fold. */
const unfold = (ics: string): string => ics.replace(/\r\n[ \t]/g, '');
const contentLines = (ics: string): string[] => unfold(ics).split('\r\n').slice(0, -1);
const property = (ics: string, name: string): string | undefined => {
  const line = contentLines(ics).find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
  return line?.slice(line.indexOf(':') + 1);
};
/** RFC 5545 §3.3.11 TEXT unescaping. */
const unescapeText = (value: string): string => value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

/** Splits the UTF-8 octets of a file on CRLF, so each physical line can be checked as bytes. */
function physicalLinesAsBytes(ics: string): Buffer[] {
  const bytes = Buffer.from(ics, 'utf8');
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 2;
      i++;
    }
  }
  expect(start).toBe(bytes.length); // the file ends with CRLF
  return lines;
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

describe(buildIcs.name, () => {
  const sut = buildIcs;

  it('is one VEVENT inside one VCALENDAR, in order', () => {
    expect(contentLines(sut(EVENT))).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Scheduler//Appointments//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:appointment-42@scheduler',
      'SEQUENCE:0',
      'DTSTAMP:20260720T090507Z',
      'DTSTART:20260728T143000Z',
      'DTEND:20260728T150000Z',
      'SUMMARY:Appointment with Dr. Ada Lovelace',
      'DESCRIPTION:Appointment 42 with Dr. Ada Lovelace',
      'ORGANIZER:mailto:ada@clinic.example',
      'ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:grace@example.com',
      'STATUS:CONFIRMED',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
  });

  it.each([
    ['UID', 'appointment-42@scheduler'],
    ['SEQUENCE', '0'],
    ['DTSTAMP', '20260720T090507Z'],
    ['DTSTART', '20260728T143000Z'],
    ['DTEND', '20260728T150000Z'],
    ['SUMMARY', 'Appointment with Dr. Ada Lovelace'],
    ['DESCRIPTION', 'Appointment 42 with Dr. Ada Lovelace'],
    ['ORGANIZER', 'mailto:ada@clinic.example'],
    ['ATTENDEE', 'mailto:grace@example.com'],
    ['STATUS', 'CONFIRMED'],
    ['METHOD', 'REQUEST'],
    ['VERSION', '2.0'],
  ])('%s is %s', (name, value) => {
    expect(property(sut(EVENT), name)).toBe(value);
  });

  it.each([
    ['2026-01-01T00:00:00.000Z', '20260101T000000Z'],
    ['2026-12-31T23:59:59.000Z', '20261231T235959Z'],
    ['2026-07-28T14:30:00.999Z', '20260728T143000Z'],
    ['2024-02-29T08:07:06.000Z', '20240229T080706Z'],
  ])('writes the instant %s as the UTC date-time %s', (iso, expected) => {
    const ics = sut({ ...EVENT, startMs: Date.parse(iso) });
    expect(property(ics, 'DTSTART')).toBe(expected);
  });

  it.each([
    ['without organizer', { organizerEmail: undefined }, ['ATTENDEE'], ['ORGANIZER']],
    ['without attendee', { attendeeEmail: undefined }, ['ORGANIZER'], ['ATTENDEE']],
    ['without either', { organizerEmail: undefined, attendeeEmail: undefined }, [], ['ORGANIZER', 'ATTENDEE']],
  ])('%s: leaves those lines out', (_name, change, present, absent) => {
    const ics = sut({ ...EVENT, ...change });
    for (const name of present) expect(property(ics, name)).toBeDefined();
    for (const name of absent) expect(property(ics, name)).toBeUndefined();
  });

  describe('versions: SEQUENCE and METHOD', () => {
    it.each([
      { change: {}, method: 'REQUEST', sequence: '0', status: 'CONFIRMED' },
      { change: { sequence: 0 }, method: 'REQUEST', sequence: '0', status: 'CONFIRMED' },
      { change: { sequence: 1 }, method: 'REQUEST', sequence: '1', status: 'CONFIRMED' },
      { change: { sequence: 7, method: 'REQUEST' as const }, method: 'REQUEST', sequence: '7', status: 'CONFIRMED' },
      { change: { sequence: 2, method: 'CANCEL' as const }, method: 'CANCEL', sequence: '2', status: 'CANCELLED' },
      { change: { method: 'CANCEL' as const }, method: 'CANCEL', sequence: '0', status: 'CANCELLED' },
      { change: { sequence: 2_147_483_647 }, method: 'REQUEST', sequence: '2147483647', status: 'CONFIRMED' },
    ])('$change → METHOD:$method, SEQUENCE:$sequence, STATUS:$status', ({ change, method, sequence, status }) => {
      const ics = sut({ ...EVENT, ...change });
      expect(property(ics, 'METHOD')).toBe(method);
      expect(property(ics, 'SEQUENCE')).toBe(sequence);
      expect(property(ics, 'STATUS')).toBe(status);
    });

    it('a cancellation is the same event (UID, times, people), only its method, version and status change', () => {
      const differing = new Set(['METHOD', 'SEQUENCE', 'STATUS']);
      const request = contentLines(sut({ ...EVENT, sequence: 1 }));
      const cancel = contentLines(sut({ ...EVENT, sequence: 2, method: 'CANCEL' }));
      const name = (line: string) => /^[A-Z-]+/.exec(line)![0];
      expect(cancel.map(name)).toEqual(request.map(name));
      expect(cancel.filter((line) => !differing.has(name(line)))).toEqual(request.filter((line) => !differing.has(name(line))));
    });

    it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
      'refuses the SEQUENCE %p: no file with a version no calendar can order',
      (sequence) => {
        expect(() => sut({ ...EVENT, sequence })).toThrow(RangeError);
      },
    );
  });

  describe('hostile values', () => {
    const INJECTION = '\r\nATTENDEE:mailto:evil3@evil.example\r\nURL:http://evil.example';
    const HOSTILE: CalendarEvent = {
      ...EVENT,
      uid: `appointment-42@scheduler${INJECTION}`,
      summary: `Appointment${INJECTION}`,
      description: `Appointment\nX-INJ:1${INJECTION}\u0000\u000b`,
      organizerEmail: `"x${INJECTION}"@clinic.example`,
      attendeeEmail: `"x${INJECTION}"@example.com`,
    };
    const names = (ics: string) => contentLines(ics).map((line) => /^[A-Z-]+/.exec(line)![0]);

    it('cannot add, remove or reorder a line, whatever any value holds', () => {
      expect(names(sut(HOSTILE))).toEqual(names(sut(EVENT)));
    });

    it('keeps every physical line within 75 octets and free of control characters', () => {
      const ics = sut({ ...HOSTILE, description: HOSTILE.description.repeat(20) });
      for (const line of physicalLinesAsBytes(ics)) {
        expect(line.length).toBeLessThanOrEqual(75);
        // eslint-disable-next-line no-control-regex -- looking for control characters is the point
        expect(line.toString('utf8')).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
      }
    });

    it('writes the addresses as mailto URIs that decode to the very address given', () => {
      const ics = sut(HOSTILE);
      for (const [name, address] of [
        ['ORGANIZER', HOSTILE.organizerEmail!],
        ['ATTENDEE', HOSTILE.attendeeEmail!],
      ]) {
        const value = property(ics, name)!;
        expect(value).toMatch(/^mailto:[^\r\n"?]+$/);
        expect(decodeURIComponent(value.slice('mailto:'.length))).toBe(address);
      }
    });

    it('escapes the UID as the TEXT it is', () => {
      expect(property(sut({ ...EVENT, uid: 'a,b;c\\d\ne' }), 'UID')).toBe('a\\,b\\;c\\\\d\\ne');
    });
  });

  describe('line endings', () => {
    const SAMPLES: [string, CalendarEvent][] = [
      ['a plain event', EVENT],
      ['multi-line text', { ...EVENT, summary: 'one\ntwo', description: 'a\r\nb\nc\r\n' }],
      ['a lone carriage return in the text', { ...EVENT, summary: 'Dr.\rAda', description: 'x\ry' }],
      ['long text', { ...EVENT, description: 'long '.repeat(100) }],
      ['long multi-byte text', { ...EVENT, description: 'Zoë 日本 😀 '.repeat(40) }],
    ];

    it.each(SAMPLES)('%s: every line ends with CRLF, and there is no bare CR or LF', (_name, event) => {
      const ics = sut(event);
      expect(ics.endsWith('\r\n')).toBe(true);
      expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    });

    it.each(SAMPLES)('%s: the text survives escaping and folding', (_name, event) => {
      const ics = sut(event);
      const normalise = (text: string) => text.replace(/\r\n?/g, '\n');
      expect(unescapeText(property(ics, 'SUMMARY')!)).toBe(normalise(event.summary));
      expect(unescapeText(property(ics, 'DESCRIPTION')!)).toBe(normalise(event.description));
    });
  });

  describe('escaping of SUMMARY and DESCRIPTION', () => {
    it.each([
      ['a comma', 'Lovelace, Ada', 'Lovelace\\, Ada'],
      ['a semicolon', 'room 1; floor 2', 'room 1\\; floor 2'],
      ['a backslash', 'C:\\clinic', 'C:\\\\clinic'],
      ['a newline', 'line one\nline two', 'line one\\nline two'],
      ['a CRLF newline', 'line one\r\nline two', 'line one\\nline two'],
      ['a lone carriage return', 'line one\rline two', 'line one\\nline two'],
      ['a backslash before a comma', 'a\\,b', 'a\\\\\\,b'],
      ['a backslash before an n', 'a\\nb', 'a\\\\nb'],
      ['all together', 'a,b;c\\d\ne', 'a\\,b\\;c\\\\d\\ne'],
      ['several commas', ',,,', '\\,\\,\\,'],
      ['a colon, which needs none', 'at 10:30', 'at 10:30'],
      ['a double quote, which needs none', 'the "big" room', 'the "big" room'],
      ['accents, which need none', 'Zoë Ñúñez', 'Zoë Ñúñez'],
      ['a tab, which may stay', 'a\tb', 'a\tb'],
      ['a NUL, which TEXT cannot carry', 'a\u0000b', 'ab'],
      ['other control characters', 'a\u000bb\u001bc\u007fd', 'abcd'],
    ])('%s: %j → %j', (_name, text, escaped) => {
      expect(escapeIcsText(text)).toBe(escaped);
      const ics = sut({ ...EVENT, summary: text, description: text });
      expect(property(ics, 'SUMMARY')).toBe(escaped);
      expect(property(ics, 'DESCRIPTION')).toBe(escaped);
    });
  });

  describe('folding', () => {
    const LONG: [string, string][] = [
      ['ASCII', 'x'.repeat(300)],
      ['words', 'Appointment with Dr. Ada Lovelace at the clinic on the second floor, room 12; bring your card. '.repeat(4)],
      ['2-octet characters', 'é'.repeat(200)],
      ['3-octet characters', '日本語'.repeat(70)],
      ['4-octet characters (surrogate pairs)', '😀'.repeat(80)],
      ['mixed widths', 'aé日😀'.repeat(40)],
      ['mixed widths, shifted by one', 'b' + 'aé日😀'.repeat(40)],
      ['mixed widths, shifted by two', 'bb' + 'aé日😀'.repeat(40)],
      ['mixed widths, shifted by three', 'bbb' + 'aé日😀'.repeat(40)],
      ['escapes at the fold', ',;'.repeat(100)],
      ['combining marks', 'e\u0301'.repeat(100)],
    ];

    it.each(LONG)('%s: no physical line is over 75 octets', (_name, text) => {
      for (const line of physicalLinesAsBytes(sut({ ...EVENT, description: text }))) {
        expect(line.length).toBeLessThanOrEqual(75);
      }
    });

    it.each(LONG)('%s: no multi-byte character is split across lines', (_name, text) => {
      for (const line of physicalLinesAsBytes(sut({ ...EVENT, description: text }))) {
        expect(() => strictUtf8.decode(line)).not.toThrow();
      }
    });

    it.each(LONG)('%s: continuation lines start with one space and unfold to the original', (_name, text) => {
      const ics = sut({ ...EVENT, description: text });
      const physical = ics.split('\r\n').slice(0, -1);
      const start = physical.findIndex((l) => l.startsWith('DESCRIPTION:'));
      let end = start + 1;
      while (physical[end].startsWith(' ')) end++;
      expect(end - start).toBeGreaterThan(1);
      expect(
        physical[start] +
          physical
            .slice(start + 1, end)
            .map((l) => l.slice(1))
            .join(''),
      ).toBe(`DESCRIPTION:${escapeIcsText(text)}`);
      expect(unescapeText(property(ics, 'DESCRIPTION')!)).toBe(text);
    });

    it('does not fold the short lines', () => {
      const ics = sut(EVENT);
      expect(ics).not.toMatch(/\r\n[ \t]/);
    });
  });
});

describe(icsMailto.name, () => {
  it.each([
    ['a plain address', 'grace@example.com', 'mailto:grace@example.com'],
    ['plus, dot, hyphen and underscore', 'grace.h+cal_1-x@mail.example.com', 'mailto:grace.h+cal_1-x@mail.example.com'],
    ['a question mark, which would start headers', 'a?b@example.com', 'mailto:a%3Fb@example.com'],
    ['a percent sign', 'a%b@example.com', 'mailto:a%25b@example.com'],
    ['a hash, an ampersand and an equals sign', 'a#b&c=d@example.com', 'mailto:a%23b%26c%3Dd@example.com'],
    ['CR and LF', 'a\r\nb@example.com', 'mailto:a%0D%0Ab@example.com'],
    ['a double quote and a space', '"a b"@example.com', 'mailto:%22a%20b%22@example.com'],
    ['a non-ASCII local part', 'josé@example.com', 'mailto:jos%C3%A9@example.com'],
  ])('%s: %j → %s', (_name, address, uri) => {
    expect(icsMailto(address)).toBe(uri);
  });
});

describe(foldIcsLine.name, () => {
  const sut = foldIcsLine;

  it.each([
    ['empty', '', ['']],
    ['74 octets', 'x'.repeat(74), ['x'.repeat(74)]],
    ['75 octets', 'x'.repeat(75), ['x'.repeat(75)]],
    ['76 octets', 'x'.repeat(76), ['x'.repeat(75), ' x']],
    ['149 octets', 'x'.repeat(149), ['x'.repeat(75), ' ' + 'x'.repeat(74)]],
    ['150 octets', 'x'.repeat(150), ['x'.repeat(75), ' ' + 'x'.repeat(74), ' x']],
    ['74 ASCII + é', 'x'.repeat(74) + 'é', ['x'.repeat(74), ' é']],
    ['73 ASCII + é', 'x'.repeat(73) + 'é', ['x'.repeat(73) + 'é']],
    ['73 ASCII + 日', 'x'.repeat(73) + '日', ['x'.repeat(73), ' 日']],
    ['72 ASCII + 日', 'x'.repeat(72) + '日', ['x'.repeat(72) + '日']],
    ['72 ASCII + 😀', 'x'.repeat(72) + '😀', ['x'.repeat(72), ' 😀']],
    ['71 ASCII + 😀', 'x'.repeat(71) + '😀', ['x'.repeat(71) + '😀']],
    ['75 octets of é + 1', 'x' + 'é'.repeat(37) + 'y', ['x' + 'é'.repeat(37), ' y']],
  ])('%s', (_name, line, parts) => {
    expect(sut(line).split('\r\n')).toEqual(parts);
  });
});
