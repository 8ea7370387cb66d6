import { SignUpForm } from "../../components/auth/AuthForms.tsx";
import {
  type AuthFormData,
  readForm,
  safeNext,
  tooManyAttempts,
  validateSignUp,
} from "../../components/auth/form.ts";
import type { PageProps } from "../../lib/fresh/types.ts";
import { define, type State } from "../../lib/state.ts";

/** `/auth/signup`: the sign-up form; its POST creates the account and signs it in at once. */
export const handler = define.handlers<AuthFormData>({
  GET(ctx) {
    return ctx.render({
      values: {},
      errors: {},
      next: safeNext(ctx.url.searchParams.get("next")),
      providers: ctx.state.services.auth.socialProviders,
    });
  },
  async POST(ctx) {
    const { auth, settings } = ctx.state.services;
    const form = await readForm(ctx.req);
    const next = safeNext(form.get("next"));
    const name = (form.get("name") ?? "").trim();
    const email = (form.get("email") ?? "").trim().toLowerCase();
    const password = form.get("password") ?? "";
    const values = { name, email };
    const page = (status: number, errors: AuthFormData["errors"], headers?: HeadersInit) =>
      ctx.render({ values, errors, next, providers: auth.socialProviders }, { status, headers });

    const errors = validateSignUp(name, email, password, minPasswordLength(settings));
    if (Object.keys(errors).length > 0) return page(400, errors);
    const outcome = await auth.signUpEmail(ctx, name, email, password);
    if (!outcome.ok) {
      const limited = tooManyAttempts(outcome);
      if (limited) return page(429, { form: limited.message }, limited.headers);
      if (/ALREADY_EXISTS/.test(outcome.code)) {
        return page(409, { email: "An account with this email already exists. Sign in instead." });
      }
      if (/PASSWORD_TOO/.test(outcome.code)) return page(400, { password: outcome.message + "." });
      if (/EMAIL/.test(outcome.code)) return page(400, { email: "Enter a valid email address." });
      return page(outcome.status >= 500 ? 500 : 400, {
        form: "Could not create the account. Try again in a moment.",
      });
    }
    // Without a session cookie (email verification required), say what to do next.
    if (!outcome.userId) {
      return page(200, { form: "Check your email: follow the link we sent to finish signing up." });
    }
    outcome.headers.set("location", next);
    return new Response(null, { status: 303, headers: outcome.headers });
  },
});

function minPasswordLength(settings: State["services"]["settings"]): number {
  return settings.auth.minPasswordLength;
}

/** The sign-up page. */
export default function SignUp({ data, state }: PageProps<AuthFormData, State>) {
  return <SignUpForm data={data} minPasswordLength={minPasswordLength(state.services.settings)} />;
}
