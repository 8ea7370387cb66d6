import { SignInForm } from "../../components/auth/AuthForms.tsx";
import {
  type AuthFormData,
  readForm,
  safeNext,
  tooManyAttempts,
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
    const page = (
      status: number,
      data: Omit<AuthFormData, "next" | "providers">,
      headers?: HeadersInit,
    ) => ctx.render({ ...data, next, providers: auth.socialProviders }, { status, headers });

    if (provider !== null) {
      if (!auth.socialProviders.includes(provider as SocialProvider)) {
        return page(400, { values: {}, errors: { form: "That sign-in method is not available." } });
      }
      const outcome = await auth.signInSocial(ctx, provider as SocialProvider, next);
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
    const outcome = await auth.signInEmail(ctx, email, password);
    if (!outcome.ok) {
      const limited = tooManyAttempts(outcome);
      if (limited) return page(429, { values, errors: { form: limited.message } }, limited.headers);
      const message = outcome.code === "EMAIL_NOT_VERIFIED"
        ? "Verify your email address first: follow the link we sent you."
        : "That email and password do not match an account.";
      return page(401, { values, errors: { form: message } });
    }
    outcome.headers.set("location", next);
    return new Response(null, { status: 303, headers: outcome.headers });
  },
});

/** The sign-in page. */
export default function SignIn({ data }: PageProps<AuthFormData, State>) {
  return <SignInForm data={data} />;
}
