/**
 * The JWT bearer assertion: `{alg: RS256}` header, claims `{iss: clientId, sub: username, aud, exp}`,
 * signed with node:crypto — no JWT library needed. Salesforce rejects assertions whose `exp` is
 * more than 3 minutes ahead, so a fresh one is signed for every login.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors/index.js';

const LIFETIME_S = 170;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export interface JwtClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: number;
}

/** Loads the key from PEM text or a file; errors never include key material. */
export async function loadPrivateKey(source: {
  privateKey?: string;
  privateKeyFile?: string;
}): Promise<KeyObject> {
  let pem = source.privateKey;
  if (pem === undefined) {
    if (source.privateKeyFile === undefined) {
      throw new ConfigError('JWT login needs a private key', {
        code: 'NO_PRIVATE_KEY',
        hint: 'give the path of the connected app certificate key (PEM)',
      });
    }
    try {
      pem = await readFile(source.privateKeyFile, 'utf8');
    } catch (cause) {
      throw new ConfigError(`cannot read the JWT private key file ${source.privateKeyFile}`, {
        code: 'PRIVATE_KEY_UNREADABLE',
        hint: 'check the path and its permissions',
        cause,
      });
    }
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    return key;
  } catch {
    // The crypto error could quote the input; leave it out.
    throw new ConfigError('the JWT private key is not a valid RSA private key in PEM format', {
      code: 'INVALID_PRIVATE_KEY',
      hint: 'use the key that matches the certificate uploaded to the connected app',
    });
  }
}

export function jwtClaims(
  clientId: string,
  username: string,
  audience: string,
  nowMs = Date.now(),
): JwtClaims {
  return { iss: clientId, sub: username, aud: audience, exp: Math.floor(nowMs / 1000) + LIFETIME_S };
}

/** `header.claims.signature`, each base64url, RS256 (RSASSA-PKCS1-v1_5 with SHA-256). */
export function signJwt(claims: JwtClaims, key: KeyObject): string {
  const input = `${base64url(JSON.stringify({ alg: 'RS256' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), key);
  return `${input}.${base64url(signature)}`;
}
