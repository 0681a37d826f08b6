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
import { compileJsonObject } from './render-codegen.js';
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
  const generated = compileJsonObject(root, paths);
  const render: NodeRenderer = generated
    ? (_object, row, ctx, base) => generated(row, ctx, base)
    : compileNode(tree);
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
