// The console's credential (an API key or a JWT) and its login screen (docs/console.md, "Signing in").
// It lives in sessionStorage (this tab only, gone when the tab closes; not localStorage, which every tab and
// every later visit would share) and is sent only as `Authorization: Bearer` on the console's own requests.
const CREDENTIAL = 'kvstore.credential';
// Why the login screen is shown again (a refusal, a sign-out), kept across the reload that follows.
const NOTE = 'kvstore.loginNote';
const $ = (id) => document.getElementById(id);

/** The stored credential, or null. */
export const credential = () => sessionStorage.getItem(CREDENTIAL);

/** The headers that carry the credential (none when there is none). */
export function authHeaders() {
  const c = credential();
  return c ? { authorization: `Bearer ${c}` } : {};
}

let leaving = false;

/**
 * Ends the session: forgets the credential and reloads, so every stream and timer of the old session stops
 * and the login screen shows `note` (the server's refusal, or "signed out").
 */
export function signOut(note) {
  if (leaving) return;
  leaving = true;
  sessionStorage.removeItem(CREDENTIAL);
  sessionStorage.setItem(NOTE, note);
  location.reload();
}

/**
 * Shows the login screen with `message` (the server's 401 message, unless a note from the last session says
 * more); `tryCredential(c)` answers the server's response to the credential `c` ({status, json}); on anything
 * but a 401 the credential is kept and `onSignedIn` runs.
 */
export function showLogin(message, tryCredential, onSignedIn) {
  const note = sessionStorage.getItem(NOTE);
  sessionStorage.removeItem(NOTE);
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-message').textContent = note ?? message;
  $('credential').focus();
  $('login-form').onsubmit = async (e) => {
    e.preventDefault();
    const c = $('credential').value.trim();
    if (c === '') {
      $('login-message').textContent = 'paste an API key (kvs_...) or a JWT';
      return;
    }
    const res = await tryCredential(c);
    if (res.status === 401) {
      $('login-message').textContent = `${res.json?.code ?? 401}: ${res.json?.message ?? 'refused'}`;
      return;
    }
    sessionStorage.setItem(CREDENTIAL, c);
    $('credential').value = '';
    $('login').hidden = true;
    $('app').hidden = false;
    onSignedIn(res);
  };
}

/**
 * Shows who the server takes this tab for (GET /v1/whoami): the principal, how it signed in and its roles
 * (what they grant in the tooltip), or that authentication is off. `call` makes the request (api.js).
 */
export async function showWhoAmI(call) {
  const { status, json } = await call('GET', 'whoami');
  if (status !== 200 || json === null) return;
  const el = $('whoami');
  if (json.principal === null) {
    el.textContent = 'authentication off';
    el.title = 'every caller may do everything';
  } else {
    const roles = json.roles.length > 0 ? json.roles.join(', ') : 'no roles';
    el.textContent = `${json.principal} (${json.via}) · ${roles}`;
    const g = json.grants;
    const list = (globs) => (globs.length > 0 ? globs.join(' ') : 'nothing');
    el.title =
      `read: ${list(g.read)}; write: ${list(g.write)}; admin: ${g.admin ? 'yes' : 'no'}` +
      (g.rate_limit ? `; rate limit: ${g.rate_limit.requests_per_second || 'no limit on'} requests/s` : '') +
      (g.namespace ? `; namespace: ${g.namespace}` : '') +
      (json.unknown_roles.length > 0 ? `; not defined here: ${json.unknown_roles.join(', ')}` : '');
  }
  el.hidden = false;
}

/** Shows the sign-out button when the session has a credential (with authentication off there is none). */
export function showSignOut() {
  const button = $('logout');
  button.hidden = credential() === null;
  button.onclick = () => signOut('signed out');
}
