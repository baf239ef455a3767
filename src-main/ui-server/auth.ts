/**
 * Who may talk to `layerlab ui`: only a page that knows the random token printed at start,
 * served from this server's own address. Tokens are compared in constant time (as SHA-256
 * digests, so lengths never leak either); Host and Origin must name 127.0.0.1 or
 * localhost at our port, which defeats DNS rebinding and cross-site WebSockets.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE = 'layerlab_token';

/** 32 random bytes as base64url: 256 bits, safe in a URL and a cookie. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token a request carries: `?token=` first, then the cookie; '' when none. */
export function requestToken(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query = url.searchParams.get('token');
  if (query) return query;
  return cookie(req, COOKIE) ?? '';
}

/** A cookie's value in a request, or null. */
export function cookie(req: IncomingMessage, wanted: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== wanted) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return null;
    }
  }
  return null;
}

/** The Host values this server answers to. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  return allowedHosts(port).has((req.headers.host ?? '').toLowerCase());
}

/** A WebSocket's Origin must be this server (a browser always sends one). */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser (a test, a script with the token)
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
