import { Header } from "../components/Header.tsx";
import { asset } from "../lib/fresh/runtime.ts";
import type { PageProps } from "../lib/fresh/types.ts";
import type { State } from "../lib/state.ts";

/** The document around every page. */
export default function App({ Component, state }: PageProps<unknown, State>) {
  const { site } = state.services.settings;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="description" content={site.description} />
        <title>{site.title}</title>
        <link rel="stylesheet" href={asset("/styles.css")} />
        <link rel="icon" href={asset("/favicon.svg")} type="image/svg+xml" />
      </head>
      <body>
        <Header state={state} />
        <Component />
      </body>
    </html>
  );
}
