/**
 * The knowledge benchmarks' synthetic corpus: documents of {@link PER_DOCUMENT} chunks of six
 * 12-word sentences drawn from a 5 000-word vocabulary with a long tail (low ranks much more
 * common, as in real text), so full-text matches range from words in almost every chunk to words
 * in a handful; questions of 6–10 words drawn from the same vocabulary. Deterministic (a seeded
 * generator), so runs compare. Vectors are the test fake's hashed word counts, made in-process
 * when ingestion throughput is measured (no embedding wait) and served by bench/fake_model.ts
 * `/embeddings` when the app asks for a question's vector.
 * @module
 */
import type { PreparedDocument } from "../lib/knowledge/types.ts";

/** Chunks per document (each document is replaced in one transaction). */
export const PER_DOCUMENT = 50;
/** The embedding model name the corpus's vectors are recorded under. */
export const CORPUS_MODEL = "bench-embedding";

const WORDS = Array.from({ length: 5000 }, (_, i) => {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let w = "";
  for (let n = i + 26 * 26; n > 0; n = Math.floor(n / 26)) w += letters[n % 26];
  return w;
});

/**
 * A seeded generator (mulberry32, in 32-bit integer arithmetic): the same corpus and questions
 * on every run. (The generator bench/knowledge.ts had before multiplied in floating point past
 * 2^53, fell into a short cycle and repeated each chunk's text about 19 times at 100 000 chunks.)
 */
export class CorpusRandom {
  #state: number;
  constructor(seed = 42) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  /** A Zipf-like pick: low ranks are much more common. */
  word(): string {
    return WORDS[Math.floor(WORDS.length * this.next() ** 3)];
  }
  sentence(n: number): string {
    return Array.from({ length: n }, () => this.word()).join(" ") + ".";
  }
  /** A question of 6–10 words. */
  question(): string {
    return this.sentence(6 + Math.floor(this.next() * 5));
  }
}

/** Document number `d` of the corpus (its text from `random`). */
export function corpusDocument(d: number, random: CorpusRandom): PreparedDocument {
  return {
    locator: `doc-${d}.md`,
    url: `https://bench.example/doc-${d}`,
    title: `Document ${d}`,
    contentHash: String(d),
    chunks: Array.from({ length: PER_DOCUMENT }, (_, ord) => ({
      ord,
      headingPath: `Document ${d} › Section ${ord}`,
      url: `https://bench.example/doc-${d}#s-${ord}`,
      text: Array.from({ length: 6 }, () => random.sentence(12)).join(" "),
    })),
  };
}
