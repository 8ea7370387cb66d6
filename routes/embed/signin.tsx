/**
 * `GET /embed/signin?origin=<host origin>`: the page the embed opens in a popup. Not signed in:
 * on to our sign-in page, which comes back here. Signed in: the hand-over island passes a
 * chat-scoped grant to the widget on that origin (which must be in ALLOWED_ORIGINS).
 */
import EmbedSignIn from "../../islands/EmbedSignIn.tsx";
import type { PageProps } from "../../lib/fresh/types.ts";
import { define, type State } from "../../lib/state.ts";

interface SignInData {
  origin: string;
  allowed: boolean;
  name: string;
}

export const handler = define.handlers<SignInData>({
  GET(ctx) {
    const origin = ctx.url.searchParams.get("origin") ?? "";
    const allowed = ctx.state.services.embed.allows(origin);
    const { user, session } = ctx.state;
    if (allowed && (!user || session?.via !== "cookie")) {
      const next = ctx.url.pathname + ctx.url.search;
      return new Response(null, {
        status: 303,
        headers: { location: `/auth/signin?next=${encodeURIComponent(next)}` },
      });
    }
    return ctx.render({ origin, allowed, name: user?.name || user?.email || "" }, {
      status: allowed ? 200 : 403,
      headers: { "cache-control": "no-store" },
    });
  },
});

/** The popup's page. */
export default function EmbedSignInPage({ data }: PageProps<SignInData, State>) {
  return (
    <main class="page auth-page">
      <h1>Sign in to the chat</h1>
      {data.allowed
        ? <EmbedSignIn origin={data.origin} name={data.name} />
        : <p role="alert">The assistant is not enabled on that site.</p>}
    </main>
  );
}
