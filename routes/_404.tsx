import type { PageProps } from "../lib/fresh/types.ts";

/** Shown for pages that do not exist. */
export default function NotFound({ url }: PageProps) {
  return (
    <main class="page error-page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{url.pathname}</code>. <a href="/">Back to the start page</a>
      </p>
    </main>
  );
}
