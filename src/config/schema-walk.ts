/**
 * Walks the config schema: the object schemas found at a path (for "did you mean" hints) and every
 * leaf path (for the test that each field is read somewhere). Records are walked as `*`, arrays as `[]`.
 * @packageDocumentation
 */
import { z } from 'zod';

/** A path segment of {@link schemaLeafPaths}: a key, `*` (any record key) or `[]` (any array item). */
export type SchemaPathSegment = string;

/** The schemas a value validated by `schema` may be, wrappers (optional, default, pipe, ...) removed. */
function variants(schema: z.ZodType): z.ZodType[] {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodReadonly ||
    schema instanceof z.ZodCatch ||
    schema instanceof z.ZodNonOptional
  ) {
    return variants(schema.def.innerType as z.ZodType);
  }
  if (schema instanceof z.ZodPipe) return variants(schema.def.in as z.ZodType);
  if (schema instanceof z.ZodLazy) return variants(schema.def.getter() as z.ZodType);
  if (schema instanceof z.ZodUnion) return (schema.def.options as z.ZodType[]).flatMap(variants);
  if (schema instanceof z.ZodIntersection) {
    return [...variants(schema.def.left as z.ZodType), ...variants(schema.def.right as z.ZodType)];
  }
  return [schema];
}

/** The children of one schema under a path segment (a key, a record key or an array index). */
function childrenAt(schema: z.ZodType, segment: string | number): z.ZodType[] {
  return variants(schema).flatMap((v) => {
    if (v instanceof z.ZodObject) {
      const child = typeof segment === 'string' ? (v.shape as Record<string, z.ZodType>)[segment] : undefined;
      return child ? [child] : [];
    }
    if (v instanceof z.ZodRecord) return [v.def.valueType as z.ZodType];
    if (v instanceof z.ZodArray && typeof segment === 'number') return [v.def.element as z.ZodType];
    return [];
  });
}

/** The keys an object at `path` of `schema` may have (empty when no object lives there). */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<string | number>): string[] {
  let at = [schema];
  for (const segment of path) at = at.flatMap((s) => childrenAt(s, segment));
  const keys = new Set<string>();
  for (const s of at.flatMap(variants)) {
    if (s instanceof z.ZodObject) for (const key of Object.keys(s.shape)) keys.add(key);
  }
  return [...keys];
}

/**
 * Every leaf path of `schema`: `['models', '*', 'probe', 'kind']`, `['alerts', 'notifiers', '[]', 'url']`.
 * An object is walked into; any other schema (a string, a duration, an enum, a record of unknowns) is a
 * leaf. Keys named in `skip` (e.g. `$schema`) are left out.
 */
export function schemaLeafPaths(schema: z.ZodType, skip: ReadonlySet<string> = new Set()): string[][] {
  const out = new Map<string, string[]>();
  const visit = (s: z.ZodType, path: string[]): void => {
    for (const v of variants(s)) {
      if (v instanceof z.ZodObject) {
        for (const [key, child] of Object.entries(v.shape as Record<string, z.ZodType>)) {
          if (!skip.has(key)) visit(child, [...path, key]);
        }
      } else if (v instanceof z.ZodRecord && isObjectLike(v.def.valueType as z.ZodType)) {
        visit(v.def.valueType as z.ZodType, [...path, '*']);
      } else if (v instanceof z.ZodArray && isObjectLike(v.def.element as z.ZodType)) {
        visit(v.def.element as z.ZodType, [...path, '[]']);
      } else if (path.length > 0) {
        out.set(path.join('.'), path);
      }
    }
  };
  visit(schema, []);
  return [...out.values()];
}

function isObjectLike(schema: z.ZodType): boolean {
  return variants(schema).some((v) => v instanceof z.ZodObject);
}
