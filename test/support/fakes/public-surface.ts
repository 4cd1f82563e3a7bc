/**
 * What a class offers its callers: its public members, none of its private state. An in-memory fake
 * `implements PublicSurface<SomeRepository>`, so it must keep up with every method the real one has.
 */
export type PublicSurface<T> = { [K in keyof T]: T[K] };

/** A copy, so neither the fake's caller nor the fake can change what the other holds. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
