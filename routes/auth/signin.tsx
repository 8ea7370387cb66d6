import { SignInForm } from "../../components/auth/AuthForms.tsx";
import {
  type AuthFormData,
  readForm,
  safeNext,
  validateSignIn,
} from "../../components/auth/form.ts";
import type { SocialProvider } from "../../lib/auth/mod.ts";
import type { PageProps } from "../../lib/fresh/types.ts";
import { define, type State } from "../../lib/state.ts";

/** `/auth/signin`: the sign-in form; its POST signs in (email + password, or GitHub/Google). */
export const handler = define.handlers<AuthFormData>({
  GET(ctx) {
    const { auth } = ctx.state.services;
    return ctx.render({
      values: {},
      errors: {},
      next: safeNext(ctx.url.searchParams.get("next")),
      providers: auth.socialProviders,
    });
  },
  async POST(ctx) {
    const { auth } = ctx.state.services;
    const form = await readForm(ctx.req);
    const next = safeNext(form.get("next"));
    const provider = form.get("provider");
    const page = (status: number, data: Omit<AuthFormData, "next" | "providers">) =>
      ctx.render({ ...data, next, providers: auth.socialProviders }, { status });

    if (provider !== null) {
      if (!auth.socialProviders.includes(provider as SocialProvider)) {
        return page(400, { values: {}, errors: { form: "That sign-in method is not available." } });
      }
      const outcome = await auth.signInSocial(ctx.req, provider as SocialProvider, next);
      if (!outcome.ok || !outcome.redirectUrl) {
        return page(502, {
          values: {},
          errors: { form: "Could not start that sign-in. Try again in a moment." },
        });
      }
      outcome.headers.set("location", outcome.redirectUrl);
      return new Response(null, { status: 303, headers: outcome.headers });
    }

    const email = (form.get("email") ?? "").trim().toLowerCase();
    const password = form.get("password") ?? "";
    const values = { email };
    const errors = validateSignIn(email, password);
    if (Object.keys(errors).length > 0) return page(400, { values, errors });
    const outcome = await auth.signInEmail(ctx.req, email, password);
    if (!outcome.ok) {
      const message = outcome.code === "EMAIL_NOT_VERIFIED"
        ? "Verify your email address first: follow the link we sent you."
        : outcome.status === 429
        ? "Too many attempts. Wait a minute and try again."
        : "That email and password do not match an account.";
      return page(outcome.status === 429 ? 429 : 401, { values, errors: { form: message } });
    }
    outcome.headers.set("location", next);
    return new Response(null, { status: 303, headers: outcome.headers });
  },
});

/** The sign-in page. */
export default function SignIn({ data }: PageProps<AuthFormData, State>) {
  return <SignInForm data={data} />;
}
