/**
 * sObject Tree (§2.8, what `sf data import tree` sends): nested records created parents first,
 * children getting their parent's new id through the child relationship's lookup field. All or
 * nothing: any failure rolls back what was created and answers 400 listing only the failed
 * records; success is 201 with every referenceId and its id.
 */
import type { OrgApi, RecordInput } from '../org/types.js';
import { isJsonObject, readJsonObject } from './body.js';
import { REST_PREFIX } from './api-version.js';
import type { HttpContext } from './context.js';
import { objectOrNotFound, TYPE } from './describe-routes.js';
import { HttpError } from './errors.js';
import { WriteJournal } from './journal.js';
import { json } from './respond.js';
import type { Route } from './types.js';

const MAX_RECORDS = 200;
const MAX_DEPTH = 5;
const MAX_TYPES = 5;

interface TreeNode {
  type: string;
  referenceId: string;
  fields: Record<string, unknown>;
  depth: number;
  parent: TreeNode | undefined;
  /** Lookup field on this record that points at the parent. */
  parentField: string | undefined;
  id?: string;
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'INVALID_INPUT', message);
}

/** Flattens the request into nodes in pre-order, validating types, references and limits. */
function flatten(org: OrgApi, rootType: string, records: unknown): TreeNode[] {
  const nodes: TreeNode[] = [];
  const refs = new Set<string>();
  const visit = (
    raw: unknown,
    type: string,
    depth: number,
    parent?: TreeNode,
    parentField?: string,
  ): void => {
    if (!isJsonObject(raw)) throw invalid('Each record must be a JSON object');
    const attrs = raw['attributes'];
    const declared = isJsonObject(attrs) ? attrs['type'] : undefined;
    const referenceId = isJsonObject(attrs) ? attrs['referenceId'] : undefined;
    if (typeof declared !== 'string' || declared.toLowerCase() !== type.toLowerCase()) {
      throw invalid(`Record type must be ${type}, found: ${String(declared)}`);
    }
    if (typeof referenceId !== 'string' || referenceId === '')
      throw invalid('Every record needs attributes.referenceId');
    if (refs.has(referenceId)) throw invalid(`Duplicate ReferenceId provided in the request: ${referenceId}`);
    refs.add(referenceId);
    if (depth > MAX_DEPTH) throw invalid(`The request exceeds the maximum depth of ${MAX_DEPTH} levels`);
    const object = org.schema.object(type);
    if (!object) throw new HttpError(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
    const node: TreeNode = { type: object.name, referenceId, fields: {}, depth, parent, parentField };
    nodes.push(node);
    const children: Array<[string, unknown]> = [];
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'attributes') continue;
      if (isJsonObject(value) && Array.isArray(value['records'])) children.push([key, value['records']]);
      else node.fields[key] = value;
    }
    for (const [name, list] of children) {
      const rel = org.schema
        .childRelationships(object.name)
        .find((c) => c.relationshipName?.toLowerCase() === name.toLowerCase());
      if (!rel) throw invalid(`Invalid child relationship '${name}' on ${object.name}`);
      for (const child of list as unknown[]) visit(child, rel.childSObject, depth + 1, node, rel.field);
    }
  };
  if (!Array.isArray(records))
    throw new HttpError(400, 'JSON_PARSER_ERROR', "The request body must contain a 'records' array");
  for (const r of records) visit(r, rootType, 1);
  if (nodes.length > MAX_RECORDS) throw invalid(`The request contains more than ${MAX_RECORDS} records`);
  if (new Set(nodes.map((n) => n.type)).size > MAX_TYPES)
    throw invalid(`The request contains more than ${MAX_TYPES} types`);
  return nodes;
}

export function compositeTreeRoutes(ctx: HttpContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`${REST_PREFIX}/composite/tree/${TYPE}$`),
      auth: 'bearer',
      name: 'composite-tree',
      counted: true,
      handle(req, env) {
        const root = objectOrNotFound(env.org, req.params['type'] ?? '');
        const nodes = flatten(env.org, root.name, readJsonObject(req)['records']);
        const journal = new WriteJournal(env.org, ctx.rawOrg);
        const failures: Array<{ referenceId: string; errors: unknown[] }> = [];
        const maxDepth = Math.max(0, ...nodes.map((n) => n.depth));
        // Level by level, one create per type: parents exist before their children need their ids.
        for (let depth = 1; depth <= maxDepth && failures.length === 0; depth++) {
          const level = nodes.filter((n) => n.depth === depth);
          for (const type of new Set(level.map((n) => n.type))) {
            const group = level.filter((n) => n.type === type);
            const inputs: RecordInput[] = group.map((n) =>
              n.parent && n.parentField ? { ...n.fields, [n.parentField]: n.parent.id } : n.fields,
            );
            const results = journal.org.create(type, inputs, { allOrNone: true, format: 'json' });
            results.forEach((r, k) => {
              const node = group[k];
              if (!node) return;
              if (r.success && r.id) node.id = r.id;
              const own = r.errors.filter((e) => e.statusCode !== 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
              if (!r.success && own.length > 0) failures.push({ referenceId: node.referenceId, errors: own });
            });
            if (results.some((r) => !r.success) && failures.length === 0) {
              failures.push({
                referenceId: group[0]?.referenceId ?? '',
                errors: [
                  { statusCode: 'UNKNOWN_EXCEPTION', message: 'The records were not saved', fields: [] },
                ],
              });
            }
            if (failures.length > 0) break;
          }
        }
        if (failures.length > 0) {
          journal.rollback();
          return json(400, { hasErrors: true, results: failures });
        }
        return json(201, {
          hasErrors: false,
          results: nodes.map((n) => ({ referenceId: n.referenceId, id: n.id })),
        });
      },
    },
  ];
}
