// The console's requests to the JSON API (/v1, docs/http.md), each with this tab's credential.
import { authHeaders, credential, signOut } from './auth.js';

/** The server's root (the console is served at /ui/, so it works behind a path prefix too). */
export const base = new URL('../', location.href);
/** The URL of a /v1 route. */
export const api = (path) => new URL(`v1/${path}`, base).toString();

/** An error body as the console shows it: the code and the server's message. */
export const errorText = (status, json) => `${json?.code ?? status}: ${json?.message ?? `HTTP ${status}`}`;

/** A /v1 request: {status, json, headers}; a 401 with a credential ends the session (see auth.js). */
export async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { ...authHeaders(), ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(api(path), init);
  const json = res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : null;
  // A credential refused later (revoked key, expired token): back to the login, with the server's reason.
  if (res.status === 401 && credential() !== null) signOut(errorText(res.status, json));
  return { status: res.status, json, headers: res.headers };
}
