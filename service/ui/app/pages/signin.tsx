/** Sign-in: redeems a one-time link's code, or takes a pasted token; either becomes a session cookie. */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type SessionInfo } from "../api";

export function SignIn({ code, notice, onSignedIn }: { code?: string; notice?: string; onSignedIn: (s: SessionInfo) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(Boolean(code));

  const signIn = async (body: { code?: string; token?: string }): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<SessionInfo>("POST", "/v1/session/signin", body));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
      setBusy(false);
    }
  };

  useEffect(() => {
    if (code) void signIn({ code });
  }, [code]);

  return (
    <main id="main" class="signin" tabIndex={-1}>
      <h1>Sign in to the Plinth portal</h1>
      {busy && code ? <p role="status">Signing you in…</p> : null}
      {notice ? <p role="status" class="notice">{notice}</p> : null}
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <p>
        Run <code>plinth ui</code> for a one-time sign-in link for your team, or paste your team's API token.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void signIn({ token });
        }}
      >
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
