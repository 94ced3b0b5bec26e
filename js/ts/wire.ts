/**
 * The server speaks snake_case JSON; the SDK returns camelCase objects. The returned types
 * are derived from the generated wire types, so a field the server adds or renames shows up
 * here without a hand-written copy.
 *
 * @module
 */

/** `snake_case` as `camelCase`, as a type. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** An object type with its member names in camelCase (one level deep: values stay as they are). */
export type Camelized<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

const camelNames = new Map<string, string>();

function camelName(name: string): string {
  let camel = camelNames.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    camelNames.set(name, camel);
  }
  return camel;
}

/** `wire` with its member names in camelCase (its values, such as `input`, are left alone). */
export function camelized<T extends object>(wire: T): Camelized<T> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(wire)) {
    result[camelName(name)] = value;
  }
  return result as Camelized<T>;
}
