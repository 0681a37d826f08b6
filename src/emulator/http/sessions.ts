/**
 * Access tokens, refresh tokens and authorization codes. Tokens are shaped like Salesforce's
 * (`00D<15 chars>!<[A-Za-z0-9._]+>`) because the sf CLI refuses anything else (§1.4). Sessions
 * time out after a period of inactivity, like a real org's session timeout, measured in real time:
 * tests move the emulator clock by days to age data, and that must not end their sessions (the
 * `expireSessions` fault is how a test ends them).
 */
import { randomBytes } from 'node:crypto';
import type { Session } from './types.js';

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += TOKEN_ALPHABET[b % TOKEN_ALPHABET.length];
  return s;
}

export interface SessionStoreOptions {
  readonly orgId: string;
  readonly userId: string;
  /** Inactivity timeout. */
  readonly lifetimeMs: number;
  /** Clock for expiry, ms since epoch (the server passes real time). */
  readonly now: () => number;
}

interface SavedState {
  sessions: Array<{ accessToken: string; expiresAt: number }>;
  refreshTokens: string[];
}

export interface AuthCode {
  readonly redirectUri: string;
  readonly clientId: string;
  readonly codeChallenge: string | undefined;
  readonly expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Set<string>();
  private readonly codes = new Map<string, AuthCode>();

  constructor(private readonly options: SessionStoreOptions) {}

  get lifetimeMs(): number {
    return this.options.lifetimeMs;
  }

  /** A new access token for the org's user. */
  create(): Session {
    const org15 = this.options.orgId.slice(0, 15);
    const session: Session = {
      accessToken: `${org15}!AQ${randomToken(94)}`,
      userId: this.options.userId,
      orgId: this.options.orgId,
      expiresAt: this.options.now() + this.options.lifetimeMs,
    };
    this.sessions.set(session.accessToken, session);
    this.purgeExpired();
    return session;
  }

  /** The live session for a token (extending its inactivity timeout), else undefined. */
  use(token: string): Session | undefined {
    const session = this.sessions.get(token);
    if (!session) return undefined;
    const now = this.options.now();
    if (session.expiresAt <= now) {
      this.sessions.delete(token);
      return undefined;
    }
    session.expiresAt = now + this.options.lifetimeMs;
    return session;
  }

  revoke(token: string): boolean {
    return this.sessions.delete(token) || this.refreshTokens.delete(token);
  }

  /** Fault injection: every current access token is refused from now on (refresh tokens survive). */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  issueRefreshToken(): string {
    const token = `5Aep861${randomToken(80)}`;
    this.refreshTokens.add(token);
    return token;
  }

  isRefreshToken(token: string): boolean {
    return this.refreshTokens.has(token);
  }

  issueCode(code: Omit<AuthCode, 'expiresAt'>): string {
    const value = `aPrx${randomToken(40)}`;
    // Salesforce authorization codes are valid for 15 minutes and usable once.
    this.codes.set(value, { ...code, expiresAt: this.options.now() + 15 * 60_000 });
    return value;
  }

  redeemCode(value: string): AuthCode | undefined {
    const code = this.codes.get(value);
    this.codes.delete(value);
    if (!code || code.expiresAt <= this.options.now()) return undefined;
    return code;
  }

  private purgeExpired(): void {
    const now = this.options.now();
    for (const [token, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(token);
  }

  save(): SavedState {
    return {
      sessions: [...this.sessions.values()].map((s) => ({
        accessToken: s.accessToken,
        expiresAt: s.expiresAt,
      })),
      refreshTokens: [...this.refreshTokens],
    };
  }

  load(state: unknown): void {
    const saved = state as Partial<SavedState> | null;
    for (const s of saved?.sessions ?? []) {
      if (typeof s.accessToken !== 'string' || typeof s.expiresAt !== 'number') continue;
      this.sessions.set(s.accessToken, {
        accessToken: s.accessToken,
        userId: this.options.userId,
        orgId: this.options.orgId,
        expiresAt: s.expiresAt,
      });
    }
    for (const t of saved?.refreshTokens ?? []) if (typeof t === 'string') this.refreshTokens.add(t);
  }
}
