/** Tickets per letter: A-001 … A-999, then B-001. */
export const TICKETS_PER_LETTER = 999;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Z-999: the last ticket of a day. */
export const MAX_TICKETS_PER_DAY = LETTERS.length * TICKETS_PER_LETTER;

/**
 * The ticket of the day's `number`th check-in (1 → `A-001`): a letter and three digits, as a board
 * shows it instead of a name. Past 999 the letter moves on (1000 → `B-001`), so no two tickets of a
 * day read alike, and none has a 000.
 */
export function formatTicket(number: number): string {
  if (!Number.isInteger(number) || number < 1 || number > MAX_TICKETS_PER_DAY) {
    throw new RangeError(`A ticket number is from 1 to ${MAX_TICKETS_PER_DAY}, not ${number}`);
  }
  const letter = LETTERS[Math.floor((number - 1) / TICKETS_PER_LETTER)];
  const digits = ((number - 1) % TICKETS_PER_LETTER) + 1;
  return `${letter}-${String(digits).padStart(3, '0')}`;
}
