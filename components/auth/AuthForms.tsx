/**
 * The sign-in and sign-up forms (server-rendered, no JavaScript needed).
 * @module
 */
import type { ComponentChildren } from "preact";
import type { SocialProvider } from "../../lib/auth/mod.ts";
import type { AuthFormData, FieldErrors } from "./form.ts";

const PROVIDER_NAMES: Record<SocialProvider, string> = { github: "GitHub", google: "Google" };

function Field(props: {
  name: "name" | "email" | "password";
  label: string;
  type: "text" | "email" | "password";
  autocomplete: string;
  value?: string;
  error?: string;
  hint?: string;
}) {
  const errorId = `${props.name}-error`;
  const hintId = `${props.name}-hint`;
  const describedBy = [props.hint ? hintId : "", props.error ? errorId : ""].filter(Boolean)
    .join(" ");
  // One object: preact's input types are a union keyed by `type`.
  const inputAttributes = {
    id: props.name,
    name: props.name,
    type: props.type,
    autocomplete: props.autocomplete,
    required: true,
    value: props.type === "password" ? undefined : props.value,
    "aria-invalid": props.error ? "true" : undefined,
    "aria-describedby": describedBy || undefined,
  } as Record<string, unknown>;
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      {props.hint && <p id={hintId} class="field-hint">{props.hint}</p>}
      <input {...inputAttributes} />
      {props.error && <p id={errorId} class="field-error">{props.error}</p>}
    </div>
  );
}

function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="form-errors" role="alert">
      {errors.form ? <p>{errors.form}</p> : <p>Please correct the fields marked below.</p>}
    </div>
  );
}

function Providers({ providers, next }: { providers: SocialProvider[]; next: string }) {
  if (providers.length === 0) return null;
  return (
    <form method="post" action="/auth/signin" class="auth-providers">
      <input type="hidden" name="next" value={next} />
      {providers.map((p) => (
        <button type="submit" name="provider" value={p}>Continue with {PROVIDER_NAMES[p]}</button>
      ))}
    </form>
  );
}

function Shell(props: { title: string; children: ComponentChildren }) {
  return (
    <main class="page auth-page">
      <h1>{props.title}</h1>
      {props.children}
    </main>
  );
}

/** The sign-in page. */
export function SignInForm({ data }: { data: AuthFormData }) {
  const { values, errors, next, providers } = data;
  const signUp = `/auth/signup${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`;
  return (
    <Shell title="Sign in">
      <ErrorSummary errors={errors} />
      <form method="post" action="/auth/signin" class="auth-form" novalidate>
        <input type="hidden" name="next" value={next} />
        <Field
          name="email"
          label="Email"
          type="email"
          autocomplete="email"
          value={values.email}
          error={errors.email}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          error={errors.password}
        />
        <button type="submit">Sign in</button>
      </form>
      <Providers providers={providers} next={next} />
      <p>
        No account yet? <a href={signUp}>Create one</a>
      </p>
    </Shell>
  );
}

/** The sign-up page. */
export function SignUpForm(
  { data, minPasswordLength }: { data: AuthFormData; minPasswordLength: number },
) {
  const { values, errors, next, providers } = data;
  const signIn = `/auth/signin${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`;
  return (
    <Shell title="Create an account">
      <ErrorSummary errors={errors} />
      <form method="post" action="/auth/signup" class="auth-form" novalidate>
        <input type="hidden" name="next" value={next} />
        <Field
          name="name"
          label="Name"
          type="text"
          autocomplete="name"
          value={values.name}
          error={errors.name}
        />
        <Field
          name="email"
          label="Email"
          type="email"
          autocomplete="email"
          value={values.email}
          error={errors.email}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="new-password"
          hint={`At least ${minPasswordLength} characters.`}
          error={errors.password}
        />
        <button type="submit">Create account</button>
      </form>
      <Providers providers={providers} next={next} />
      <p>
        Already have an account? <a href={signIn}>Sign in</a>
      </p>
    </Shell>
  );
}
