import { fromDescribe, type ObjectModel } from '../core/sobject-model.js';
import { ConfigError, errorMessage, UnrecoverableError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { linkableLookups, relationshipColumns } from '../materialize/relationship-columns.js';
import type { RelationshipColumn } from '../materialize/relationship-columns.js';
import type { SalesforceClient } from '../salesforce/index.js';

/** Describes are kept this long (as the writer's, writer-setup.ts): field changes arrive within it. */
const MODELS_TTL_MS = 10 * 60_000;

/**
 * The objects read-write mappings point at, for their relationship external-id columns
 * (src/materialize/relationship-columns.ts): which parent has the external-id field. The cycle's own
 * describes of mapped objects are remembered as they are made, so a mapped parent costs no call;
 * any other parent (User behind `OwnerId`...) is described once per TTL.
 *
 * A parent that cannot be described (not visible to the integration user: NOT_FOUND; a describe that
 * is not one) gets no column — the child is mirrored all the same — and is asked again after the
 * TTL. Transient and rate-limit errors are the cycle's: they propagate like the object's own describe.
 */
export class ParentModels {
  readonly #client: SalesforceClient;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #models = new Map<string, { at: number; model: ObjectModel | null }>();

  constructor(client: SalesforceClient, logger: Logger, ttlMs: number = MODELS_TTL_MS) {
    this.#client = client;
    this.#logger = logger;
    this.#ttlMs = ttlMs;
  }

  /** A full (unmapped) model just described. */
  remember(model: ObjectModel): void {
    this.#models.set(model.name.toLowerCase(), { at: Date.now(), model });
  }

  async get(name: string, signal?: AbortSignal): Promise<ObjectModel | undefined> {
    const key = name.toLowerCase();
    const hit = this.#models.get(key);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.model ?? undefined;
    let model: ObjectModel | null;
    try {
      model = fromDescribe(await this.#client.describe(name, signal));
    } catch (err) {
      if (!(err instanceof UnrecoverableError || err instanceof ConfigError)) throw err;
      this.#logger.warn(
        { object: name, err: errorMessage(err) },
        `${name} could not be described: lookups to it get no relationship external-id column`,
      );
      model = null;
    }
    this.#models.set(key, { at: Date.now(), model });
    return model ?? undefined;
  }

  /** The relationship external-id columns of a read-write mapping's (mapped) model. */
  async columnsFor(
    model: ObjectModel,
    externalIdField: string,
    signal?: AbortSignal,
  ): Promise<RelationshipColumn[]> {
    const parents = new Map<string, ObjectModel>();
    for (const lookup of linkableLookups(model)) {
      const target = lookup.referenceTo[0]!;
      if (parents.has(target.toLowerCase())) continue;
      const parent = await this.get(target, signal);
      if (parent) parents.set(target.toLowerCase(), parent);
    }
    return relationshipColumns(model, (name) => parents.get(name.toLowerCase()), externalIdField);
  }
}
