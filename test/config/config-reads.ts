/**
 * Finds which config fields the source reads, with the TypeScript checker rather than by name: a read is a
 * property access (`x.timeout`, `x['timeout']`, `const { timeout } = x`, `x[feature]` over a union of
 * literal keys) whose property symbol is declared in the config schema (`src/config/*.ts`). So
 * `chains.<name>.maxRetries` and `models.<id>.maxRetries` are told apart, and a `timeout` read from some
 * other object never counts for the config's.
 *
 * A config value handed on is followed: copied into another object (`{ maxRetries: c.maxRetries }`) it
 * counts only when that object's property is read; an object given to code typed by another interface
 * (e.g. the retry section given to a core policy's options) flows into that interface's same-named
 * properties, and a read of those counts.
 */
import { relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG_DIR = resolve(ROOT, 'src/config') + sep;

/** The program over `src` (what `tsconfig.build.json` compiles). */
export function sourceProgram(): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    resolve(ROOT, 'tsconfig.build.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (!parsed) throw new Error('cannot read tsconfig.build.json');
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

/** A leaf field of the config: its path (`*` for a record key, `[]` for an array item) and declarations. */
export interface ConfigLeaf {
  readonly path: string;
  readonly declarations: readonly string[];
}

/** `['alerts', 'notifiers', '[]', 'url']` → `alerts.notifiers[].url`. */
export function leafPath(segments: readonly string[]): string {
  return segments.join('.').replaceAll('.[]', '[]');
}

const declKey = (d: ts.Declaration): string => `${d.getSourceFile().fileName}:${d.pos}`;
const isConfigDecl = (d: ts.Declaration): boolean => d.getSourceFile().fileName.startsWith(CONFIG_DIR);

function objectParts(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const parts = type.isUnion() ? type.types : [type];
  return parts.filter(
    (t) =>
      (t.flags & ts.TypeFlags.Object) !== 0 &&
      (t.getProperties().length > 0 || checker.getIndexInfosOfType(t).length > 0),
  );
}

/** Every leaf of the `HiveConfig` type (the validated config), walked through objects, records and arrays. */
export function configLeaves(program: ts.Program): ConfigLeaf[] {
  const checker = program.getTypeChecker();
  const schemaFile = program.getSourceFile(resolve(ROOT, 'src/config/schema.ts'));
  const alias = schemaFile?.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'HiveConfig',
  );
  if (!alias) throw new Error('HiveConfig not found in src/config/schema.ts');
  const leaves = new Map<string, Set<string>>();
  const addLeaf = (path: string[], decls: readonly ts.Declaration[]): void => {
    const key = leafPath(path);
    const set = leaves.get(key) ?? new Set<string>();
    for (const d of decls) set.add(declKey(d));
    leaves.set(key, set);
  };
  const visit = (type: ts.Type, path: string[], decls: readonly ts.Declaration[], depth: number): void => {
    if (depth > 12) throw new Error(`config type too deep at ${path.join('.')}`);
    const nonNull = checker.getNonNullableType(type);
    const objects = objectParts(checker, nonNull);
    const hasPrimitive = (nonNull.isUnion() ? nonNull.types : [nonNull]).some(
      (t) => objectParts(checker, t).length === 0,
    );
    if (objects.length === 0 || hasPrimitive) {
      if (path.length > 0) addLeaf(path, decls);
    }
    for (const obj of objects) {
      if (checker.isArrayType(obj)) {
        const [element] = checker.getTypeArguments(obj as ts.TypeReference);
        if (element && objectParts(checker, checker.getNonNullableType(element)).length > 0) {
          visit(element, [...path, '[]'], decls, depth + 1);
        } else if (path.length > 0) addLeaf(path, decls);
        continue;
      }
      const index = checker.getIndexInfoOfType(obj, ts.IndexKind.String);
      if (index && obj.getProperties().length === 0) {
        if (objectParts(checker, checker.getNonNullableType(index.type)).length > 0) {
          visit(index.type, [...path, '*'], decls, depth + 1);
        } else if (path.length > 0) addLeaf(path, decls);
        continue;
      }
      for (const prop of obj.getProperties()) {
        const own = (prop.declarations ?? []).filter(isConfigDecl);
        if (own.length === 0) continue; // `$schema` and the like: no schema declaration to read
        visit(checker.getTypeOfSymbol(prop), [...path, prop.name], own, depth + 1);
      }
    }
  };
  visit(checker.getTypeAtLocation(alias.name), [], [], 0);
  return [...leaves].map(([path, set]) => ({ path, declarations: [...set] }));
}

/** What the source does with properties: direct reads, and where a property's value is handed on. */
export interface ReadGraph {
  /** Declarations of properties read in place (`x.a` used in an expression). */
  readonly reads: ReadonlySet<string>;
  /** Declaration → declarations its value flows into (copied into another object, passed as another type). */
  readonly flows: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Scans one `.ts` file (absolute path) for property reads and for the places a property's value
 * is handed on: `{ maxRetries: c.maxRetries }` is not a read of `c.maxRetries` but a flow into the new
 * object's `maxRetries`, which counts only if that one is read; an object passed where another type is
 * expected flows each property into the same-named property of that type.
 */
export function scanReads(program: ts.Program, file: string): ReadGraph {
  const checker = program.getTypeChecker();
  const reads = new Set<string>();
  const flows = new Map<string, Set<string>>();
  const flow = (from: ts.Symbol, to: ts.Symbol): void => {
    for (const f of from.declarations ?? []) {
      const set = flows.get(declKey(f)) ?? new Set<string>();
      for (const t of to.declarations ?? []) if (t !== f) set.add(declKey(t));
      flows.set(declKey(f), set);
    }
  };
  const markRead = (symbol: ts.Symbol | undefined): void => {
    for (const d of symbol?.declarations ?? []) reads.add(declKey(d));
  };
  const link = (from: ts.Type, to: ts.Type, depth: number): void => {
    if (depth > 6) return;
    for (const target of objectParts(checker, checker.getNonNullableType(to))) {
      for (const source of objectParts(checker, checker.getNonNullableType(from))) {
        if (source === target) continue;
        for (const prop of source.getProperties()) {
          const other = target.getProperty(prop.name);
          if (!other || other === prop) continue;
          flow(prop, other);
          link(checker.getTypeOfSymbol(prop), checker.getTypeOfSymbol(other), depth + 1);
        }
      }
    }
  };
  /** The property an object-literal member writes, from the literal's contextual type. */
  const targetOf = (member: ts.ObjectLiteralElementLike): ts.Symbol | undefined => {
    const literal = member.parent;
    if (!ts.isObjectLiteralExpression(literal)) return undefined;
    const contextual = checker.getContextualType(literal);
    const name =
      member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))
        ? member.name.text
        : undefined;
    if (!contextual || name === undefined) return undefined;
    for (const t of contextual.isUnion() ? contextual.types : [contextual]) {
      const prop = t.getProperty(name);
      if (prop) return prop;
    }
    return undefined;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const symbol = checker.getSymbolAtLocation(node.name);
      const parent = node.parent;
      const target =
        ts.isPropertyAssignment(parent) && parent.initializer === node ? targetOf(parent) : undefined;
      if (symbol && target) flow(symbol, target);
      else markRead(symbol);
    } else if (ts.isElementAccessExpression(node)) {
      const argType = checker.getTypeAtLocation(node.argumentExpression);
      const objType = checker.getNonNullableType(checker.getTypeAtLocation(node.expression));
      for (const t of argType.isUnion() ? argType.types : [argType]) {
        if (t.isStringLiteral()) markRead(objType.getProperty(t.value));
      }
    } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const name = node.propertyName ?? node.name;
      if (ts.isIdentifier(name) || ts.isStringLiteral(name)) {
        const parentType = checker.getNonNullableType(checker.getTypeAtLocation(node.parent));
        for (const t of parentType.isUnion() ? parentType.types : [parentType])
          markRead(t.getProperty(name.text));
      }
    }
    const carrier =
      ts.isIdentifier(node) ||
      ts.isPropertyAccessExpression(node) ||
      ts.isElementAccessExpression(node) ||
      ts.isObjectLiteralExpression(node) ||
      ts.isCallExpression(node) ||
      ts.isConditionalExpression(node) ||
      ts.isBinaryExpression(node) ||
      ts.isAwaitExpression(node) ||
      ts.isNewExpression(node);
    if (carrier && !ts.isPropertyAccessExpression(node.parent)) {
      let contextual: ts.Type | undefined;
      if (ts.isShorthandPropertyAssignment(node.parent)) {
        const target = targetOf(node.parent);
        contextual = target ? checker.getTypeOfSymbol(target) : undefined;
      } else if (ts.isExpression(node)) {
        contextual = checker.getContextualType(node);
      }
      if (contextual) link(checker.getTypeAtLocation(node), contextual, 0);
    }
    ts.forEachChild(node, visit);
  };
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`not in the program: ${relative(ROOT, file)}`);
  visit(source);
  return { reads, flows };
}

/** One graph from several files' graphs. */
export function mergeGraphs(graphs: Iterable<ReadGraph>): ReadGraph {
  const reads = new Set<string>();
  const flows = new Map<string, Set<string>>();
  for (const g of graphs) {
    for (const r of g.reads) reads.add(r);
    for (const [from, to] of g.flows) {
      const set = flows.get(from) ?? new Set<string>();
      for (const t of to) set.add(t);
      flows.set(from, set);
    }
  }
  return { reads, flows };
}

/** True when one of `declarations`, or a property its value flows into (transitively), is read. */
export function isRead(graph: ReadGraph, declarations: readonly string[]): boolean {
  const seen = new Set<string>(declarations);
  const queue = [...declarations];
  while (queue.length > 0) {
    const d = queue.pop()!;
    if (graph.reads.has(d)) return true;
    for (const next of graph.flows.get(d) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** The source files outside `src/config` (where a read means the field is used, not validated). */
export function filesOutsideConfig(program: ts.Program): string[] {
  const src = resolve(ROOT, 'src') + sep;
  return program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => f.startsWith(src) && !f.startsWith(CONFIG_DIR));
}
