import { ValueTransformer } from 'typeorm';

/** Instants are stored as epoch milliseconds (bigint): the same on SQLite and PostgreSQL. pg returns bigint as text. */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
