/**
 * Request body decoding. Malformed JSON is Salesforce's 400 JSON_PARSER_ERROR (messages in the
 * style of its Jackson parser), never an exception escaping to the server.
 */
import { HttpError } from './errors.js';
import type { EmuRequest } from './types.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '') {
    throw new HttpError(
      400,
      'JSON_PARSER_ERROR',
      'No content to map due to end-of-input at [line:1, column:0]',
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'invalid JSON';
    throw new HttpError(400, 'JSON_PARSER_ERROR', `Unexpected character: ${detail} at [line:1, column:1]`);
  }
}

export function readJson(req: EmuRequest): unknown {
  return parseJsonText(req.body.toString('utf8'));
}

/** A JSON object body (records, composite envelopes); arrays and scalars are refused. */
export function readJsonObject(req: EmuRequest): JsonObject {
  const v = readJson(req);
  if (!isJsonObject(v)) {
    throw new HttpError(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of object from a non-object JSON value at [line:1, column:1]',
    );
  }
  return v;
}

/** `application/x-www-form-urlencoded` body (OAuth token endpoint). */
export function readForm(req: EmuRequest): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}
