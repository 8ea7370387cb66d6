/**
 * Heading anchors as documentation sites make them (GitHub, Docusaurus, VitePress): lower case,
 * punctuation dropped, spaces to hyphens, repeats numbered `-1`, `-2`. A heading may also name
 * its anchor explicitly (`## Install {#setup}`).
 * @module
 */

/** The slug of a heading text (`"Reset your password!"` → `"reset-your-password"`). */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Hands out unique anchors for one document, in heading order. */
export class AnchorSet {
  #seen = new Map<string, number>();

  /** The anchor for a heading (numbered when the same slug came before). */
  next(text: string): string {
    const base = slugify(text);
    const count = this.#seen.get(base);
    this.#seen.set(base, (count ?? -1) + 1);
    return count === undefined ? base : `${base}-${count + 1}`;
  }
}

/** Splits `Install {#setup}` into its text and explicit anchor. */
export function explicitAnchor(heading: string): { text: string; anchor?: string } {
  const match = heading.match(/^(.*?)\s*\{#([\w-]+)\}\s*$/);
  return match ? { text: match[1], anchor: match[2] } : { text: heading };
}
