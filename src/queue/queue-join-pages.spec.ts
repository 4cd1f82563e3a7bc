import { entryHeadline } from './queue-join-pages';
import { joinLinkText, parseJoin } from './queue-join.service';

describe(entryHeadline.name, () => {
  it.each([
    [
      { status: 'waiting', position: 1, expected_wait_minutes: 4, expected_wait_range_minutes: [2, 9] },
      '#1 You are next in line',
      'Expected wait: about 4 minutes (2 to 9 minutes).',
    ],
    [
      { status: 'waiting', position: 3, expected_wait_minutes: 1, expected_wait_range_minutes: null },
      '#3 in line: 2 ahead of you',
      'Expected wait: about 1 minute.',
    ],
    [
      { status: 'called', position: 0, expected_wait_minutes: 0, expected_wait_range_minutes: [0, 0] },
      "It's your turn!",
      'Please come in now.',
    ],
    [
      { status: 'done', position: null, expected_wait_minutes: null, expected_wait_range_minutes: null },
      'Your visit in this queue is over.',
      '',
    ],
    [
      { status: 'left', position: null, expected_wait_minutes: null, expected_wait_range_minutes: null },
      'Your visit in this queue is over.',
      '',
    ],
  ] as const)('%j → "%s"', (entry, headline, detail) => {
    expect(entryHeadline({ ...entry, expected_wait_range_minutes: entry.expected_wait_range_minutes as [number, number] | null })).toEqual({
      headline,
      detail,
    });
  });
});

describe(joinLinkText.name, () => {
  it('names the provider, the link and until when it works', () => {
    expect(joinLinkText('Dr. Who', 'https://s.test/api/queue/join/entry?token=abc', '2030-03-04 09:30 (UTC)')).toBe(
      'Join the queue of Dr. Who: open https://s.test/api/queue/join/entry?token=abc and press the button (until 2030-03-04 09:30 (UTC)).',
    );
  });
});

describe(parseJoin.name, () => {
  /** As the form parser makes a form's fields: an object without a prototype, every value text. */
  const form = (fields: Record<string, string>) => Object.assign(Object.create(null) as object, fields);
  const fieldsOf = async (body: unknown) => {
    const error = await parseJoin(body).then(
      () => undefined,
      (thrown: { extra: { errors: { field: string }[] } }) => thrown,
    );
    return [...new Set((error?.extra.errors ?? []).map((problem) => problem.field))].sort();
  };

  it.each([
    [
      'JSON with an email',
      { provider_id: 7, name: 'Ann', email: 'ann@example.com' },
      { provider_id: 7, name: 'Ann', email: 'ann@example.com' },
    ],
    [
      'JSON with a phone and an empty email',
      { provider_id: 7, name: 'Ann', phone: '+33612345678', email: '' },
      { provider_id: 7, name: 'Ann', phone: '+33612345678' },
    ],
    [
      'a form, its id as text',
      form({ provider_id: '7', name: 'Ann', phone: '', email: 'ann@example.com' }),
      { provider_id: 7, name: 'Ann', email: 'ann@example.com' },
    ],
  ])('reads %s', async (_name, body, expected) => {
    const dto = await parseJoin(body);
    expect({ ...dto }).toEqual(expected);
  });

  it.each([
    ['neither phone nor email', { provider_id: 7, name: 'Ann' }, ['email', 'phone']],
    ['both empty', { provider_id: 7, name: 'Ann', phone: '', email: '' }, ['email', 'phone']],
    ['an id as text in JSON', { provider_id: '7', name: 'Ann', email: 'ann@example.com' }, ['provider_id']],
    ['an id with a leading zero in a form', form({ provider_id: '07', name: 'Ann', email: 'ann@example.com' }), ['provider_id']],
    ['a name of 201 characters', { provider_id: 7, name: 'a'.repeat(201), email: 'ann@example.com' }, ['name']],
    ['a bad phone beside a good email', { provider_id: 7, name: 'Ann', phone: '12', email: 'ann@example.com' }, ['phone']],
    ['an unknown field', { provider_id: 7, name: 'Ann', email: 'ann@example.com', date: '2030-01-01' }, ['date']],
    ['no body at all', undefined, ['email', 'name', 'phone', 'provider_id']],
  ])('refuses %s, naming %j', async (_name, body, fields) => {
    await expect(fieldsOf(body)).resolves.toEqual(fields);
  });
});
