import { type FormEvent, useState } from "react";
import { type ApiError, api } from "../api";
import { ErrorNotice, Field, humanMessage, Notice } from "../components/ui";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";

function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignupPage() {
  const session = useSession();
  const { query } = useLocation();
  const next = query.get("next");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.signup({ name, email, password });
      await session.signIn(result.token);
      navigate(next ? safeNext(next) : "/?welcome=1");
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (f: string) => (error?.field === f ? humanMessage(error) : undefined);
  return (
    <div className="auth-card">
      <h1>Create your account</h1>
      <p className="muted">Start running resources in minutes. You only pay for what you run.</p>
      <form onSubmit={submit} noValidate={false} aria-label="Sign up">
        <Field label="Your name" error={fieldError("name")}>
          {(p) => (
            <input
              {...p}
              name="name"
              autoComplete="name"
              required
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Email" error={fieldError("email")}>
          {(p) => (
            <input
              {...p}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password" hint="At least 8 characters." error={fieldError("password")}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {error && !error.field ? <ErrorNotice error={error} /> : null}
        <button type="submit" className="button-primary button-block" disabled={busy}>
          {busy ? "Creating account…" : "Sign up"}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account?{" "}
        <Link to={next ? `/login?next=${encodeURIComponent(next)}` : "/login"}>Log in</Link>
      </p>
    </div>
  );
}

export function LoginPage() {
  const session = useSession();
  const { query } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.login({ email, password });
      await session.signIn(result.token);
      navigate(safeNext(query.get("next")));
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="auth-card">
      <h1>Log in</h1>
      {query.get("expired") ? (
        <Notice kind="warning">Your session has ended. Please log in again.</Notice>
      ) : null}
      <form onSubmit={submit} aria-label="Log in">
        <Field label="Email">
          {(p) => (
            <input
              {...p}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={error} />
        <button type="submit" className="button-primary button-block" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p className="auth-switch">
        New here?{" "}
        <Link
          to={
            query.get("next")
              ? `/signup?next=${encodeURIComponent(query.get("next") ?? "")}`
              : "/signup"
          }
        >
          Create an account
        </Link>
      </p>
    </div>
  );
}
