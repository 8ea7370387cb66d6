import type { PageProps } from "../lib/fresh/types.ts";
import type { State } from "../lib/state.ts";

/** Shown when rendering a page failed; the details stay in the server log. */
export default function ServerError({ state }: PageProps<unknown, State>) {
  return (
    <main class="page error-page">
      <h1>Something went wrong</h1>
      <p>
        The server could not show this page. Try again in a moment. If it keeps happening, quote the
        reference <code>{state.requestId}</code>.
      </p>
    </main>
  );
}
