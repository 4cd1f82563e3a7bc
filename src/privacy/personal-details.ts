import Handlebars from 'handlebars';
import { escapeIcsText } from '../mail/ics';

/** What erasing a client removes from the text the service kept: every name, address and phone it went by. */
export interface PersonalDetails {
  names: string[];
  emails: string[];
  phones: string[];
}

/** What an erased detail reads as, in the messages kept. */
export const ERASED_TEXT = '[erased]';

/** An ICS line folded over two lines: the break and the leading space are not part of the text. */
const ICS_FOLD = /\r\n[ \t]/g;
const LETTER_OR_DIGIT = '\\p{L}\\p{N}';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Each detail as a message may spell it: as typed, escaped for HTML (the templates) and for a calendar file. */
function spellings(detail: string): string[] {
  return [...new Set([detail, Handlebars.escapeExpression(detail), escapeIcsText(detail)])].filter((text) => text.trim() !== '');
}

/**
 * One pattern finding any spelling of any detail, case-insensitively. A name matches only as whole
 * words ("Al" in "Alice" or "Vale" is left), an address or phone anywhere.
 */
function patternOf(details: PersonalDetails): RegExp | null {
  const whole = (text: string) => `(?<![${LETTER_OR_DIGIT}])${escapeRegExp(text)}(?![${LETTER_OR_DIGIT}])`;
  const alternatives = [
    ...details.names.flatMap(spellings).map((text) => ({ text, source: whole(text) })),
    ...[...details.emails, ...details.phones].flatMap(spellings).map((text) => ({ text, source: escapeRegExp(text) })),
  ];
  if (alternatives.length === 0) return null;
  // Longest first, so an address is replaced whole before a name inside it.
  alternatives.sort((a, b) => b.text.length - a.text.length);
  return new RegExp(alternatives.map(({ source }) => source).join('|'), 'giu');
}

/** The text with every spelling of the details replaced by ERASED_TEXT. */
export function scrubText(text: string, details: PersonalDetails): string {
  const pattern = patternOf(details);
  return pattern ? text.replace(ICS_FOLD, '').replace(pattern, ERASED_TEXT) : text;
}

/** Whether the text still holds any of the details, however spelled. */
export function mentions(text: string, details: PersonalDetails): boolean {
  const pattern = patternOf(details);
  return pattern !== null && pattern.test(text.replace(ICS_FOLD, ''));
}

/**
 * A stored message (JSON) with the details replaced in every string it holds, or null when that
 * cannot be done cleanly (not JSON, or a detail still found after): the caller then drops the whole text.
 */
export function scrubMessage(payload: string, details: PersonalDetails): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  let clean = true;
  const scrubbed = mapStrings(parsed, (text) => {
    const after = scrubText(text, details);
    if (mentions(after, details)) clean = false;
    return after;
  });
  return clean ? JSON.stringify(scrubbed) : null;
}

function mapStrings(value: unknown, change: (text: string) => string): unknown {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, change)]));
  }
  return value;
}
