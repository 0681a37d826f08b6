/**
 * REST query JSON for one row (salesforce-wire.md §2.5): `attributes` {type, url}, then the selected
 * fields in select order under their describe names; parent paths nest as objects with their own
 * `attributes`, or null when the lookup is empty. Datetimes render as `...SSS+0000`.
 *
 * The renderer is a tree of closures built once per query; per row it only reads values and
 * assigns keys in a fixed order.
 */
import type { FieldDef, ObjectDef, Row, Value } from '../schema/types.js';
import { compileParentStep, fieldReader, type ParentStep } from './access.js';
import { compileJsonLine, jsonString } from './render-codegen.js';
import type { ResolvedPath } from './resolve.js';
import type { EvalContext } from './types.js';

export type JsonRenderer = (row: Row, ctx: EvalContext, apiVersion: string) => Record<string, unknown>;

type Out = Record<string, unknown>;
type Entry = (object: ObjectDef, row: Row, ctx: EvalContext, base: string, out: Out) => void;
type NodeRenderer = (object: ObjectDef, row: Row, ctx: EvalContext, base: string) => Out;

interface Node {
  readonly owner: ObjectDef;
  /** Fields and parent relationships in first-selected order. */
  readonly entries: Array<
    | { readonly kind: 'field'; readonly field: FieldDef }
    | { readonly kind: 'parent'; readonly relationship: FieldDef; readonly node: Node }
  >;
}

export function compileJsonRenderer(root: ObjectDef, paths: readonly ResolvedPath[]): JsonRenderer {
  const tree: Node = { owner: root, entries: [] };
  for (const path of paths) addPath(tree, path);
  const render = compileNode(tree);
  let lastVersion = '';
  let lastBase = '';
  return (row, ctx, apiVersion) => {
    if (apiVersion !== lastVersion) {
      lastVersion = apiVersion;
      lastBase = `/services/data/${apiVersion.startsWith('v') ? apiVersion : `v${apiVersion}`}/sobjects/`;
    }
    return render(root, row, ctx, lastBase);
  };
}

/**
 * Renders exactly what `JSON.stringify(compileJsonRenderer(...)(row))` would, key for key, but as
 * text built in one pass: REST query pages of 2,000 wide rows otherwise spend most of their time
 * allocating objects that are serialised once and thrown away. (Measured: string concatenation
 * beats both the object path and pushing pieces onto an array joined per page.)
 */
export type JsonTextRenderer = (row: Row, ctx: EvalContext, apiVersion: string) => string;

export function compileJsonTextRenderer(root: ObjectDef, paths: readonly ResolvedPath[]): JsonTextRenderer {
  const tree: Node = { owner: root, entries: [] };
  for (const path of paths) addPath(tree, path);
  const line = compileJsonLine(root, paths);
  const nodeRender = compileTextNode(tree);
  const render: TextEntry = line ? (_object, row, ctx, base) => line(row, ctx, base) : nodeRender;
  let lastVersion = '';
  let lastBase = '';
  return (row, ctx, apiVersion) => {
    if (apiVersion !== lastVersion) {
      lastVersion = apiVersion;
      lastBase = `/services/data/${apiVersion.startsWith('v') ? apiVersion : `v${apiVersion}`}/sobjects/`;
    }
    return render(root, row, ctx, lastBase);
  };
}

type TextEntry = (object: ObjectDef, row: Row, ctx: EvalContext, base: string) => string;

function compileTextNode(node: Node): TextEntry {
  const entries: TextEntry[] = node.entries.map((e) => {
    if (e.kind === 'field') {
      const prefix = `,${JSON.stringify(e.field.name)}:`;
      const read = fieldReader(node.owner, e.field);
      const format = jsonFormat(e.field);
      return (object, row, ctx) => prefix + jsonText(format(read(object, row, ctx)));
    }
    const prefix = `,${JSON.stringify(e.relationship.relationshipName ?? e.relationship.name)}:`;
    const step: ParentStep = compileParentStep(node.owner, e.relationship);
    const child = compileTextNode(e.node);
    return (object, row, ctx, base) => {
      const parent = step(object, row, ctx);
      return prefix + (parent === undefined ? 'null' : child(parent.object, parent.row, ctx, base));
    };
  });
  const n = entries.length;
  return (object, row, ctx, base) => {
    const id = row.Id;
    let out = `{"attributes":{"type":${jsonString(object.name)},"url":${jsonString(`${base}${object.name}/${typeof id === 'string' ? id : ''}`)}}`;
    for (let i = 0; i < n; i++) out += entries[i]!(object, row, ctx, base);
    return out + '}';
  };
}

function jsonText(v: unknown): string {
  if (typeof v === 'string') return jsonString(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

function addPath(tree: Node, path: ResolvedPath): void {
  let node = tree;
  const { relationships, field } = path.column;
  relationships.forEach((rel, i) => {
    let entry = node.entries.find((e) => e.kind === 'parent' && e.relationship === rel);
    if (!entry) {
      entry = { kind: 'parent', relationship: rel, node: { owner: path.owners[i + 1]!, entries: [] } };
      node.entries.push(entry);
    }
    node = (entry as { node: Node }).node;
  });
  if (!node.entries.some((e) => e.kind === 'field' && e.field === field))
    node.entries.push({ kind: 'field', field });
}

function compileNode(node: Node): NodeRenderer {
  const entries: Entry[] = node.entries.map((e) => {
    if (e.kind === 'field') {
      const key = e.field.name;
      const read = fieldReader(node.owner, e.field);
      const format = jsonFormat(e.field);
      return (object, row, ctx, _base, out) => {
        out[key] = format(read(object, row, ctx));
      };
    }
    const key = e.relationship.relationshipName ?? e.relationship.name;
    const step: ParentStep = compileParentStep(node.owner, e.relationship);
    const child = compileNode(e.node);
    return (object, row, ctx, base, out) => {
      const parent = step(object, row, ctx);
      out[key] = parent === undefined ? null : child(parent.object, parent.row, ctx, base);
    };
  });
  return (object, row, ctx, base) => {
    const id = row.Id;
    const out: Out = {
      attributes: { type: object.name, url: `${base}${object.name}/${typeof id === 'string' ? id : ''}` },
    };
    for (const entry of entries) entry(object, row, ctx, base, out);
    return out;
  };
}

function jsonFormat(field: FieldDef): (v: Value) => unknown {
  if (field.type === 'datetime') {
    return (v) => (typeof v === 'string' && v.endsWith('Z') ? `${v.slice(0, -1)}+0000` : v);
  }
  return (v) => v;
}
