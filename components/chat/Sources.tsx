/**
 * The "Sources" list under an assistant message: its footnotes, numbered as the markers in the
 * text. Only safe (http/https) sources are links, opening in a new tab without access to this
 * page; anything else is plain text.
 * @module
 */
import type { Footnote } from "./citations.ts";
import { ExternalIcon } from "./icons.tsx";

export function Sources({ footnotes, itemId }: { footnotes: Footnote[]; itemId: string }) {
  if (!footnotes.length) return null;
  const headingId = `ck-sources-${itemId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return (
    <div class="ck-sources">
      <p class="ck-sources-title" id={headingId}>Sources</p>
      <ol class="ck-sources-list" aria-labelledby={headingId}>
        {footnotes.map((note) => (
          <li key={note.n} value={note.n} class="ck-source" data-source={note.n}>
            {note.href
              ? (
                <a
                  class="ck-source-link"
                  href={note.href}
                  target="_blank"
                  rel="noopener noreferrer"
                >
                  {note.title}
                  <span class="ck-sr-only">(opens in a new tab)</span>
                  <ExternalIcon size={12} />
                </a>
              )
              : <span class="ck-source-title">{note.title}</span>}
            {note.description ? <span class="ck-source-desc">{note.description}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
