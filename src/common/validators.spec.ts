import { isName, isPlainEmailAddress, isReason, MAX_ID, parseIdText } from './validators';

describe(isPlainEmailAddress.name, () => {
  it.each([
    'grace@example.com',
    'Grace.Hopper@Example.COM',
    'grace+calendar@mail.example.com',
    "o'brien@example.ie",
    'a_b-c@sub-domain.example.org',
    'x@xn--jgeva-dua.ee',
    'josé@example.com',
    `${'l'.repeat(64)}@example.com`,
  ])('accepts %j', (address) => {
    expect(isPlainEmailAddress(address)).toBe(true);
  });

  it.each([
    // The reproductions: quoted local parts that carry headers or calendar lines.
    ['a quoted local part with CR/LF and a Bcc header', '"x\r\nBcc: evil2@evil.example\r\nX-Inj: 2"@example.com'],
    ['a quoted local part with calendar lines', '"x\r\nATTENDEE:mailto:evil3@evil.example\r\nURL:http://evil.example"@example.com'],
    ['a quoted local part', '"grace"@example.com'],
    ['a quoted local part with a space', '"grace hopper"@example.com'],
    ['a quoted local part with an @', '"a@b"@example.com'],
    ['a display name', 'Grace <grace@example.com>'],
    ['angle brackets only', '<grace@example.com>'],
    ['two addresses', 'grace@example.com, evil@evil.example'],
    ['two addresses with a semicolon', 'grace@example.com;evil@evil.example'],
    ['a comment', 'grace(comment)@example.com'],
    ['an IP literal', 'grace@[127.0.0.1]'],
    ['a bare IP address', 'grace@127.0.0.1'],
    ['a host without a top-level domain', 'grace@localhost'],
    ['a space inside', 'grace hopper@example.com'],
    ['a leading space', ' grace@example.com'],
    ['a trailing newline', 'grace@example.com\n'],
    ['a CR inside', 'gra\rce@example.com'],
    ['a NUL', 'grace\u0000@example.com'],
    ['a tab', 'grace\t@example.com'],
    ['a zero-width space', 'grace\u200b@example.com'],
    ['a backslash', 'gra\\ce@example.com'],
    ['no @', 'grace.example.com'],
    ['two @', 'grace@hopper@example.com'],
    ['an empty local part', '@example.com'],
    ['an empty domain', 'grace@'],
    ['a leading dot', '.grace@example.com'],
    ['two dots in a row', 'gr..ace@example.com'],
    ['a trailing dot in the domain', 'grace@example.com.'],
    ['a local part over 64 characters', `${'l'.repeat(65)}@example.com`],
    ['over 254 characters', `grace@${`${'d'.repeat(61)}.`.repeat(4)}com`],
    ['the empty string', ''],
  ])('refuses %s: %j', (_name, address) => {
    expect(isPlainEmailAddress(address)).toBe(false);
  });
});

describe(isName.name, () => {
  it.each([
    'A',
    'Grace Hopper',
    'Dr. Ada Lovelace',
    'Zoë Ñúñez',
    '李小龍',
    'محمد',
    "O'Brien-Smith",
    '👩‍⚕️',
    '  padded  ',
    'a\u200bb',
    'n'.repeat(200),
    // 200 characters outside the Basic Multilingual Plane: 400 UTF-16 units, 200 code points.
    '😀'.repeat(200),
    '𠀀'.repeat(200),
    // A zero-width non-joiner, which Persian spelling needs.
    'می\u200cخواهم',
    'שרה כהן',
  ])('accepts %j', (name) => {
    expect(isName(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['over 200 characters', 'n'.repeat(201)],
    ['a NUL', 'Grace\u0000Hopper'],
    ['only a NUL', '\u0000'],
    ['a newline', 'Grace\nBcc: evil@evil.example'],
    ['a carriage return', 'Grace\rHopper'],
    ['a tab', 'Grace\tHopper'],
    ['DEL', 'Grace\u007f'],
    ['a C1 control', 'Grace\u0085'],
    ['a lone surrogate', 'Grace\ud800'],
    ['spaces only', '   '],
    ['zero-width spaces only', '\u200b\u200b\u200b'],
    ['zero-width joiners and a BOM only', '\u200d\u200c\ufeff'],
    ['a soft hyphen only', '\u00ad'],
    ['Hangul fillers only', '\u3164\u115f'],
    ['the blank Braille pattern only', '\u2800'],
    ['no-break and ideographic spaces only', '\u00a0\u3000'],
    ['combining marks only', '\u0301\u0301'],
    ['201 characters outside the Basic Multilingual Plane', '😀'.repeat(201)],
    // Bidirectional controls reorder what a mail client or calendar shows around them; line and
    // paragraph separators break lines.
    ...[
      ['ARABIC LETTER MARK', '\u061c'],
      ['LEFT-TO-RIGHT MARK', '\u200e'],
      ['RIGHT-TO-LEFT MARK', '\u200f'],
      ['LEFT-TO-RIGHT EMBEDDING', '\u202a'],
      ['RIGHT-TO-LEFT EMBEDDING', '\u202b'],
      ['POP DIRECTIONAL FORMATTING', '\u202c'],
      ['LEFT-TO-RIGHT OVERRIDE', '\u202d'],
      ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
      ['LEFT-TO-RIGHT ISOLATE', '\u2066'],
      ['RIGHT-TO-LEFT ISOLATE', '\u2067'],
      ['FIRST STRONG ISOLATE', '\u2068'],
      ['POP DIRECTIONAL ISOLATE', '\u2069'],
      ['LINE SEPARATOR', '\u2028'],
      ['PARAGRAPH SEPARATOR', '\u2029'],
    ].map(([what, character]) => [
      `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${what}`,
      `Grace${character}Hopper`,
    ]),
    ['a right-to-left override that shows "exe.pdf"', 'invoice\u202efdp.exe'],
  ])('refuses %s: %j', (_name, name) => {
    expect(isName(name)).toBe(false);
  });
});

describe(isReason.name, () => {
  it.each([
    ['one character', 'x'],
    ['a sentence', 'The clinic is closed that day, sorry.'],
    ['accents and scripts', 'Zoë est malade — 李小龍 محمد'],
    ['lines from a text area (CR LF)', 'I am ill.\r\nSee you next week.'],
    ['lines (LF) and a tab', 'Reasons:\n\t- ill\n\t- away'],
    ['500 characters', 'r'.repeat(500)],
    ['500 characters outside the Basic Multilingual Plane', '😀'.repeat(500)],
  ])('accepts %s', (_name, reason) => {
    expect(isReason(reason)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['501 characters', 'r'.repeat(501)],
    ['501 characters outside the Basic Multilingual Plane', '😀'.repeat(501)],
    ['spaces and line breaks only', ' \r\n\t '],
    ['zero-width spaces only', '\u200b\u200b'],
    ['a NUL', 'ill\u0000'],
    ['an escape character', 'ill\u001b[31m'],
    ['DEL', 'ill\u007f'],
    ['a C1 control', 'ill\u0085'],
    ['a form feed', 'ill\u000c'],
    ['a lone surrogate', 'ill\ud800'],
    ['a right-to-left override', 'ill\u202eli'],
    ['a line separator', 'ill\u2028again'],
  ])('refuses %s', (_name, reason) => {
    expect(isReason(reason)).toBe(false);
  });
});

describe(parseIdText.name, () => {
  it.each([
    ['1', 1],
    ['9', 9],
    ['10', 10],
    ['124', 124],
    [String(MAX_ID), MAX_ID],
  ])('%j → %i', (text, id) => {
    expect(parseIdText(text)).toBe(id);
  });

  it.each([
    '',
    '0',
    '00',
    '01',
    '007',
    '1e0',
    '1e3',
    '0x10',
    '0b1',
    '0o7',
    '1.0',
    '1.',
    '.5',
    ' 1',
    '1 ',
    '+1',
    '-1',
    '1_000',
    'Infinity',
    'NaN',
    '١',
    String(MAX_ID + 1),
    '9999999999',
    '12345678901',
  ])('refuses %j', (text) => {
    expect(parseIdText(text)).toBeNull();
  });
});
