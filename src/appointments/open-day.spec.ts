import { datesTouched, openDayKey, providerDaysPrefix } from './open-day';

describe('openDayKey', () => {
  it.each([
    { providerId: 1, date: '2030-03-04', key: '1:2030-03-04' },
    { providerId: 124, date: '2026-07-28', key: '124:2026-07-28' },
  ])('is $key for provider $providerId on $date', ({ providerId, date, key }) => {
    expect(openDayKey(providerId, date)).toBe(key);
  });
});

describe('providerDaysPrefix', () => {
  it('starts every key of its provider and no key of another', () => {
    expect(openDayKey(1, '2030-03-04').startsWith(providerDaysPrefix(1))).toBe(true);
    expect(openDayKey(12, '2030-03-04').startsWith(providerDaysPrefix(1))).toBe(false);
    expect(openDayKey(1, '2030-03-04').startsWith(providerDaysPrefix(12))).toBe(false);
  });
});

describe('datesTouched', () => {
  it.each([
    { case: 'only the date, for slots far from midnight', first: 36, end: 40, dates: ['2030-03-04'] },
    { case: 'the date before too, for slots before 03:00', first: 11, end: 13, dates: ['2030-03-04', '2030-03-03'] },
    { case: 'not the date before from 03:00', first: 12, end: 14, dates: ['2030-03-04'] },
    { case: 'the date after too, for slots ending after 21:00', first: 80, end: 85, dates: ['2030-03-04', '2030-03-05'] },
    { case: 'not the date after for slots ending at 21:00', first: 80, end: 84, dates: ['2030-03-04'] },
    { case: 'all three when the slots are not known', first: undefined, end: undefined, dates: ['2030-03-04', '2030-03-03', '2030-03-05'] },
  ])('is $case', ({ first, end, dates }) => {
    expect(datesTouched('2030-03-04', first, end)).toEqual(dates);
  });

  it('crosses months and years', () => {
    expect(datesTouched('2031-01-01', 0, 96)).toEqual(['2031-01-01', '2030-12-31', '2031-01-02']);
  });
});
