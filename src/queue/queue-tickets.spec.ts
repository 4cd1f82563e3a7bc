import { formatTicket, MAX_TICKETS_PER_DAY } from './queue-tickets';

describe(formatTicket.name, () => {
  it.each([
    [1, 'A-001'],
    [17, 'A-017'],
    [999, 'A-999'],
    [1000, 'B-001'],
    [1998, 'B-999'],
    [1999, 'C-001'],
    [MAX_TICKETS_PER_DAY, 'Z-999'],
  ])('ticket %d is %s', (number, ticket) => {
    expect(formatTicket(number)).toBe(ticket);
  });

  it('never reads two numbers of a day alike', () => {
    const tickets = Array.from({ length: MAX_TICKETS_PER_DAY }, (_, i) => formatTicket(i + 1));
    expect(new Set(tickets).size).toBe(MAX_TICKETS_PER_DAY);
    expect(tickets.every((ticket) => /^[A-Z]-\d{3}$/.test(ticket) && !ticket.endsWith('000'))).toBe(true);
  });

  it.each([0, -1, 1.5, MAX_TICKETS_PER_DAY + 1, Number.NaN])('refuses %d', (number) => {
    expect(() => formatTicket(number)).toThrow(RangeError);
  });
});
