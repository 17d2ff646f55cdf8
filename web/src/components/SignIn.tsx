import { useState } from 'preact/hooks';
import { type Config, type Session, signIn } from '../api';

export function SignIn({ config, onSignedIn }: { config: Config; onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [region, setRegion] = useState(config.defaultRegion);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(key.trim(), secret, region.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <form class="card" onSubmit={submit}>
        <h1>logpond</h1>
        <p class="muted">Sign in with an access key of this server.</p>
        {!config.authRequired && <p class="note">Authentication is off on this server (--auth none): any key signs in.</p>}
        <label>
          Access key ID
          <input name="accessKeyId" autoComplete="username" value={key} onInput={(e) => setKey(e.currentTarget.value)} required={config.authRequired} autoFocus spellcheck={false} />
        </label>
        <label>
          Secret access key
          <input name="secretAccessKey" type="password" autoComplete="current-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required={config.authRequired} />
        </label>
        <label>
          Region
          <input name="region" value={region} onInput={(e) => setRegion(e.currentTarget.value)} spellcheck={false} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
