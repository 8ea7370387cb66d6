import Counter from "../islands/Counter.tsx";
import type { PageProps } from "../lib/fresh/types.ts";
import type { State } from "../lib/state.ts";

/** The start page. */
export default function Home({ state }: PageProps<unknown, State>) {
  const { site } = state.services.settings;
  return (
    <main class="page">
      <h1>{site.title}</h1>
      <p>{site.description}</p>
      <Counter label="This page is interactive" />
    </main>
  );
}
