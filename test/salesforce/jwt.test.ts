import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { jwtClaims, loadPrivateKey, signJwt } from '../../src/salesforce/auth/jwt.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('JWT bearer assertion', () => {
  it('signs RS256 claims {iss, sub, aud, exp} verifiable with the public key', async () => {
    const key = await loadPrivateKey({ privateKey: pem });
    const now = Date.UTC(2024, 4, 1);
    const claims = jwtClaims('client-id', 'ada@example.com', 'https://login.salesforce.com', now);
    expect(claims).toEqual({
      iss: 'client-id',
      sub: 'ada@example.com',
      aud: 'https://login.salesforce.com',
      exp: now / 1000 + 170,
    });
    const jwt = signJwt(claims, key);
    const [h, c, s] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h ?? '', 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(c ?? '', 'base64url').toString())).toEqual(claims);
    expect(verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s ?? '', 'base64url'))).toBe(
      true,
    );
  });

  it('loads the key from a file the user names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-jwt-'));
    try {
      const file = join(dir, 'server.key');
      await writeFile(file, pem);
      const key = await loadPrivateKey({ privateKeyFile: file });
      expect(key.asymmetricKeyType).toBe('rsa');
      await expect(loadPrivateKey({ privateKeyFile: join(dir, 'missing.key') })).rejects.toBeInstanceOf(
        ConfigError,
      );
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rejects bad keys without quoting them', async () => {
    const secretish = '-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----';
    const err = await loadPrivateKey({ privateKey: secretish }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).not.toContain('TOPSECRET');
    await expect(loadPrivateKey({})).rejects.toBeInstanceOf(ConfigError);
  });
});
