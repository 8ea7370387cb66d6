/**
 * The shapes ingestion passes along: a parsed document (title and sections), its chunks, and
 * the errors a user sees.
 * @module
 */

/** One part of a document under one heading. */
export interface Section {
  /** The headings above this part, outermost first (without the document title). */
  headings: string[];
  /** The fragment that links to it (`#anchor`), when the format has one. */
  anchor?: string;
  /** Its text: paragraphs separated by blank lines. */
  text: string;
}

/** What a parser gives: a title, a slug from front matter, and sections in order. */
export interface ParsedDocument {
  title: string;
  /** Front matter `slug` (Markdown/MDX): the page's path on the public site. */
  slug?: string;
  sections: Section[];
}

/** A piece of a document small enough to retrieve and to show the model. */
export interface Chunk {
  ord: number;
  /** "Page › Section › Subsection". */
  headingPath: string;
  /** The document's public URL with the section's anchor. */
  url: string;
  text: string;
}

/** A document ready to store: where it comes from, its public URL, chunks and content hash. */
export interface PreparedDocument {
  /** The file's path inside its source, or the page's URL. */
  locator: string;
  url: string;
  title: string;
  contentHash: string;
  chunks: Chunk[];
}

/** An input that cannot be read (unreadable file, unreachable URL, unsupported type). */
export class IngestInputError extends Error {
  constructor(readonly input: string, message: string) {
    super(`${input}: ${message}`);
    this.name = "IngestInputError";
  }
}
