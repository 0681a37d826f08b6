/**
 * `POST {loginUrl}/services/oauth2/token`, form-encoded, shared by every OAuth flow. Failures come
 * back as `{"error":"invalid_grant","error_description":"authentication failure"}` and are mapped
 * through the errorCode table (invalid_grant → ConfigError). The request parameters carry secrets,
 * so nothing of the request is ever put in a message: only the flow name and the user name.
 */
import { z } from 'zod';
import type { Transport } from '../http/transport.js';
import type { TokenInfo } from './options.js';

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  instance_url: z.string().min(1),
  id: z.string().optional(),
  issued_at: z.string().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
});

export interface TokenGrant {
  readonly info: TokenInfo;
  /** Present when Salesforce rotates or issues a refresh token. */
  readonly refreshToken: string | undefined;
}

export async function requestToken(
  transport: Transport,
  loginUrl: string,
  params: Readonly<Record<string, string>>,
  context: string,
  signal?: AbortSignal,
): Promise<TokenGrant> {
  const body = await transport.json(
    {
      method: 'POST',
      path: `${loginUrl}/services/oauth2/token`,
      body: { form: params },
      auth: false,
      // Asking for a token twice is harmless: safe to resend after a dropped connection.
      idempotent: true,
      context,
      signal,
    },
    TokenResponse,
  );
  const issuedAt = body.issued_at !== undefined ? Number(body.issued_at) : undefined;
  return {
    info: {
      accessToken: body.access_token,
      instanceUrl: body.instance_url.replace(/\/+$/, ''),
      identityUrl: body.id,
      issuedAt: issuedAt !== undefined && Number.isFinite(issuedAt) ? issuedAt : undefined,
    },
    refreshToken: body.refresh_token,
  };
}
