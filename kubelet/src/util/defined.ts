/**
 * An object without its `undefined` properties (shallow): a field left out, not a field set to
 * nothing. What a spread of options must not override with, and what APIs that echo unset fields
 * back as absent must be sent.
 */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
